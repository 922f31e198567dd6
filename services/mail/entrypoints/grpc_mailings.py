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

    def ListTemplates(self, request: pb.ListRequest, context: Context) -> pb.TemplatePage:
        page = page_of(request.page)
        found, total = mailings.list_templates(self.app.uow(), page, request.archived)
        return pb.TemplatePage(items=[proto.template_to_proto(t) for t in found], total=total)

    def GetTemplate(self, request: pb.IdRequest, context: Context) -> pb.Template:
        return proto.template_to_proto(mailings.get_template(self.app.uow(), request.id))

    def UpdateTemplate(self, request: pb.UpdateTemplateRequest, context: Context) -> pb.Template:
        command = proto.change_template(request)
        changed = mailings.change_template(
            command, self.app.uow(), self.app.templates, current_identity()
        )
        return proto.template_to_proto(changed)

    def ArchiveTemplate(self, request: pb.ArchiveRequest, context: Context) -> pb.Empty:
        command = proto.archive_from_proto(request)
        mailings.archive_template(command, self.app.uow(), current_identity())
        return pb.Empty()

    def RestoreTemplate(self, request: pb.IdRequest, context: Context) -> pb.Template:
        command = proto.restore_from_proto(request)
        restored = mailings.archive_template(command, self.app.uow(), current_identity())
        return proto.template_to_proto(restored)

    def PreviewTemplate(self, request: pb.PreviewRequest, context: Context) -> pb.Preview:
        command = commands.PreviewTemplate(request.template_id, request.counterparty_id)
        filled = mailings.preview_template(command, self.app.uow(), self.app.templates)
        return proto.preview_to_proto(filled)

    def CreateAddressGroup(self, request: pb.AddressGroup, context: Context) -> pb.AddressGroup:
        command = proto.address_group_from_proto(request)
        group = mailings.create_address_group(command, self.app.uow(), current_identity())
        return proto.group_to_proto(group)

    def ListAddressGroups(self, request: pb.ListRequest, context: Context) -> pb.AddressGroupPage:
        page = page_of(request.page)
        found, total = mailings.list_address_groups(self.app.uow(), page, request.archived)
        return pb.AddressGroupPage(items=[proto.group_to_proto(g) for g in found], total=total)

    def GetAddressGroup(self, request: pb.IdRequest, context: Context) -> pb.AddressGroup:
        return proto.group_to_proto(mailings.get_address_group(self.app.uow(), request.id))

    def UpdateAddressGroup(
        self, request: pb.UpdateAddressGroupRequest, context: Context
    ) -> pb.AddressGroup:
        command = proto.change_address_group(request)
        changed = mailings.change_address_group(command, self.app.uow(), current_identity())
        return proto.group_to_proto(changed)

    def ArchiveAddressGroup(self, request: pb.ArchiveRequest, context: Context) -> pb.Empty:
        command = proto.archive_from_proto(request)
        mailings.archive_address_group(command, self.app.uow(), current_identity())
        return pb.Empty()

    def RestoreAddressGroup(self, request: pb.IdRequest, context: Context) -> pb.AddressGroup:
        command = proto.restore_from_proto(request)
        restored = mailings.archive_address_group(command, self.app.uow(), current_identity())
        return proto.group_to_proto(restored)

    def ListGroupMembers(self, request: pb.IdRequest, context: Context) -> pb.MemberPage:
        return proto.member_page(mailings.group_members(self.app.uow(), request.id))

    def PreviewMembers(self, request: pb.Criteria, context: Context) -> pb.MemberPage:
        criteria = proto.criteria_from_proto(request)
        return proto.member_page(mailings.preview_members(self.app.uow(), criteria))

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

    def ListRules(self, request: pb.ListRequest, context: Context) -> pb.RulePage:
        found, total = rules.list_rules(self.app.uow(), page_of(request.page), request.archived)
        return pb.RulePage(items=[proto.rule_to_proto(rule) for rule in found], total=total)

    def GetRule(self, request: pb.IdRequest, context: Context) -> pb.Rule:
        return proto.rule_to_proto(rules.get_rule(self.app.uow(), request.id))

    def UpdateRule(self, request: pb.UpdateRuleRequest, context: Context) -> pb.Rule:
        command = proto.change_rule(request)
        return proto.rule_to_proto(rules.change_rule(command, self.app.uow(), current_identity()))

    def ArchiveRule(self, request: pb.ArchiveRequest, context: Context) -> pb.Empty:
        command = proto.archive_from_proto(request)
        rules.archive_rule(command, self.app.uow(), current_identity())
        return pb.Empty()

    def RestoreRule(self, request: pb.IdRequest, context: Context) -> pb.Rule:
        command = proto.restore_from_proto(request)
        return proto.rule_to_proto(rules.archive_rule(command, self.app.uow(), current_identity()))

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
