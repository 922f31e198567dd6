"""Translation between mail's domain and the protobuf contracts: the events it publishes and
the events it hears."""

from __future__ import annotations

from dataclasses import fields as fields_of
from datetime import datetime

from google.protobuf.field_mask_pb2 import FieldMask
from google.protobuf.json_format import MessageToDict
from google.protobuf.message import Message

from crm.contacts.v1 import contacts_pb2 as contacts_pb
from crm.events.v1 import mail_pb2 as wire_events
from crm.events.v1.envelope_pb2 import Envelope
from crm.mail.v1 import mail_pb2 as pb
from crmkit.domain import Event
from crmkit.paging import Page
from crmkit.protobuf import parse_date, sent_paths
from crmkit.unit_of_work import OutboundEvent
from services.mail.domain import commands, events, model
from services.mail.domain.model import SERVER_FIELDS


def to_outbound(event: Event) -> OutboundEvent:
    """Both kinds of logged mail leave as MailLogged: mail.received (in) and mail.sent (out)."""
    if isinstance(event, events.MessageAssigned):
        return _assigned(event)
    changed = _record_changed(event)
    if changed is not None:
        return changed
    if not isinstance(event, events.MailLogged):
        raise TypeError(f"mail does not publish {type(event).__name__}")
    received = isinstance(event, events.MailReceived)
    logged = wire_events.MailLogged(
        message_id=event.message_id,
        mailbox_id=event.mailbox_id,
        direction="in" if received else "out",
        subject=event.subject,
        from_address=event.from_address,
        counterparty_ids=list(event.counterparty_ids),
        contact_ids=list(event.contact_ids),
        at=event.at.isoformat(),
    )
    if event.deal_id:
        logged.deal_id = event.deal_id
    kind = "mail.received" if received else "mail.sent"
    return OutboundEvent(kind, event.message_id, logged)


def _record_changed(event: Event) -> OutboundEvent | None:
    """A mailbox, template, address group or rule as it is now: made (`.created`), or changed,
    archived or restored (`.updated`)."""
    match event:
        case events.MailboxChanged(mailbox, _changes, action):
            payload: Message = wire_events.MailboxChanged(mailbox=mailbox_to_proto(mailbox, 0))
            kind, record_id = "mail.mailbox", mailbox.id
        case events.TemplateChanged(template, _changes, action):
            payload = wire_events.MailTemplateChanged(template=template_to_proto(template))
            kind, record_id = "mail.template", template.id
        case events.AddressGroupChanged(group, _changes, action):
            payload = wire_events.AddressGroupChanged(group=group_to_proto(group))
            kind, record_id = "mail.address_group", group.id
        case events.RuleChanged(rule, _changes, action):
            payload = wire_events.MailRuleChanged(rule=rule_to_proto(rule))
            kind, record_id = "mail.rule", rule.id
        case _:
            return None
    suffix = "created" if action == "created" else "updated"
    return OutboundEvent(f"{kind}.{suffix}", record_id, payload)


def _assigned(event: events.MessageAssigned) -> OutboundEvent:
    assigned = wire_events.MessageAssigned(
        message_id=event.message_id,
        mailbox_id=event.mailbox_id,
        subject=event.subject,
        assignee_id=event.assignee_id,
    )
    if event.due_date is not None:
        assigned.due_date = event.due_date.isoformat()
    if event.assigned_by:
        assigned.assigned_by = event.assigned_by
    return OutboundEvent("mail.message.assigned", event.message_id, assigned)


# -- events heard -----------------------------------------------------------------------------
def _given(message: Message, name: str) -> str | None:
    return str(getattr(message, name)) if message.HasField(name) else None


def record_counterparty(counterparty: contacts_pb.Counterparty) -> commands.RecordCounterparty:
    return commands.RecordCounterparty(
        counterparty_id=counterparty.id,
        name=counterparty.name,
        legal_entity=counterparty.legal_kind == "legal_entity",
        email=_given(counterparty, "email"),
        region=_given(counterparty, "region"),
        industry=_given(counterparty, "industry"),
        roles=tuple(counterparty.roles),
        abc=_given(counterparty, "abc"),
    )


def record_contact(contact: contacts_pb.ContactPerson) -> commands.RecordContact:
    return commands.RecordContact(
        contact_id=contact.id,
        counterparty_id=contact.counterparty_id,
        full_name=contact.full_name,
        email=_given(contact, "email"),
        position=_given(contact, "position"),
        birthday=_given(contact, "birthday"),
    )


def schedule_rule_mails(message: Message, envelope: Envelope) -> commands.ScheduleRuleMails:
    """What rules about the event may say of it: its payload as plain values."""
    return commands.ScheduleRuleMails(
        event_type=envelope.type,
        event_id=envelope.event_id,
        aggregate_id=envelope.aggregate_id,
        occurred_at=datetime.fromisoformat(envelope.occurred_at) if envelope.occurred_at else None,
        about=MessageToDict(message, preserving_proto_field_name=True),
    )


def forget_counterparty(counterparty_id: str) -> commands.ForgetCounterparty:
    return commands.ForgetCounterparty(counterparty_id)


# -- the gRPC contract: requests in ---------------------------------------------------------
def _optional(message: Message, name: str) -> str | None:
    return str(getattr(message, name)) if message.HasField(name) else None


def server_from_proto(server: pb.Server) -> commands.ServerSettings:
    return commands.ServerSettings(
        host=server.host,
        port=server.port,
        security=server.security,
        username=server.username,
        password=server.password,
    )


def create_mailbox_from_proto(request: pb.Mailbox) -> commands.CreateMailbox:
    return commands.CreateMailbox(
        name=request.name,
        kind=request.kind,
        address=request.address,
        owner_id=_optional(request, "owner_id"),
        imap=server_from_proto(request.imap),
        smtp=server_from_proto(request.smtp),
    )


def put_permissions_from_proto(request: pb.Permissions) -> commands.PutPermissions:
    wanted = tuple(
        model.Permission(item.group_id, item.read, item.send, item.manage) for item in request.items
    )
    return commands.PutPermissions(request.mailbox_id, wanted)


def send_from_proto(request: pb.SendRequest) -> commands.SendMessage:
    return commands.SendMessage(
        mailbox_id=request.mailbox_id,
        to=tuple(request.to),
        cc=tuple(request.cc),
        subject=request.subject,
        text=request.text,
        html=_optional(request, "html"),
        in_reply_to=_optional(request, "in_reply_to"),
        deal_id=_optional(request, "deal_id"),
    )


def assign_from_proto(request: pb.AssignRequest) -> commands.AssignMessage:
    return commands.AssignMessage(
        message_id=request.message_id,
        assignee_id=request.assignee_id,
        due_date=parse_date(request.due_date, "due_date"),
        note=_optional(request, "note"),
    )


def template_from_proto(request: pb.Template) -> commands.CreateTemplate:
    return commands.CreateTemplate(request.name, request.subject, request.body)


def criteria_from_proto(criteria: pb.Criteria) -> dict[str, str]:
    given = {
        "region": _optional(criteria, "region"),
        "industry": _optional(criteria, "industry"),
        "position": _optional(criteria, "position"),
        "role": _optional(criteria, "role"),
        "abc": _optional(criteria, "abc"),
    }
    return {name: value for name, value in given.items() if value is not None}


def address_group_from_proto(request: pb.AddressGroup) -> commands.CreateAddressGroup:
    criteria = criteria_from_proto(request.criteria) if request.HasField("criteria") else None
    members = tuple(request.members) if request.by_hand else None
    return commands.CreateAddressGroup(request.name, members, criteria)


def start_mailing_from_proto(request: pb.Mailing) -> commands.StartMailing:
    return commands.StartMailing(
        address_group_id=request.address_group_id,
        template_id=request.template_id,
        mailbox_id=request.mailbox_id,
        per_minute=request.per_minute,
    )


def rule_from_proto(request: pb.Rule) -> commands.CreateRule:
    return commands.CreateRule(
        event=request.event,
        template_id=request.template_id,
        mailbox_id=request.mailbox_id,
        offset_days=request.offset_days,
        enabled=request.enabled,
    )


def settle_from_proto(request: pb.SettleRequest) -> commands.SettleProposal:
    return commands.SettleProposal(
        proposal_id=request.id,
        status=request.status,
        counterparty_id=_optional(request, "counterparty_id"),
        contact_id=_optional(request, "contact_id"),
    )


# -- the gRPC contract: replies out ---------------------------------------------------------
def server_to_proto(server: model.Server) -> pb.Server:
    return pb.Server(
        host=server.host, port=server.port, security=server.security, username=server.username
    )


def mailbox_to_proto(mailbox: model.Mailbox, messages: int) -> pb.Mailbox:
    reply = pb.Mailbox(
        id=mailbox.id,
        name=mailbox.name,
        kind=mailbox.kind,
        address=mailbox.address,
        imap=server_to_proto(mailbox.imap),
        smtp=server_to_proto(mailbox.smtp),
        created_at=mailbox.created_at.isoformat(),
        messages=messages,
        version=mailbox.version,
        archived_at=_iso(mailbox.archived_at),
    )
    if mailbox.owner_id:
        reply.owner_id = mailbox.owner_id
    if mailbox.last_sync_at:
        reply.last_sync_at = mailbox.last_sync_at.isoformat()
    if mailbox.last_error:
        reply.last_error = mailbox.last_error
    return reply


def permissions_to_proto(mailbox_id: str, found: list[model.Permission]) -> pb.Permissions:
    items = [
        pb.Permission(group_id=x.group_id, read=x.read, send=x.send, manage=x.manage) for x in found
    ]
    return pb.Permissions(mailbox_id=mailbox_id, items=items)


def attachment_to_proto(attachment: model.StoredAttachment) -> pb.Attachment:
    return pb.Attachment(
        filename=attachment.filename,
        content_type=attachment.content_type,
        size=attachment.size,
        sha256=attachment.sha256,
    )


def message_to_proto(message: model.Message) -> pb.Message:
    reply = pb.Message(
        id=message.id,
        mailbox_id=message.mailbox_id,
        direction=message.direction,
        folder=message.folder,
        message_id=message.message_id,
        thread_id=message.thread_id,
        from_address=message.from_address,
        from_name=message.from_name,
        to=message.to,
        cc=message.cc,
        subject=message.subject,
        text=message.text,
        counterparty_ids=message.counterparty_ids,
        contact_ids=message.contact_ids,
        created_at=message.created_at.isoformat(),
        attachments=[attachment_to_proto(item) for item in message.attachments],
    )
    if message.in_reply_to:
        reply.in_reply_to = message.in_reply_to
    if message.html:
        reply.html = message.html
    if message.deal_id:
        reply.deal_id = message.deal_id
    if message.assignee_id:
        reply.assignee_id = message.assignee_id
    if message.assignment_note:
        reply.assignment_note = message.assignment_note
    if message.assignment:
        reply.assignment = message.assignment
    if message.sent_at:
        reply.sent_at = message.sent_at.isoformat()
    if message.due_date:
        reply.due_date = message.due_date.isoformat()
    return reply


def message_page(found: tuple[list[model.Message], int]) -> pb.MessagePage:
    messages, total = found
    return pb.MessagePage(items=[message_to_proto(each) for each in messages], total=total)


def template_to_proto(template: model.Template) -> pb.Template:
    return pb.Template(
        id=template.id,
        name=template.name,
        subject=template.subject,
        body=template.body,
        created_at=template.created_at.isoformat(),
        version=template.version,
        archived_at=_iso(template.archived_at),
    )


def group_to_proto(group: model.AddressGroup) -> pb.AddressGroup:
    reply = pb.AddressGroup(
        id=group.id,
        name=group.name,
        members=group.members or [],
        by_hand=group.members is not None,
        created_at=group.created_at.isoformat(),
        version=group.version,
        archived_at=_iso(group.archived_at),
    )
    if group.criteria is not None:
        criteria = group.criteria
        reply.criteria.CopyFrom(
            pb.Criteria(
                region=criteria.get("region"),
                industry=criteria.get("industry"),
                position=criteria.get("position"),
                role=criteria.get("role"),
                abc=criteria.get("abc"),
            )
        )
    return reply


def member_to_proto(person: model.Person) -> pb.Member:
    return pb.Member(
        email=person.email or "",
        contact_id=person.contact_id or "",
        counterparty_id=person.counterparty_id,
        name=person.name,
        company=person.company,
    )


def member_page(people: list[model.Person]) -> pb.MemberPage:
    items = [member_to_proto(person) for person in people]
    return pb.MemberPage(items=items, total=len(items))


def mailing_to_proto(found: model.Progress) -> pb.Mailing:
    mailing = found.mailing
    reply = pb.Mailing(
        id=mailing.id,
        address_group_id=mailing.address_group_id,
        template_id=mailing.template_id,
        mailbox_id=mailing.mailbox_id,
        per_minute=mailing.per_minute,
        status=mailing.status,
        total=found.total,
        sent=found.sent,
        failed=found.failed,
        skipped=found.skipped,
        created_at=mailing.created_at.isoformat(),
    )
    if mailing.finished_at:
        reply.finished_at = mailing.finished_at.isoformat()
    return reply


def rule_to_proto(rule: model.Rule) -> pb.Rule:
    return pb.Rule(
        id=rule.id,
        event=rule.event,
        offset_days=rule.offset_days,
        template_id=rule.template_id,
        mailbox_id=rule.mailbox_id,
        enabled=rule.enabled,
        created_at=rule.created_at.isoformat(),
        version=rule.version,
        archived_at=_iso(rule.archived_at),
    )


def proposal_to_proto(proposal: model.Proposal) -> pb.Proposal:
    reply = pb.Proposal(
        id=proposal.id,
        mailbox_id=proposal.mailbox_id,
        email=proposal.email,
        name=proposal.name,
        source=proposal.source,
        messages=proposal.messages,
        status=proposal.status,
    )
    if proposal.company:
        reply.company = proposal.company
    if proposal.phone:
        reply.phone = proposal.phone
    if proposal.counterparty_id:
        reply.counterparty_id = proposal.counterparty_id
    if proposal.contact_id:
        reply.contact_id = proposal.contact_id
    return reply


def page_of(request: pb.PageRequest) -> Page:
    return Page.of(request.page, request.page_size)


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment is not None else None


# -- changes: the update mask names the fields sent ------------------------------------------
VersionedRequest = (
    pb.UpdateMailboxRequest
    | pb.UpdateTemplateRequest
    | pb.UpdateAddressGroupRequest
    | pb.UpdateRuleRequest
    | pb.ArchiveRequest
)
MAILBOX_EDITABLE = frozenset(
    ["name", "address", "kind", "owner_id"]
    + [f"{which}.{name}" for which in ("imap", "smtp") for name in (*SERVER_FIELDS, "password")]
)
TEMPLATE_EDITABLE = frozenset(item.name for item in fields_of(commands.TemplateChanges))
GROUP_EDITABLE = frozenset(item.name for item in fields_of(commands.AddressGroupChanges))
RULE_EDITABLE = frozenset(item.name for item in fields_of(commands.RuleChanges))


def expected_version(request: VersionedRequest) -> int | None:
    """The version the caller read (If-Match), if he said."""
    return request.expected_version if request.HasField("expected_version") else None


def archive_from_proto(request: pb.ArchiveRequest) -> commands.ArchiveRecord:
    return commands.ArchiveRecord(request.id, expected_version(request))


def restore_from_proto(request: pb.IdRequest) -> commands.ArchiveRecord:
    return commands.ArchiveRecord(request.id, restore=True)


def _sent(mask: FieldMask, editable: frozenset[str]) -> set[str]:
    return sent_paths(mask.paths, editable)


def _server_changes(server: pb.Server, which: str, paths: set[str]) -> commands.ServerChanges:
    values = {
        name: getattr(server, name)
        for name in (*SERVER_FIELDS, "password")
        if f"{which}.{name}" in paths
    }
    return commands.ServerChanges(**values)


def change_mailbox(request: pb.UpdateMailboxRequest) -> commands.ChangeMailbox:
    paths = _sent(request.update_mask, MAILBOX_EDITABLE)
    box = request.mailbox
    plain = {name: getattr(box, name) for name in ("name", "address", "kind") if name in paths}
    if "owner_id" in paths:
        plain["owner_id"] = _optional(box, "owner_id")  # type: ignore[assignment]
    changes = commands.MailboxChanges(
        **plain,  # type: ignore[arg-type]
        imap=_server_changes(box.imap, "imap", paths),
        smtp=_server_changes(box.smtp, "smtp", paths),
    )
    return commands.ChangeMailbox(request.id, changes, expected_version(request))


def change_template(request: pb.UpdateTemplateRequest) -> commands.ChangeTemplate:
    paths = _sent(request.update_mask, TEMPLATE_EDITABLE)
    values = {name: getattr(request.template, name) for name in paths}
    changes = commands.TemplateChanges(**values)
    return commands.ChangeTemplate(request.id, changes, expected_version(request))


def change_address_group(request: pb.UpdateAddressGroupRequest) -> commands.ChangeAddressGroup:
    paths = _sent(request.update_mask, GROUP_EDITABLE)
    group = request.group
    values: dict[str, object] = {}
    if "name" in paths:
        values["name"] = group.name
    if "members" in paths:
        values["members"] = tuple(group.members) if group.by_hand else None
    if "criteria" in paths:
        values["criteria"] = (
            criteria_from_proto(group.criteria) if group.HasField("criteria") else None
        )
    changes = commands.AddressGroupChanges(**values)  # type: ignore[arg-type]
    return commands.ChangeAddressGroup(request.id, changes, expected_version(request))


def change_rule(request: pb.UpdateRuleRequest) -> commands.ChangeRule:
    paths = _sent(request.update_mask, RULE_EDITABLE)
    values = {name: getattr(request.rule, name) for name in paths}
    changes = commands.RuleChanges(**values)
    return commands.ChangeRule(request.id, changes, expected_version(request))


def preview_to_proto(filled: tuple[str, str]) -> pb.Preview:
    subject, body = filled
    return pb.Preview(subject=subject, body=body)
