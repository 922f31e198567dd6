"""Mail: mailboxes and their permissions, the messages imported and sent, correspondence."""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask import Blueprint, Response
from google.protobuf.field_mask_pb2 import FieldMask

from crm.contacts.v1 import contacts_pb2 as contacts_pb
from crm.mail.v1 import mail_pb2 as pb
from crm.mail.v1.mail_pb2_grpc import MailStub
from gateway.api import spec
from gateway.api.convert import from_message, page_of, page_request, patch_of, set_present
from gateway.api.owners import check_owner
from gateway.api.render import download
from gateway.api.visibility import visible_assignees
from gateway.context import gateway
from gateway.openapi import render
from gateway.schemas import mail as s
from gateway.schemas.common import ArchivedQuery, PageQuery
from gateway.versions import expected_version

bp = Blueprint("mail", __name__)
AREA = "mail"


def _mail() -> MailStub:
    return gateway().clients.mail


def _listed(query: ArchivedQuery) -> pb.ListRequest:
    return pb.ListRequest(page=page_request(query, pb.PageRequest), archived=query.archived)


def _archive(record_id: str) -> pb.ArchiveRequest:
    return pb.ArchiveRequest(id=record_id, expected_version=expected_version())


@spec.route(
    bp,
    "/mailboxes",
    "POST",
    summary="Add a mailbox (personal, or shared through group permissions); passwords are write-only",
    body=s.MailboxIn,
    response=s.Mailbox,
    status=201,
    area=AREA,
    write=True,
)
def create_mailbox(body: s.MailboxIn) -> Response:
    message = pb.Mailbox(
        name=body.name,
        kind=body.kind,
        address=str(body.address),
        imap=pb.Server(**body.imap.model_dump()),
        smtp=pb.Server(**body.smtp.model_dump()),
    )
    set_present(message, {"owner_id": body.owner_id})
    return render(from_message(s.Mailbox, _mail().CreateMailbox(message)), 201)


@spec.route(
    bp,
    "/mailboxes",
    "GET",
    summary="The mailboxes you may read (?archived=true: the archived ones)",
    query=ArchivedQuery,
    response=s.MailboxPage,
    area=AREA,
)
def list_mailboxes(query: ArchivedQuery) -> dict[str, Any]:
    return page_of(s.Mailbox, _mail().ListMailboxes(_listed(query)), query)


@spec.route(
    bp, "/mailboxes/<mailbox_id>", "GET", summary="A mailbox and its sync health",
    response=s.Mailbox, area=AREA,
)  # fmt: skip
def get_mailbox(mailbox_id: str) -> s.Mailbox:
    return from_message(s.Mailbox, _mail().GetMailbox(pb.IdRequest(id=mailbox_id)))


def _mailbox_patch(body: s.MailboxPatch) -> tuple[pb.Mailbox, FieldMask]:
    """The fields sent, a server's as `imap.<field>` and `smtp.<field>`."""
    servers = ("imap", "smtp")
    plain = {name: getattr(body, name) for name in body.model_fields_set if name not in servers}
    message = set_present(pb.Mailbox(), plain)
    paths = sorted(plain)
    for which in servers:
        server = getattr(body, which)
        if which in body.model_fields_set and server is not None:
            sent = {name: getattr(server, name) for name in server.model_fields_set}
            set_present(getattr(message, which), sent)
            paths += [f"{which}.{name}" for name in sorted(sent)]
    return message, FieldMask(paths=paths)


@spec.route(
    bp,
    "/mailboxes/<mailbox_id>",
    "PATCH",
    summary="Change a mailbox you manage: its name, address, kind, owner or servers (a password sent is kept sealed, never shown)",
    body=s.MailboxPatch,
    response=s.Mailbox,
    area=AREA,
    write=True,
    versioned=True,
)
def update_mailbox(mailbox_id: str, body: s.MailboxPatch) -> s.Mailbox:
    mailbox, mask = _mailbox_patch(body)
    asked = pb.UpdateMailboxRequest(
        id=mailbox_id, mailbox=mailbox, update_mask=mask, expected_version=expected_version()
    )
    return from_message(s.Mailbox, _mail().UpdateMailbox(asked))


@spec.route(
    bp, "/mailboxes/<mailbox_id>", "DELETE",
    summary="Archive a mailbox: synced and sent from no more, out of the lists; its messages stay",
    area=AREA, write=True, versioned=True,
)  # fmt: skip
def archive_mailbox(mailbox_id: str) -> None:
    _mail().ArchiveMailbox(_archive(mailbox_id))


@spec.route(
    bp, "/mailboxes/<mailbox_id>/restore", "POST", summary="Bring an archived mailbox back",
    response=s.Mailbox, area=AREA, write=True,
)  # fmt: skip
def restore_mailbox(mailbox_id: str) -> s.Mailbox:
    return from_message(s.Mailbox, _mail().RestoreMailbox(pb.IdRequest(id=mailbox_id)))


@spec.route(
    bp,
    "/mailboxes/<mailbox_id>/permissions",
    "PUT",
    summary="Which groups may read, send from or manage a shared mailbox (replaces the list)",
    body=s.PermissionsIn,
    response=s.Permissions,
    area=AREA,
    write=True,
)
def put_permissions(mailbox_id: str, body: s.PermissionsIn) -> s.Permissions:
    message = pb.Permissions(
        mailbox_id=mailbox_id, items=[pb.Permission(**item.model_dump()) for item in body.root]
    )
    return from_message(s.Permissions, _mail().PutPermissions(message))


@spec.route(
    bp, "/mailboxes/<mailbox_id>/permissions", "GET", summary="A mailbox's group permissions",
    response=s.Permissions, area=AREA,
)  # fmt: skip
def get_permissions(mailbox_id: str) -> s.Permissions:
    reply = _mail().GetPermissions(pb.IdRequest(id=mailbox_id))
    return from_message(s.Permissions, reply)


@spec.route(
    bp,
    "/mailboxes/<mailbox_id>/sync",
    "POST",
    summary="Import what is new over IMAP now (a worker does it); 202",
    body=s.Empty,
    body_optional=True,
    response=s.Mailbox,
    status=202,
    area=AREA,
)
def sync_mailbox(mailbox_id: str, body: s.Empty) -> Response:
    reply = _mail().SyncMailbox(pb.IdRequest(id=mailbox_id))
    return render(from_message(s.Mailbox, reply), 202)


@spec.route(
    bp,
    "/mailboxes/<mailbox_id>/messages",
    "GET",
    summary="A mailbox's messages, newest first",
    query=s.MessagesQuery,
    response=s.MessagePage,
    area=AREA,
)
def list_messages(mailbox_id: str, query: s.MessagesQuery) -> dict[str, Any]:
    request = pb.ListMessagesRequest(
        mailbox_id=mailbox_id, page=page_request(query, pb.PageRequest)
    )
    return page_of(s.Message, _mail().ListMessages(request), query)


@spec.route(
    bp, "/messages/<message_id>", "GET", summary="A message (of a mailbox you may read)",
    response=s.Message, area=AREA,
)  # fmt: skip
def get_message(message_id: str) -> s.Message:
    return from_message(s.Message, _mail().GetMessage(pb.IdRequest(id=message_id)))


@spec.route(
    bp,
    "/messages",
    "POST",
    summary="Send a message over SMTP from a mailbox you may send from; it joins the correspondence",
    body=s.MessageIn,
    response=s.Message,
    status=201,
    area=AREA,
    write=True,
)
def send_message(body: s.MessageIn) -> Response:
    request = pb.SendRequest(
        mailbox_id=body.mailbox_id,
        to=[str(x) for x in body.to],
        cc=[str(x) for x in body.cc],
        subject=body.subject,
        text=body.body_text,
    )
    set_present(
        request,
        {"html": body.body_html, "in_reply_to": body.in_reply_to, "deal_id": body.deal_id},
    )
    return render(from_message(s.Message, _mail().SendMessage(request)), 201)


@spec.route(
    bp,
    "/counterparties/<counterparty_id>/correspondence",
    "GET",
    summary="A counterparty's correspondence log: messages from and to it in the mailboxes you may read",
    query=PageQuery,
    response=s.MessagePage,
    area=AREA,
)
def correspondence(counterparty_id: str, query: PageQuery) -> dict[str, Any]:
    request = pb.CorrespondenceRequest(
        counterparty_id=counterparty_id, page=page_request(query, pb.PageRequest)
    )
    return page_of(s.Message, _mail().Correspondence(request), query)


@spec.route(
    bp, "/mail/templates", "POST", summary="A message template with placeholders",
    body=s.TemplateIn, response=s.Template, status=201, area=AREA, write=True,
)  # fmt: skip
def create_template(body: s.TemplateIn) -> Response:
    reply = _mail().CreateTemplate(pb.Template(**body.model_dump()))
    return render(from_message(s.Template, reply), 201)


@spec.route(
    bp, "/mail/templates", "GET", summary="Message templates (?archived=true: the archived ones)",
    query=ArchivedQuery, response=s.TemplatePage, area=AREA,
)  # fmt: skip
def list_templates(query: ArchivedQuery) -> dict[str, Any]:
    return page_of(s.Template, _mail().ListTemplates(_listed(query)), query)


@spec.route(
    bp, "/mail/templates/<template_id>", "GET", summary="A message template",
    response=s.Template, area=AREA,
)  # fmt: skip
def get_template(template_id: str) -> s.Template:
    return from_message(s.Template, _mail().GetTemplate(pb.IdRequest(id=template_id)))


@spec.route(
    bp, "/mail/templates/<template_id>", "PATCH",
    summary="Change a template's name, subject or body (tried as when it was saved first)",
    body=s.TemplatePatch, response=s.Template, area=AREA, write=True, versioned=True,
)  # fmt: skip
def update_template(template_id: str, body: s.TemplatePatch) -> s.Template:
    template, mask = patch_of(body, pb.Template())
    asked = pb.UpdateTemplateRequest(
        id=template_id, template=template, update_mask=mask, expected_version=expected_version()
    )
    return from_message(s.Template, _mail().UpdateTemplate(asked))


@spec.route(
    bp, "/mail/templates/<template_id>", "DELETE",
    summary="Archive a template: no new mailing or rule takes it; the rules that name it keep sending it",
    area=AREA, write=True, versioned=True,
)  # fmt: skip
def archive_template(template_id: str) -> None:
    _mail().ArchiveTemplate(_archive(template_id))


@spec.route(
    bp, "/mail/templates/<template_id>/restore", "POST", summary="Bring an archived template back",
    response=s.Template, area=AREA, write=True,
)  # fmt: skip
def restore_template(template_id: str) -> s.Template:
    return from_message(s.Template, _mail().RestoreTemplate(pb.IdRequest(id=template_id)))


@spec.route(
    bp, "/mail/templates/<template_id>/preview", "POST",
    summary="The template filled in for a counterparty, as a mail to it would say it",
    body=s.TemplatePreviewIn, response=s.TemplatePreview, area=AREA,
)  # fmt: skip
def preview_template(template_id: str, body: s.TemplatePreviewIn) -> s.TemplatePreview:
    asked = pb.PreviewRequest(template_id=template_id, counterparty_id=body.counterparty_id)
    return from_message(s.TemplatePreview, _mail().PreviewTemplate(asked))


@spec.route(
    bp, "/mail/address-groups", "POST",
    summary="An address group: contact persons chosen by hand, or criteria (region, industry, position, role, ABC)",
    body=s.AddressGroupIn, response=s.AddressGroup, status=201, area=AREA, write=True,
)  # fmt: skip
def create_address_group(body: s.AddressGroupIn) -> Response:
    message = pb.AddressGroup(name=body.name, by_hand=body.members is not None)
    message.members.extend(body.members or [])
    if body.criteria is not None:
        message.criteria.CopyFrom(pb.Criteria(**body.criteria.model_dump(exclude_none=True)))
    return render(from_message(s.AddressGroup, _mail().CreateAddressGroup(message)), 201)


@spec.route(
    bp, "/mail/address-groups", "GET", summary="Address groups (?archived=true: the archived ones)",
    query=ArchivedQuery, response=s.AddressGroupPage, area=AREA,
)  # fmt: skip
def list_address_groups(query: ArchivedQuery) -> dict[str, Any]:
    return page_of(s.AddressGroup, _mail().ListAddressGroups(_listed(query)), query)


@spec.route(
    bp, "/mail/address-groups/<group_id>", "GET", summary="An address group",
    response=s.AddressGroup, area=AREA,
)  # fmt: skip
def get_address_group(group_id: str) -> s.AddressGroup:
    return from_message(s.AddressGroup, _mail().GetAddressGroup(pb.IdRequest(id=group_id)))


def _group_patch(body: s.AddressGroupPatch) -> tuple[pb.AddressGroup, FieldMask]:
    sent = body.model_fields_set
    message = pb.AddressGroup(name=body.name or "", by_hand=body.members is not None)
    message.members.extend(body.members or [])
    if body.criteria is not None:
        message.criteria.CopyFrom(pb.Criteria(**body.criteria.model_dump(exclude_none=True)))
    return message, FieldMask(paths=sorted(sent))


@spec.route(
    bp, "/mail/address-groups/<group_id>", "PATCH",
    summary="Change an address group: its name, or its members or criteria (each replaces the other)",
    body=s.AddressGroupPatch, response=s.AddressGroup, area=AREA, write=True, versioned=True,
)  # fmt: skip
def update_address_group(group_id: str, body: s.AddressGroupPatch) -> s.AddressGroup:
    group, mask = _group_patch(body)
    asked = pb.UpdateAddressGroupRequest(
        id=group_id, group=group, update_mask=mask, expected_version=expected_version()
    )
    return from_message(s.AddressGroup, _mail().UpdateAddressGroup(asked))


@spec.route(
    bp, "/mail/address-groups/<group_id>", "DELETE",
    summary="Archive an address group: no new mailing is sent to it",
    area=AREA, write=True, versioned=True,
)  # fmt: skip
def archive_address_group(group_id: str) -> None:
    _mail().ArchiveAddressGroup(_archive(group_id))


@spec.route(
    bp, "/mail/address-groups/<group_id>/restore", "POST",
    summary="Bring an archived address group back", response=s.AddressGroup, area=AREA, write=True,
)  # fmt: skip
def restore_address_group(group_id: str) -> s.AddressGroup:
    return from_message(s.AddressGroup, _mail().RestoreAddressGroup(pb.IdRequest(id=group_id)))


@spec.route(
    bp, "/mail/address-groups/preview", "POST",
    summary="Whom these criteria select now, as a group of them would (nothing is saved)",
    body=s.MembersPreviewIn, response=s.Members, area=AREA,
)  # fmt: skip
def preview_members(body: s.MembersPreviewIn) -> s.Members:
    criteria = pb.Criteria(**body.criteria.model_dump(exclude_none=True))
    return from_message(s.Members, _mail().PreviewMembers(criteria))


@spec.route(
    bp, "/mail/address-groups/<group_id>/members", "GET",
    summary="Who an address group holds now (criteria evaluated at this moment)",
    response=s.Members, area=AREA,
)  # fmt: skip
def group_members(group_id: str) -> s.Members:
    return from_message(s.Members, _mail().ListGroupMembers(pb.IdRequest(id=group_id)))


@spec.route(
    bp, "/mail/mailings", "POST",
    summary="Send a template to an address group from a mailbox you may send from; 202, a worker sends",
    body=s.MailingIn, response=s.Mailing, status=202, area=AREA, write=True,
)  # fmt: skip
def start_mailing(body: s.MailingIn) -> Response:
    reply = _mail().StartMailing(pb.Mailing(**body.model_dump()))
    return render(from_message(s.Mailing, reply), 202)


@spec.route(
    bp, "/mail/mailings", "GET",
    summary="Mass mailings, newest first, each with how many were sent, failed or skipped",
    query=PageQuery, response=s.MailingPage, area=AREA,
)  # fmt: skip
def list_mailings(query: PageQuery) -> dict[str, Any]:
    reply = _mail().ListMailings(page_request(query, pb.PageRequest))
    return page_of(s.Mailing, reply, query)


@spec.route(
    bp, "/mail/mailings/<mailing_id>", "GET",
    summary="A mass mailing: status and how many were sent, failed or skipped (suppressed)",
    response=s.Mailing, area=AREA,
)  # fmt: skip
def get_mailing(mailing_id: str) -> s.Mailing:
    return from_message(s.Mailing, _mail().GetMailing(pb.IdRequest(id=mailing_id)))


@spec.route(
    bp, "/unsubscribe/<token>", "GET",
    summary="The unsubscribe link of a mailing (no login): the address joins the suppression list",
    response=s.Unsubscribed, auth=False,
)  # fmt: skip
def unsubscribe(token: str) -> s.Unsubscribed:
    reply = _mail().Unsubscribe(pb.UnsubscribeRequest(token=token))
    return s.Unsubscribed(email=reply.email)


@spec.route(
    bp, "/messages/<message_id>/assign", "POST",
    summary="Hand a message to someone to answer by a date",
    body=s.AssignIn, response=s.Message, area=AREA, write=True,
)  # fmt: skip
def assign_message(message_id: str, body: s.AssignIn) -> s.Message:
    check_owner(body.assignee_id, "assignee_id")
    request = pb.AssignRequest(
        message_id=message_id, assignee_id=body.assignee_id, due_date=body.due_date.isoformat()
    )
    set_present(request, {"note": body.note})
    return from_message(s.Message, _mail().AssignMessage(request))


@spec.route(
    bp, "/messages/<message_id>/done", "POST",
    summary="Mark an assigned message done (the assignee, or a manager of the mailbox)",
    body=s.Empty, body_optional=True, response=s.Message, area=AREA,
)  # fmt: skip
def finish_assignment(message_id: str, body: s.Empty) -> s.Message:
    return from_message(s.Message, _mail().FinishAssignment(pb.IdRequest(id=message_id)))


@spec.route(
    bp, "/mail/assignments", "GET",
    summary="Open assignments (?overdue=true: past due) of you and the people you supervise",
    query=s.AssignmentsQuery, response=s.MessagePage, area=AREA,
)  # fmt: skip
def list_assignments(query: s.AssignmentsQuery) -> dict[str, Any]:
    request = pb.AssignmentsRequest(
        assignee_ids=visible_assignees(query.assignee_id),
        overdue_only=query.overdue,
        today=dt.date.today().isoformat(),
        page=page_request(query, pb.PageRequest),
    )
    return page_of(s.Message, _mail().ListAssignments(request), query)


@spec.route(
    bp, "/mail/rules", "POST",
    summary="Send a template from a mailbox N days after an event (an overdue invoice, a birthday...), once per occurrence",
    body=s.RuleIn, response=s.Rule, status=201, area=AREA, write=True,
)  # fmt: skip
def create_rule(body: s.RuleIn) -> Response:
    reply = _mail().CreateRule(pb.Rule(**body.model_dump()))
    return render(from_message(s.Rule, reply), 201)


@spec.route(
    bp, "/mail/rules", "GET", summary="Automatic sending rules (?archived=true: the archived ones)",
    query=ArchivedQuery, response=s.RulePage, area=AREA,
)  # fmt: skip
def list_rules(query: ArchivedQuery) -> dict[str, Any]:
    return page_of(s.Rule, _mail().ListRules(_listed(query)), query)


@spec.route(
    bp, "/mail/rules/<rule_id>", "GET", summary="An automatic sending rule",
    response=s.Rule, area=AREA,
)  # fmt: skip
def get_rule(rule_id: str) -> s.Rule:
    return from_message(s.Rule, _mail().GetRule(pb.IdRequest(id=rule_id)))


@spec.route(
    bp, "/mail/rules/<rule_id>", "PATCH",
    summary="Change a rule, or switch it off (it sends nothing, not even what it had scheduled) and on",
    body=s.RulePatch, response=s.Rule, area=AREA, write=True, versioned=True,
)  # fmt: skip
def update_rule(rule_id: str, body: s.RulePatch) -> s.Rule:
    rule, mask = patch_of(body, pb.Rule())
    asked = pb.UpdateRuleRequest(
        id=rule_id, rule=rule, update_mask=mask, expected_version=expected_version()
    )
    return from_message(s.Rule, _mail().UpdateRule(asked))


@spec.route(
    bp, "/mail/rules/<rule_id>", "DELETE", summary="Archive a rule: it sends nothing more",
    area=AREA, write=True, versioned=True,
)  # fmt: skip
def archive_rule(rule_id: str) -> None:
    _mail().ArchiveRule(_archive(rule_id))


@spec.route(
    bp, "/mail/rules/<rule_id>/restore", "POST", summary="Bring an archived rule back",
    response=s.Rule, area=AREA, write=True,
)  # fmt: skip
def restore_rule(rule_id: str) -> s.Rule:
    return from_message(s.Rule, _mail().RestoreRule(pb.IdRequest(id=rule_id)))


@spec.route(
    bp, "/mailboxes/<mailbox_id>/import-contacts", "POST",
    summary="Contact information found in the mailbox (senders, recipients, vCards) not yet in contacts: proposals",
    body=s.Empty, body_optional=True, response=s.ProposalPage, area=AREA,
)  # fmt: skip
def import_contacts(mailbox_id: str, body: s.Empty) -> dict[str, Any]:
    query = PageQuery(page=1, page_size=500)
    request = pb.ListMessagesRequest(
        mailbox_id=mailbox_id, page=page_request(query, pb.PageRequest)
    )
    return page_of(s.Proposal, _mail().ListProposals(request), query)


@spec.route(
    bp, "/mail/proposals/<proposal_id>/accept", "POST",
    summary="Accept a proposal into contacts (a contact person, and a counterparty unless one is named)",
    body=s.AcceptIn, body_optional=True, response=s.Proposal, area=AREA, write=True,
)  # fmt: skip
def accept_proposal(proposal_id: str, body: s.AcceptIn) -> s.Proposal:
    found = _mail().GetProposal(pb.IdRequest(id=proposal_id))
    contacts = gateway().clients.contacts
    counterparty_id = body.counterparty_id
    if counterparty_id is None:
        company = found.company if found.HasField("company") else None
        fields = {"name": company or found.name, "roles": [body.role], "email": found.email}
        fields["legal_kind"] = "legal_entity" if company else "individual"
        if company:
            fields.pop("email")
        made = contacts.CreateCounterparty(
            contacts_pb.CreateCounterpartyRequest(
                counterparty=set_present(contacts_pb.Counterparty(), fields), force=True
            ),
        )
        counterparty_id = made.id
    person = {"full_name": found.name, "email": found.email}
    if found.HasField("phone"):
        person["phone"] = found.phone
    contact = contacts.CreateContact(
        set_present(contacts_pb.ContactPerson(counterparty_id=counterparty_id), person),
    )
    settled = pb.SettleRequest(
        id=proposal_id, status="accepted", counterparty_id=counterparty_id, contact_id=contact.id
    )
    return from_message(s.Proposal, _mail().SettleProposal(settled))


@spec.route(
    bp, "/mail/proposals/<proposal_id>/dismiss", "POST", summary="Dismiss a proposal",
    body=s.Empty, body_optional=True, response=s.Proposal, area=AREA, write=True,
)  # fmt: skip
def dismiss_proposal(proposal_id: str, body: s.Empty) -> s.Proposal:
    reply = _mail().SettleProposal(pb.SettleRequest(id=proposal_id, status="dismissed"))
    return from_message(s.Proposal, reply)


@spec.route(
    bp, "/messages/<message_id>/attachments/<int:index>", "GET",
    summary="Download an attachment of a message (of a mailbox you may read)",
    area=AREA, produces="application/octet-stream",
)  # fmt: skip
def attachment(message_id: str, index: int) -> Response:
    reply = _mail().GetAttachment(
        pb.AttachmentRequest(message_id=message_id, index=index), timeout=30
    )
    return download(reply.content, reply.content_type, reply.filename, reply.sha256)
