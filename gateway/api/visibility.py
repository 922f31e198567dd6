"""Whose tasks and plans a caller may see: their own and their subordinates'; directors and
admins see every assignee's tasks. Only the gateway knows who supervises whom."""

from __future__ import annotations

from crmkit.identity import current_identity
from gateway import accounts
from gateway.context import gateway
from gateway.errors import ApiError

SEE_ALL = frozenset({"admin", "director"})


def _team() -> set[str]:
    me = current_identity().user_id
    with gateway().engine.connect() as conn:
        return {me} | accounts.subordinates(conn, me)


def visible_assignees(asked: str | None) -> list[str]:
    """The assignees whose tasks the caller may list; empty means everyone's."""
    identity = current_identity()
    if identity.roles & SEE_ALL or (not identity.roles and identity.scopes):
        return [asked] if asked else []
    team = _team()
    if asked is None:
        return sorted(team)
    if asked not in team:
        raise ApiError(403, "you may see your own tasks and those of people you supervise")
    return [asked]


def planner_owner(asked: str | None) -> str:
    """Whose planner the caller may open: their own, or a subordinate's; nobody else's."""
    me = current_identity().user_id
    if asked is None or asked == me:
        return me
    if asked not in _team():
        raise ApiError(403, "only the user and their supervisors may see this planner")
    return asked
