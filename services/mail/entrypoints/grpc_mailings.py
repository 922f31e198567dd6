"""The mail gRPC service's templates, address groups, mass mailings, rules and contact
proposals (mixed into the Mail servicer)."""

from __future__ import annotations

import grpc

from crm.mail.v1 import mail_pb2 as pb
from crmkit.identity import current_identity
from services.mail.adapters import proto
from services.mail.adapters.proto import page_of
from services.mail.bootstrap import Mail
from services.mail.domain import commands
from services.mail.service_layer import mailings, proposals, rules

Context = grpc.ServicerContext


class MailingsServicer:
    app: Mail

    def CreateTemplate(self, request: pb.Template, context: Context) -> pb.Template:
        created = mailings.create_template(
            proto.template_from_proto(request),
            self.app.uow(),
            self.app.templates,
            current_identity(),
        )
        return proto.template_to_proto(created)

    def ListTemplates(self, request: pb.PageRequest, context: Context) -> pb.TemplatePage:
        found, total = mailings.list_templates(self.app.uow(), page_of(request))
        return pb.TemplatePage(items=[proto.template_to_proto(t) for t in found], total=total)

    def CreateAddressGroup(self, request: pb.AddressGroup, context: Context) -> pb.AddressGroup:
        command = proto.address_group_from_proto(request)
        group = mailings.create_address_group(command, self.app.uow(), current_identity())
        return proto.group_to_proto(group)

    def ListAddressGroups(self, request: pb.PageRequest, context: Context) -> pb.AddressGroupPage:
        found, total = mailings.list_address_groups(self.app.uow(), page_of(request))
        return pb.AddressGroupPage(items=[proto.group_to_proto(g) for g in found], total=total)

    def ListGroupMembers(self, request: pb.IdRequest, context: Context) -> pb.MemberPage:
        found = mailings.group_members(self.app.uow(), request.id)
        items = [proto.member_to_proto(person) for person in found]
        return pb.MemberPage(items=items, total=len(items))

    def StartMailing(self, request: pb.Mailing, context: Context) -> pb.Mailing:
        command = proto.start_mailing_from_proto(request)
        mailing_id = mailings.start_mailing(command, self.app.uow(), current_identity())
        self.app.send_mailing(mailing_id)
        return proto.mailing_to_proto(mailings.progress(self.app.uow(), mailing_id))

    def GetMailing(self, request: pb.IdRequest, context: Context) -> pb.Mailing:
        return proto.mailing_to_proto(mailings.progress(self.app.uow(), request.id))

    def ListMailings(self, request: pb.PageRequest, context: Context) -> pb.MailingPage:
        found, total = mailings.list_mailings(self.app.uow(), page_of(request))
        return pb.MailingPage(items=[proto.mailing_to_proto(m) for m in found], total=total)

    def CreateRule(self, request: pb.Rule, context: Context) -> pb.Rule:
        command = proto.rule_from_proto(request)
        return proto.rule_to_proto(rules.create_rule(command, self.app.uow(), current_identity()))

    def ListRules(self, request: pb.PageRequest, context: Context) -> pb.RulePage:
        found, total = rules.list_rules(self.app.uow(), page_of(request))
        return pb.RulePage(items=[proto.rule_to_proto(rule) for rule in found], total=total)

    def ListProposals(self, request: pb.ListMessagesRequest, context: Context) -> pb.ProposalPage:
        found, total = proposals.list_proposals(
            self.app.uow(), request.mailbox_id, current_identity(), page_of(request.page)
        )
        return pb.ProposalPage(items=[proto.proposal_to_proto(p) for p in found], total=total)

    def GetProposal(self, request: pb.IdRequest, context: Context) -> pb.Proposal:
        found = proposals.proposal_for(self.app.uow(), request.id, current_identity())
        return proto.proposal_to_proto(found)

    def SettleProposal(self, request: pb.SettleRequest, context: Context) -> pb.Proposal:
        command = proto.settle_from_proto(request)
        settled = proposals.settle(command, self.app.uow(), current_identity())
        return proto.proposal_to_proto(settled)

    def Unsubscribe(self, request: pb.UnsubscribeRequest, context: Context) -> pb.UnsubscribeReply:
        command = commands.Unsubscribe(request.token)
        email = mailings.unsubscribe(command, self.app.uow(), self.app.vault)
        return pb.UnsubscribeReply(email=email)
