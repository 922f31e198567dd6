"""The mail gRPC service's templates, address groups and mass mailings."""

from __future__ import annotations

from typing import Any

from crm.mail.v1 import mail_pb2 as pb
from crmkit.identity import current_identity
from crmkit.paging import Page
from services.mail.adapters import orm
from services.mail.bootstrap import Mail
from services.mail.service_layer import mailings, proposals, rules


def page_of(request: pb.PageRequest) -> Page:
    return Page.of(request.page, request.page_size)


def _template(row: Any) -> pb.Template:
    return pb.Template(
        id=row.id,
        name=row.name,
        subject=row.subject,
        body=row.body,
        created_at=row.created_at.isoformat(),
    )


def _group(row: Any) -> pb.AddressGroup:
    message = pb.AddressGroup(
        id=row.id,
        name=row.name,
        members=row.members or [],
        by_hand=row.members is not None,
        created_at=row.created_at.isoformat(),
    )
    if row.criteria is not None:
        message.criteria.CopyFrom(pb.Criteria(**row.criteria))
    return message


def _mailing(found: mailings.Progress) -> pb.Mailing:
    row = found.mailing
    message = pb.Mailing(
        id=row.id,
        address_group_id=row.address_group_id,
        template_id=row.template_id,
        mailbox_id=row.mailbox_id,
        per_minute=row.per_minute,
        status=row.status,
        total=found.total,
        sent=found.sent,
        failed=found.failed,
        skipped=found.skipped,
        created_at=row.created_at.isoformat(),
    )
    if row.finished_at:
        message.finished_at = row.finished_at.isoformat()
    return message


def _rule(row: Any) -> pb.Rule:
    return pb.Rule(
        id=row.id,
        event=row.event,
        offset_days=row.offset_days,
        template_id=row.template_id,
        mailbox_id=row.mailbox_id,
        enabled=row.enabled,
        created_at=row.created_at.isoformat(),
    )


def _proposal(row: Any) -> pb.Proposal:
    message = pb.Proposal(
        id=row.id,
        mailbox_id=row.mailbox_id,
        email=row.email,
        name=row.name,
        source=row.source,
        messages=row.messages,
        status=row.status,
    )
    for name in ("company", "phone", "counterparty_id", "contact_id"):
        if getattr(row, name):
            setattr(message, name, getattr(row, name))
    return message


class MailingsServicer:
    """Templates, address groups and mass mailings (mixed into the Mail servicer)."""

    app: Mail

    def CreateTemplate(self, request: pb.Template, context: Any) -> pb.Template:
        row = mailings.create_template(
            self.app.sessions, request.name, request.subject, request.body, current_identity()
        )
        return _template(row)

    def ListTemplates(self, request: pb.PageRequest, context: Any) -> pb.TemplatePage:
        rows, total = mailings.list_rows(self.app.sessions, orm.templates, page_of(request))
        return pb.TemplatePage(items=[_template(row) for row in rows], total=total)

    def CreateAddressGroup(self, request: pb.AddressGroup, context: Any) -> pb.AddressGroup:
        criteria = None
        if request.HasField("criteria"):
            chosen = request.criteria
            criteria = {f.name: v for f, v in chosen.ListFields()}
        members = list(request.members) if request.by_hand else None
        row = mailings.create_address_group(
            self.app.sessions, request.name, members, criteria, current_identity()
        )
        return _group(row)

    def ListAddressGroups(self, request: pb.PageRequest, context: Any) -> pb.AddressGroupPage:
        rows, total = mailings.list_rows(self.app.sessions, orm.address_groups, page_of(request))
        return pb.AddressGroupPage(items=[_group(row) for row in rows], total=total)

    def ListGroupMembers(self, request: pb.IdRequest, context: Any) -> pb.MemberPage:
        with self.app.sessions() as session:
            found = mailings.members(session, mailings.group_of(session, request.id))
        items = [
            pb.Member(
                email=row.email,
                contact_id=row.contact_id or "",
                counterparty_id=row.counterparty_id,
                name=row.name,
                company=row.company,
            )
            for row in found
        ]
        return pb.MemberPage(items=items, total=len(items))

    def StartMailing(self, request: pb.Mailing, context: Any) -> pb.Mailing:
        fields = {
            "address_group_id": request.address_group_id,
            "template_id": request.template_id,
            "mailbox_id": request.mailbox_id,
            "per_minute": request.per_minute,
        }
        mailing_id = mailings.start_mailing(self.app.sessions, fields, current_identity())
        self.app.send_mailing(mailing_id)
        return _mailing(mailings.progress(self.app.sessions, mailing_id))

    def GetMailing(self, request: pb.IdRequest, context: Any) -> pb.Mailing:
        return _mailing(mailings.progress(self.app.sessions, request.id))

    def ListMailings(self, request: pb.PageRequest, context: Any) -> pb.MailingPage:
        found, total = mailings.list_mailings(self.app.sessions, page_of(request))
        return pb.MailingPage(items=[_mailing(each) for each in found], total=total)

    def CreateRule(self, request: pb.Rule, context: Any) -> pb.Rule:
        fields = {
            "event": request.event,
            "offset_days": request.offset_days,
            "template_id": request.template_id,
            "mailbox_id": request.mailbox_id,
            "enabled": request.enabled,
        }
        return _rule(rules.create_rule(self.app.sessions, fields, current_identity()))

    def ListRules(self, request: pb.PageRequest, context: Any) -> pb.RulePage:
        rows, total = rules.list_rules(self.app.sessions, page_of(request))
        return pb.RulePage(items=[_rule(row) for row in rows], total=total)

    def ListProposals(self, request: pb.ListMessagesRequest, context: Any) -> pb.ProposalPage:
        rows, total = proposals.list_proposals(
            self.app.sessions, request.mailbox_id, current_identity(), page_of(request.page)
        )
        return pb.ProposalPage(items=[_proposal(row) for row in rows], total=total)

    def GetProposal(self, request: pb.IdRequest, context: Any) -> pb.Proposal:
        return _proposal(proposals.proposal_for(self.app.sessions, request.id, current_identity()))

    def SettleProposal(self, request: pb.SettleRequest, context: Any) -> pb.Proposal:
        row = proposals.settle(
            self.app.sessions,
            request.id,
            request.status,
            request.counterparty_id if request.HasField("counterparty_id") else None,
            request.contact_id if request.HasField("contact_id") else None,
            current_identity(),
        )
        return _proposal(row)

    def Unsubscribe(self, request: pb.UnsubscribeRequest, context: Any) -> pb.UnsubscribeReply:
        email = mailings.unsubscribe(self.app.sessions, self.app.vault, request.token)
        return pb.UnsubscribeReply(email=email)
