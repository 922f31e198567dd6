"""People, groups and machine keys, kept in the gateway's own database."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, func, select, update
from sqlalchemy.exc import IntegrityError

from gateway import store
from gateway.auth import hash_password, new_api_key, password_matches, user_group_ids
from gateway.errors import ApiError

u, g, ug, k = store.users, store.groups, store.user_groups, store.api_keys


def user_view(conn: Connection, row: Any) -> dict[str, Any]:
    group_ids = user_group_ids(conn, row.id)
    return {
        "id": row.id,
        "username": row.username,
        "full_name": row.full_name,
        "email": row.email,
        "roles": row.roles.split(","),
        "group_ids": list(group_ids),
        "supervisor_id": row.supervisor_id,
        "active": row.active,
        "created_at": row.created_at,
    }


def create_user(conn: Connection, fields: dict[str, Any]) -> dict[str, Any]:
    if fields.get("supervisor_id") and user_exists(conn, fields["supervisor_id"]) is False:
        raise ApiError.invalid("supervisor_id", f"user {fields['supervisor_id']!r} does not exist")
    for group_id in fields.get("group_ids", []):
        if conn.scalar(select(g.c.id).where(g.c.id == group_id)) is None:
            raise ApiError.invalid("group_ids", f"group {group_id!r} does not exist")
    if conn.scalar(select(u.c.id).where(func.lower(u.c.username) == fields["username"].lower())):
        raise ApiError(409, f"user name {fields['username']!r} is taken")
    user_id = str(uuid.uuid4())
    conn.execute(
        u.insert().values(
            id=user_id,
            username=fields["username"],
            password_hash=hash_password(fields["password"]),
            full_name=fields["full_name"],
            email=fields.get("email"),
            roles=",".join(dict.fromkeys(fields["roles"])),
            supervisor_id=fields.get("supervisor_id"),
            active=True,
            created_at=datetime.now(UTC),
        )
    )
    for group_id in dict.fromkeys(fields.get("group_ids", [])):
        conn.execute(ug.insert().values(user_id=user_id, group_id=group_id))
    return get_user(conn, user_id)


def user_exists(conn: Connection, user_id: str) -> bool:
    return conn.scalar(select(u.c.id).where(u.c.id == user_id)) is not None


def get_user(conn: Connection, user_id: str) -> dict[str, Any]:
    row = conn.execute(select(u).where(u.c.id == user_id)).first()
    if row is None:
        raise ApiError(404, f"user {user_id!r} does not exist")
    return user_view(conn, row)


def set_active(conn: Connection, user_id: str, active: bool, by: str) -> dict[str, Any]:
    """Deactivated, a user's access tokens are refused at the next request, her sessions are
    closed and the API keys she made stop working until she is activated again."""
    if not active and user_id == by:
        raise ApiError(409, "you cannot deactivate yourself")
    changed = conn.execute(update(u).where(u.c.id == user_id).values(active=active))
    if changed.rowcount == 0:
        raise ApiError(404, f"user {user_id!r} does not exist")
    if not active:
        _close_sessions(conn, user_id)
    return get_user(conn, user_id)


def change_own_password(conn: Connection, user_id: str, current: str, new: str) -> None:
    """With the current password; every other session of hers is closed (a refresh token taken
    with the old password no longer works)."""
    row = conn.execute(select(u).where(u.c.id == user_id)).first()
    if row is None:
        raise ApiError(404, "an API key has no password")
    if not password_matches(row.password_hash, current):
        raise ApiError.invalid("current", "is not your current password")
    if current == new:
        raise ApiError.invalid("new", "must differ from the current password")
    conn.execute(update(u).where(u.c.id == user_id).values(password_hash=hash_password(new)))
    _close_sessions(conn, user_id)


def _close_sessions(conn: Connection, user_id: str) -> None:
    t = store.refresh_tokens
    still_open = (t.c.user_id == user_id) & t.c.revoked_at.is_(None)
    conn.execute(update(t).where(still_open).values(revoked_at=datetime.now(UTC)))


def user_by_name(conn: Connection, username: str) -> Any:
    return conn.execute(
        select(u).where(func.lower(u.c.username) == username.lower(), u.c.active.is_(True))
    ).first()


def list_users(conn: Connection, page: int, size: int) -> tuple[list[dict[str, Any]], int]:
    total = conn.scalar(select(func.count()).select_from(u)) or 0
    rows = conn.execute(
        select(u).order_by(u.c.username).limit(size).offset((page - 1) * size)
    ).all()
    return [user_view(conn, row) for row in rows], total


def create_group(conn: Connection, name: str) -> dict[str, Any]:
    group_id = str(uuid.uuid4())
    try:
        with conn.begin_nested():
            conn.execute(g.insert().values(id=group_id, name=name))
    except IntegrityError:
        raise ApiError(409, f"group {name!r} already exists") from None
    return {"id": group_id, "name": name}


def list_groups(conn: Connection, page: int, size: int) -> tuple[list[dict[str, Any]], int]:
    total = conn.scalar(select(func.count()).select_from(g)) or 0
    rows = conn.execute(select(g).order_by(g.c.name).limit(size).offset((page - 1) * size)).all()
    return [{"id": row.id, "name": row.name} for row in rows], total


def key_view(row: Any) -> dict[str, Any]:
    return {
        "id": row.id,
        "name": row.name,
        "scopes": row.scopes.split(","),
        "created_at": row.created_at,
        "revoked_at": row.revoked_at,
    }


def create_api_key(
    conn: Connection, name: str, scopes: list[str], created_by: str
) -> dict[str, Any]:
    key_id, key, secret_hash = new_api_key()
    conn.execute(
        k.insert().values(
            id=key_id,
            name=name,
            secret_hash=secret_hash,
            scopes=",".join(dict.fromkeys(scopes)),
            created_by=created_by if user_exists(conn, created_by) else None,
            created_at=datetime.now(UTC),
        )
    )
    row = conn.execute(select(k).where(k.c.id == key_id)).one()
    return {**key_view(row), "key": key}


def list_api_keys(conn: Connection, page: int, size: int) -> tuple[list[dict[str, Any]], int]:
    total = conn.scalar(select(func.count()).select_from(k)) or 0
    rows = conn.execute(
        select(k).order_by(k.c.created_at).limit(size).offset((page - 1) * size)
    ).all()
    return [key_view(row) for row in rows], total


def revoke_api_key(conn: Connection, key_id: str) -> None:
    revoked = conn.execute(
        update(k)
        .where(k.c.id == key_id, k.c.revoked_at.is_(None))
        .values(revoked_at=datetime.now(UTC))
    )
    if revoked.rowcount == 0 and conn.scalar(select(k.c.id).where(k.c.id == key_id)) is None:
        raise ApiError(404, f"API key {key_id!r} does not exist")


def ensure_first_admin(conn: Connection, username: str, password: str) -> bool:
    """Creates the first admin when nobody exists yet; returns True if it did."""
    if conn.scalar(select(func.count()).select_from(u)):
        return False
    create_user(
        conn,
        {
            "username": username,
            "password": password,
            "full_name": "Administrator",
            "roles": ["admin"],
        },
    )
    return True


def subordinates(conn: Connection, user_id: str) -> set[str]:
    """Everyone below the user in the supervisor chain, however deep."""
    found: set[str] = set()
    frontier = {user_id}
    while frontier:
        below = (
            set(conn.scalars(select(u.c.id).where(u.c.supervisor_id.in_(frontier))).all())
            - found
            - {user_id}
        )
        found |= below
        frontier = below
    return found
