"""Owners and assignees are users, which only the gateway knows."""

from __future__ import annotations

from gateway import accounts
from gateway.context import gateway
from gateway.errors import ApiError


def check_owner(owner_id: str | None, field: str = "owner_id") -> None:
    if owner_id is None:
        return
    with gateway().engine.connect() as conn:
        if not accounts.user_exists(conn, owner_id):
            raise ApiError.invalid(field, f"user {owner_id!r} does not exist")
