"""People, groups and machine keys, kept in the gateway's own database."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, func, select, true, update
from sqlalchemy.exc import IntegrityError

from gateway import history, store
from gateway.auth import hash_password, new_api_key, password_matches, user_group_ids
from gateway.errors import ApiError
from gateway.versions import changed_meanwhile, ensure_current

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
        "time_zone": row.time_zone,
        "active": row.active,
        "must_change_password": row.must_change_password,
        "version": row.version,
        "created_at": row.created_at,
    }


def create_user(conn: Connection, fields: dict[str, Any]) -> dict[str, Any]:
    if fields.get("supervisor_id"):
        check_supervisor(conn, fields["supervisor_id"])
    check_groups(conn, fields.get("group_ids", []))
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
            time_zone=fields.get("time_zone"),
            active=True,
            created_at=datetime.now(UTC),
        )
    )
    set_groups(conn, user_id, fields.get("group_ids", []))
    made = get_user(conn, user_id)
    history.record(conn, "user", user_id, "created", None, made, history.USER_FIELDS)
    return made


def check_supervisor(conn: Connection, supervisor_id: str, of: str | None = None) -> None:
    """A supervisor exists, and is neither the user herself nor someone below her."""
    if not user_exists(conn, supervisor_id):
        raise ApiError.invalid("supervisor_id", f"user {supervisor_id!r} does not exist")
    if of is not None and (supervisor_id == of or supervisor_id in subordinates(conn, of)):
        raise ApiError.invalid("supervisor_id", "must be neither the user nor someone below her")


def check_groups(conn: Connection, group_ids: list[str]) -> None:
    for group_id in group_ids:
        if conn.scalar(select(g.c.id).where(g.c.id == group_id)) is None:
            raise ApiError.invalid("group_ids", f"group {group_id!r} does not exist")


def set_groups(conn: Connection, user_id: str, group_ids: list[str]) -> None:
    conn.execute(ug.delete().where(ug.c.user_id == user_id))
    for group_id in dict.fromkeys(group_ids):
        conn.execute(ug.insert().values(user_id=user_id, group_id=group_id))


def update_user(
    conn: Connection, user_id: str, changes: dict[str, Any], expected: int | None, by: str
) -> dict[str, Any]:
    """Changes only the fields sent; refused with 412 when `expected` is not her version."""
    ensure_current(_user_row(conn, user_id).version, expected)
    before = get_user(conn, user_id)
    if user_id == by and "admin" not in changes.get("roles", ["admin"]):
        raise ApiError(409, "you cannot take the admin role from yourself")
    if changes.get("supervisor_id"):
        check_supervisor(conn, changes["supervisor_id"], of=user_id)
    if "group_ids" in changes:
        check_groups(conn, changes["group_ids"])
        set_groups(conn, user_id, changes["group_ids"])
    values = {
        name: changes[name]
        for name in ("full_name", "email", "supervisor_id", "time_zone")
        if name in changes
    }
    if "roles" in changes:
        values["roles"] = ",".join(dict.fromkeys(changes["roles"]))
    if changes:
        _change_user(conn, user_id, expected, **values)
    after = get_user(conn, user_id)
    history.record(conn, "user", user_id, "updated", before, after, history.USER_FIELDS)
    return after


def _change_user(
    conn: Connection, user_id: str, expected: int | None = None, **values: Any
) -> None:
    """Every change of a user bumps her version; with `expected`, only from that version."""
    where = [u.c.id == user_id] + ([u.c.version == expected] if expected is not None else [])
    changed = conn.execute(update(u).where(*where).values(version=u.c.version + 1, **values))
    if changed.rowcount == 0:
        row = _user_row(conn, user_id)
        raise changed_meanwhile(row.version)


def own_time_zone(conn: Connection, user_id: str) -> str | None:
    """The time zone a user chose for herself (None: she reads in the company's, or is a key)."""
    return conn.scalar(select(u.c.time_zone).where(u.c.id == user_id))


def user_exists(conn: Connection, user_id: str) -> bool:
    return conn.scalar(select(u.c.id).where(u.c.id == user_id)) is not None


def get_user(conn: Connection, user_id: str) -> dict[str, Any]:
    return user_view(conn, _user_row(conn, user_id))


def _user_row(conn: Connection, user_id: str) -> Any:
    row = conn.execute(select(u).where(u.c.id == user_id)).first()
    if row is None:
        raise ApiError(404, f"user {user_id!r} does not exist")
    return row


def set_active(conn: Connection, user_id: str, active: bool, by: str) -> dict[str, Any]:
    """Deactivated, a user's access tokens are refused at the next request, her sessions are
    closed and the API keys she made stop working until she is activated again."""
    if not active and user_id == by:
        raise ApiError(409, "you cannot deactivate yourself")
    before = get_user(conn, user_id)
    _change_user(conn, user_id, active=active)
    if not active:
        _close_sessions(conn, user_id)
    after = get_user(conn, user_id)
    action = "activated" if active else "deactivated"
    history.record(conn, "user", user_id, action, before, after, ("active",))
    return after


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
    _change_user(conn, user_id, password_hash=hash_password(new), must_change_password=False)
    _close_sessions(conn, user_id)
    was = {"must_change_password": row.must_change_password}
    now = {"must_change_password": False}
    history.record(conn, "user", user_id, "password_changed", was, now, history.USER_FIELDS)


def reset_password(conn: Connection, user_id: str, password: str, must_change: bool) -> None:
    """An admin sets a new password; her sessions are closed, and with `must_change` she may do
    nothing but change it once she has signed in again."""
    before = get_user(conn, user_id)
    _change_user(
        conn, user_id, password_hash=hash_password(password), must_change_password=must_change
    )
    _close_sessions(conn, user_id)
    after = get_user(conn, user_id)
    history.record(conn, "user", user_id, "password_reset", before, after, history.USER_FIELDS)


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


def group_view(row: Any) -> dict[str, Any]:
    return {
        "id": row.id,
        "name": row.name,
        "archived": row.archived_at is not None,
        "version": row.version,
    }


def create_group(conn: Connection, name: str) -> dict[str, Any]:
    group_id = str(uuid.uuid4())
    with _name_taken_once(conn, name):
        conn.execute(g.insert().values(id=group_id, name=name, version=1))
    made = get_group(conn, group_id)
    history.record(conn, "group", group_id, "created", None, made, history.GROUP_FIELDS)
    return made


@contextmanager
def _name_taken_once(conn: Connection, name: str) -> Iterator[None]:
    try:
        with conn.begin_nested():
            yield
    except IntegrityError:
        raise ApiError(409, f"group {name!r} already exists") from None


def get_group(conn: Connection, group_id: str) -> dict[str, Any]:
    row = conn.execute(select(g).where(g.c.id == group_id)).first()
    if row is None:
        raise ApiError(404, f"group {group_id!r} does not exist")
    return group_view(row)


def list_groups(
    conn: Connection, page: int, size: int, archived: bool = False
) -> tuple[list[dict[str, Any]], int]:
    """The groups in use; with `archived`, the archived ones too."""
    shown = true() if archived else g.c.archived_at.is_(None)
    total = conn.scalar(select(func.count()).select_from(g).where(shown)) or 0
    query = select(g).where(shown).order_by(g.c.name).limit(size).offset((page - 1) * size)
    return [group_view(row) for row in conn.execute(query)], total


def rename_group(
    conn: Connection, group_id: str, name: str, expected: int | None
) -> dict[str, Any]:
    before = get_group(conn, group_id)
    ensure_current(before["version"], expected)
    with _name_taken_once(conn, name):
        _change_group(conn, group_id, expected, name=name)
    after = get_group(conn, group_id)
    history.record(conn, "group", group_id, "renamed", before, after, history.GROUP_FIELDS)
    return after


def set_archived(conn: Connection, group_id: str, archived: bool) -> dict[str, Any]:
    """An archived group leaves the list of groups; its members keep it, and it stays readable."""
    before = get_group(conn, group_id)
    if before["archived"] == archived:
        return before
    _change_group(conn, group_id, archived_at=datetime.now(UTC) if archived else None)
    after = get_group(conn, group_id)
    action = "archived" if archived else "restored"
    history.record(conn, "group", group_id, action, before, after, history.GROUP_FIELDS)
    return after


def _change_group(
    conn: Connection, group_id: str, expected: int | None = None, **values: Any
) -> None:
    where = [g.c.id == group_id] + ([g.c.version == expected] if expected is not None else [])
    changed = conn.execute(update(g).where(*where).values(version=g.c.version + 1, **values))
    if changed.rowcount == 0:
        raise changed_meanwhile(get_group(conn, group_id)["version"])


def key_view(row: Any) -> dict[str, Any]:
    """Never the key nor its hash."""
    return {
        "id": row.id,
        "name": row.name,
        "scopes": row.scopes.split(","),
        "created_at": row.created_at,
        "created_by": row.created_by,
        "revoked": row.revoked_at is not None,
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
    made = key_view(conn.execute(select(k).where(k.c.id == key_id)).one())
    history.record(conn, "api_key", key_id, "created", None, made, history.KEY_FIELDS)
    return {**made, "key": key}


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
    if revoked.rowcount:
        was, now = {"revoked": False}, {"revoked": True}
        history.record(conn, "api_key", key_id, "revoked", was, now, history.KEY_FIELDS)


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
