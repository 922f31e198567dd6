"""The history of what the gateway keeps itself (users, groups, API keys), in its own audit table,
in the transaction of each change: the same entries the services keep of their records
(crmkit.audit), so that GET /audit reads them all alike."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection

from crmkit import audit
from crmkit.domain import Audit
from gateway import store

USER_FIELDS = (
    "username", "full_name", "email", "roles", "group_ids", "supervisor_id", "active",
    "must_change_password", "time_zone",
)  # fmt: skip
GROUP_FIELDS = ("name", "archived")
KEY_FIELDS = ("name", "scopes", "revoked")


def record(
    conn: Connection,
    entity: str,
    entity_id: str,
    action: str,
    before: Mapping[str, Any] | None,
    after: Mapping[str, Any] | None,
    fields: Iterable[str] = (),
) -> None:
    """One entry: what `action` did to the record, old and new of each of `fields` that differ
    (never a password or a key: they are not among the fields)."""
    was, now = _plain(before), _plain(after)
    changes = {f: (was.get(f), now.get(f)) for f in fields if was.get(f) != now.get(f)}
    entry = Audit(entity, entity_id, action, changes)
    audit.write(conn, store.audit, [entry], datetime.now(UTC))


def _plain(view: Mapping[str, Any] | None) -> dict[str, Any]:
    """Lists in one order (a user's groups come in any), so that only real changes show."""
    return {k: sorted(v) if isinstance(v, list) else v for k, v in (view or {}).items()}
