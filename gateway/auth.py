"""Who is calling and what they may do: JWT access tokens with rotating refresh tokens for
people, hashed scoped API keys for machines, argon2 for passwords, a brake on guessing."""

from __future__ import annotations

import functools
import hashlib
import hmac
import re
import secrets
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import jwt
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerifyMismatchError
from flask import request
from sqlalchemy import Connection, and_, bindparam, delete, func, or_, select, update

from crmkit.identity import Identity, set_identity
from gateway import store
from gateway.context import gateway
from gateway.errors import ApiError
from gateway.openapi import Operation

hasher = PasswordHasher()
ALGORITHM = "HS256"
API_KEY_PREFIX = "crm_"
API_KEY = re.compile(rf"{API_KEY_PREFIX}[0-9a-f]{{32}}_[\w-]{{1,100}}", re.ASCII)


def now() -> datetime:
    return datetime.now(UTC)


def sha256(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def hash_password(password: str) -> str:
    return hasher.hash(password)


@functools.cache
def decoy_hash() -> str:
    """A hash no password matches, checked for an unknown user name so that it takes as long
    as a wrong password: how long a login takes does not tell which names exist."""
    return hash_password(secrets.token_urlsafe(32))


def password_matches(password_hash: str, password: str) -> bool:
    try:
        return hasher.verify(password_hash, password)
    except (VerifyMismatchError, InvalidHashError):
        return False


# -- tokens ------------------------------------------------------------------------------
@dataclass(frozen=True)
class IssuedTokens:
    access_token: str
    refresh_token: str
    expires_in: int
    must_change_password: bool


def user_group_ids(conn: Connection, user_id: str) -> list[str]:
    ug = store.user_groups.c
    query = select(ug.group_id).where(ug.user_id == user_id).order_by(ug.group_id)
    return list(conn.scalars(query))


def issue_tokens(conn: Connection, user: Any, family_id: str | None = None) -> IssuedTokens:
    settings = gateway().settings
    moment = now()
    claims = {
        "sub": user.id,
        "roles": user.roles.split(","),
        "groups": user_group_ids(conn, user.id),  # taken again at every refresh
        "typ": "access",
        "iat": moment,
        "exp": moment + timedelta(seconds=settings.access_token_seconds),
    }
    access = jwt.encode(claims, gateway().jwt_secret, algorithm=ALGORITHM)
    refresh = secrets.token_urlsafe(32)
    conn.execute(
        store.refresh_tokens.insert().values(
            token_hash=sha256(refresh),
            family_id=family_id or str(uuid.uuid4()),
            user_id=user.id,
            expires_at=moment + timedelta(seconds=settings.refresh_token_seconds),
        )
    )
    return IssuedTokens(access, refresh, settings.access_token_seconds, user.must_change_password)


def rotate_refresh_token(conn: Connection, refresh_token: str) -> IssuedTokens | None:
    """A refresh token works once. Presenting a used one again revokes its whole family,
    because someone else has a copy; then None is returned, and the caller refuses."""
    t = store.refresh_tokens
    row = conn.execute(select(t).where(t.c.token_hash == sha256(refresh_token))).first()
    if row is None or row.revoked_at is not None or row.expires_at <= now():
        raise ApiError(401, "the refresh token is unknown, expired or revoked; log in again")
    if row.used_at is not None:
        conn.execute(update(t).where(t.c.family_id == row.family_id).values(revoked_at=now()))
        return None
    conn.execute(update(t).where(t.c.token_hash == row.token_hash).values(used_at=now()))
    user = active_user(conn, row.user_id)
    if user is None:
        raise ApiError(401, "the user is no longer active")
    return issue_tokens(conn, user, row.family_id)


def active_user(conn: Connection, user_id: str) -> Any:
    u = store.users
    return conn.execute(select(u).where(u.c.id == user_id, u.c.active.is_(True))).first()


# Asked on every request: built once, so that only the user's id is bound each time.
_ACTIVE_USER = select(store.users.c.must_change_password).where(
    store.users.c.id == bindparam("user_id"), store.users.c.active.is_(True)
)


def must_change_password(conn: Connection, user_id: str) -> bool:
    """Whether the active user must change her password first; 401 when she is not active."""
    found = conn.execute(_ACTIVE_USER, {"user_id": user_id}).first()
    if found is None:
        raise ApiError(401, "the user is no longer active")
    return bool(found.must_change_password)


# -- login brake ---------------------------------------------------------------------------
def check_login_allowed(conn: Connection, username: str) -> None:
    """User names are counted as they are looked up, in any case: "Admin" is "admin"."""
    a = store.login_attempts
    window_start = now() - timedelta(minutes=1)
    remote = request.remote_addr or "unknown"
    conn.execute(delete(a).where(a.c.at < now() - timedelta(hours=1)))
    failures = conn.scalar(
        select(func.count())
        .select_from(a)
        .where(
            a.c.at >= window_start,
            or_(a.c.username == username.lower(), a.c.remote_addr == remote),
        )
    )
    if (failures or 0) >= gateway().settings.login_attempts_per_minute:
        raise ApiError(429, "too many failed logins; wait a minute", headers={"Retry-After": "60"})


def record_failed_login(conn: Connection, username: str) -> None:
    remote = request.remote_addr or "unknown"
    conn.execute(
        store.login_attempts.insert().values(
            username=username.lower(), remote_addr=remote, at=now()
        )
    )


# -- API keys ------------------------------------------------------------------------------
def new_api_key() -> tuple[str, str, str]:
    """Returns (id, key to show once, hash to store)."""
    key_id = uuid.uuid4().hex
    secret = secrets.token_urlsafe(32)
    return key_id, f"{API_KEY_PREFIX}{key_id}_{secret}", sha256(secret)


def identity_from_api_key(conn: Connection, presented: str) -> Identity:
    if not API_KEY.fullmatch(presented):  # never one of ours: not worth a look-up
        raise ApiError(401, "the API key is unknown or revoked")
    body = presented.removeprefix(API_KEY_PREFIX)
    key_id, _, secret = body.partition("_")
    k, u = store.api_keys, store.users
    # The keys a deactivated user made stop with her.
    maker_active = or_(k.c.created_by.is_(None), u.c.active.is_(True))
    query = (
        select(k)
        .outerjoin(u, u.c.id == k.c.created_by)
        .where(and_(k.c.id == key_id, k.c.revoked_at.is_(None), maker_active))
    )
    row = conn.execute(query).first()
    if row is None or not hmac.compare_digest(row.secret_hash, sha256(secret)):
        raise ApiError(401, "the API key is unknown or revoked")
    return Identity(f"apikey:{row.id}", scopes=frozenset(row.scopes.split(",")))


def identity_from_bearer(token: str, before_password_change: bool = False) -> Identity:
    try:
        claims = jwt.decode(
            token, gateway().jwt_secret, algorithms=[ALGORITHM], options={"require": ["exp", "sub"]}
        )
    except jwt.ExpiredSignatureError:
        raise ApiError(401, "the access token has expired; refresh it") from None
    except jwt.InvalidTokenError:
        raise ApiError(401, "the access token is not valid") from None
    if claims.get("typ") != "access":
        raise ApiError(401, "this is not an access token")
    with gateway().engine.connect() as conn:  # someone disabled stops now, not when it expires
        forced = must_change_password(conn, str(claims["sub"]))
    if forced and not before_password_change:
        raise ApiError(403, "change your password first", code="must_change_password")
    return Identity(
        str(claims["sub"]),
        roles=frozenset(claims.get("roles", [])),
        groups=frozenset(claims.get("groups", [])),
    )


def identify(operation: Operation) -> Identity:
    header = request.headers.get("Authorization", "")
    if header.lower().startswith("bearer "):
        return identity_from_bearer(header[7:].strip(), operation.before_password_change)
    key = request.headers.get("X-API-Key")
    if key:
        with gateway().engine.connect() as conn:
            return identity_from_api_key(conn, key)
    raise ApiError(401, "log in and send 'Authorization: Bearer <token>', or send 'X-API-Key'")


def guard(operation: Operation) -> None:
    """Authenticates the caller and checks the operation's rule; sets the identity for gRPC."""
    if not operation.auth:
        return
    identity = identify(operation)
    set_identity(identity)
    if operation.roles and not (identity.roles & operation.roles):
        raise ApiError(403, f"this needs one of the roles: {', '.join(sorted(operation.roles))}")
    if operation.area is None:
        return
    allowed = (
        identity.can_write(operation.area) if operation.write else identity.can_read(operation.area)
    )
    if not allowed:
        verb = "change" if operation.write else "read"
        raise ApiError(403, f"you may not {verb} {operation.area}")
