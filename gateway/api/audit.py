"""The audit: each service keeps the history of its own records; the gateway asks the ones that
keep the kinds asked for and merges their answers, newest first."""

from __future__ import annotations

import json

from flask import Blueprint

from crm.audit.v1 import audit_pb2 as pb
from crm.contacts.v1 import contacts_pb2
from crm.deals.v1 import deals_pb2
from crm.mail.v1 import mail_pb2
from crmkit import audit
from crmkit.audit import actor_of
from crmkit.identity import current_identity
from gateway import store
from gateway.api import spec
from gateway.api.files import visible_file
from gateway.api.tasks import visible_task
from gateway.api.visibility import SEE_ALL
from gateway.context import gateway
from gateway.errors import ApiError
from gateway.schemas import audit as s

bp = Blueprint("audit", __name__)


def _read_record(kind: str, record_id: str) -> None:
    """Through the record's owner, who answers 404 to whoever may not see it."""
    clients = gateway().clients
    asked = contacts_pb2.GetByIdRequest(id=record_id)
    match kind:
        case "counterparty":
            clients.contacts.GetCounterparty(asked)
        case "contact":
            clients.contacts.GetContact(asked)
        case "interaction":
            clients.contacts.GetInteraction(asked)
        case "company_group":
            clients.contacts.GetCompanyGroup(asked)
        case "relationship" | "participant":  # whoever may read counterparties and deals
            if not current_identity().can_read("contacts"):
                raise ApiError(404, f"{kind} {record_id!r} does not exist")
        case "deal":
            clients.deals.GetDeal(deals_pb2.IdRequest(id=record_id))
        case "list_item":
            clients.deals.GetListItem(deals_pb2.IdRequest(id=record_id))
        case "lost_reason":
            clients.deals.GetLostReason(deals_pb2.IdRequest(id=record_id))
        case "campaign":
            clients.deals.GetCampaign(deals_pb2.IdRequest(id=record_id))
        case "pipeline":
            clients.deals.GetPipeline(deals_pb2.IdRequest(id=record_id))
        case (
            "document" | "campaign_response" | "company_settings"
        ):  # whoever may read the sales process (the content is not fetched)
            if not current_identity().can_read("deals"):
                raise ApiError(404, f"{kind} {record_id!r} does not exist")
        case "file":
            visible_file(record_id)
        case "mailbox":  # only who may read it
            clients.mail.GetMailbox(mail_pb2.IdRequest(id=record_id))
        case "mail_template":
            clients.mail.GetTemplate(mail_pb2.IdRequest(id=record_id))
        case "address_group":
            clients.mail.GetAddressGroup(mail_pb2.IdRequest(id=record_id))
        case "mail_rule":
            clients.mail.GetRule(mail_pb2.IdRequest(id=record_id))
        case "user" | "group" | "api_key":  # a user reads her own history; admins all
            if kind != "user" or record_id != current_identity().user_id:
                raise ApiError(404, f"{kind} {record_id!r} does not exist")
        case _:
            visible_task(record_id)


def _request(query: s.AuditQuery, limit: int, offset: int = 0) -> pb.EntriesRequest:
    request = pb.EntriesRequest(
        entity=query.entity,
        entity_id=query.entity_id,
        actor_id=query.actor_id,
        to=query.until.isoformat() if query.until else None,
        limit=limit,
        offset=offset,
    )
    if query.since is not None:
        setattr(request, "from", query.since.isoformat())  # a Python keyword
    return request


def _visible(query: s.AuditQuery) -> s.AuditQuery:
    """Directors and admins see the whole history; others the history of a record they may see,
    or else what they did themselves."""
    identity = current_identity()
    if identity.roles & SEE_ALL:
        return query
    if query.entity is not None and query.entity_id is not None:
        _read_record(query.entity, query.entity_id)
        return query
    return query.model_copy(update={"actor_id": actor_of(identity)[0] or ""})


def _entry(entry: pb.Entry) -> s.AuditEntry:
    return s.AuditEntry.model_validate(
        {
            "at": entry.at,
            "actor_id": entry.actor_id if entry.HasField("actor_id") else None,
            "actor_kind": entry.actor_kind,
            "entity": entry.entity,
            "entity_id": entry.entity_id,
            "action": entry.action,
            "changes": json.loads(entry.changes),
            "request_id": entry.request_id if entry.HasField("request_id") else None,
        }
    )


def _entries_of(keeper: str, asked: pb.EntriesRequest) -> pb.Entries:
    """A service's entries over gRPC; the gateway's own from its database."""
    if keeper != "gateway":
        return gateway().clients.audit_logs[keeper].ListEntries(asked)
    with gateway().engine.connect() as conn:
        return audit.entries(conn, store.audit, asked)


@spec.route(
    bp,
    "/audit",
    "GET",
    summary="Who changed which record, when, what (old and new per field) and from which request",
    query=s.AuditQuery,
    response=s.AuditPage,
)
def list_audit(query: s.AuditQuery) -> s.AuditPage:
    query = _visible(query)
    start, newest = (query.page - 1) * query.page_size, query.page * query.page_size
    if query.entity is not None:  # one keeper: its own pages, as deep as they go
        answers = [_entries_of(s.KEPT_BY[query.entity], _request(query, query.page_size, start))]
        entries = list(answers[0].items)
    else:  # the newest of every keeper, merged (the first MAX_ENTRIES of each)
        keepers = sorted(set(s.KEPT_BY.values()))
        answers = [_entries_of(name, _request(query, newest)) for name in keepers]
        merged = sorted(
            (entry for answer in answers for entry in answer.items),
            key=lambda entry: (entry.at, entry.id),
            reverse=True,
        )
        entries = merged[start:newest]
    return s.AuditPage(
        items=[_entry(entry) for entry in entries],
        total=sum(answer.total for answer in answers),
        page=query.page,
        page_size=query.page_size,
    )
