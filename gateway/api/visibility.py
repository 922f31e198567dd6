"""Whose tasks and plans a caller may see: their own and their subordinates'; directors and
admins see every assignee's tasks. Only the gateway knows who supervises whom. And which e-mails
of a timeline: those of the mailboxes the caller may read, which only the mail service knows."""

from __future__ import annotations

from crm.mail.v1 import mail_pb2
from crmkit.identity import current_identity
from gateway import accounts
from gateway.context import gateway
from gateway.errors import ApiError
from gateway.schemas.contacts import Timeline

SEE_ALL = frozenset({"admin", "director"})
MAIL_KINDS = frozenset({"mail_in", "mail_out"})


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


def readable_timeline(timeline: Timeline) -> Timeline:
    """The timeline without the e-mails (their senders and subjects) of mailboxes the caller may
    not read: the deals service keeps them all."""
    mails = [entry.ref_id for entry in timeline.items if entry.kind in MAIL_KINDS]
    if not mails:
        return timeline
    reply = gateway().clients.mail.ReadableMessages(mail_pb2.MessageIds(ids=mails))
    readable = set(reply.ids)
    kept = [e for e in timeline.items if e.kind not in MAIL_KINDS or e.ref_id in readable]
    return timeline.model_copy(update={"items": kept})
