"""The mail gRPC service: each call one request translated (adapters/proto.py), one handler, one
reply translated back."""

from __future__ import annotations

from collections.abc import Callable, Iterable

import grpc

from crm.mail.v1 import mail_pb2 as pb
from crm.mail.v1 import mail_pb2_grpc as pb_grpc
from crmkit.audit import register_audit_log
from crmkit.event_log import register_event_log
from crmkit.identity import current_identity
from crmkit.protobuf import parse_date
from services.mail.adapters import orm, proto
from services.mail.adapters.proto import page_of
from services.mail.bootstrap import Mail
from services.mail.domain import commands
from services.mail.entrypoints import consumer
from services.mail.entrypoints.grpc_mailings import MailingsServicer
from services.mail.service_layer import assignments, correspondence, mailboxes

Context = grpc.ServicerContext


class MailServicer(MailingsServicer, pb_grpc.MailServicer):
    def __init__(self, app: Mail) -> None:
        self.app = app

    def CreateMailbox(self, request: pb.Mailbox, context: Context) -> pb.Mailbox:
        command = proto.create_mailbox_from_proto(request)
        found = mailboxes.create_mailbox(
            command, self.app.uow(), self.app.vault, current_identity()
        )
        return proto.mailbox_to_proto(*found)

    def ListMailboxes(self, request: pb.ListRequest, context: Context) -> pb.MailboxPage:
        found, total = mailboxes.list_mailboxes(
            self.app.uow(), current_identity(), page_of(request.page), request.archived
        )
        items = [proto.mailbox_to_proto(mailbox, count) for mailbox, count in found]
        return pb.MailboxPage(items=items, total=total)

    def GetMailbox(self, request: pb.IdRequest, context: Context) -> pb.Mailbox:
        found = mailboxes.get_mailbox(self.app.uow(), request.id, current_identity())
        return proto.mailbox_to_proto(*found)

    def UpdateMailbox(self, request: pb.UpdateMailboxRequest, context: Context) -> pb.Mailbox:
        command = proto.change_mailbox(request)
        found = mailboxes.change_mailbox(
            command, self.app.uow(), self.app.vault, current_identity()
        )
        return proto.mailbox_to_proto(*found)

    def ArchiveMailbox(self, request: pb.ArchiveRequest, context: Context) -> pb.Empty:
        command = proto.archive_from_proto(request)
        mailboxes.archive_mailbox(command, self.app.uow(), current_identity())
        return pb.Empty()

    def RestoreMailbox(self, request: pb.IdRequest, context: Context) -> pb.Mailbox:
        command = proto.restore_from_proto(request)
        found = mailboxes.archive_mailbox(command, self.app.uow(), current_identity())
        return proto.mailbox_to_proto(*found)

    def PutPermissions(self, request: pb.Permissions, context: Context) -> pb.Permissions:
        command = proto.put_permissions_from_proto(request)
        found = mailboxes.put_permissions(command, self.app.uow(), current_identity())
        return proto.permissions_to_proto(request.mailbox_id, found)

    def GetPermissions(self, request: pb.IdRequest, context: Context) -> pb.Permissions:
        found = mailboxes.get_permissions(self.app.uow(), request.id, current_identity())
        return proto.permissions_to_proto(request.id, found)

    def SyncMailbox(self, request: pb.IdRequest, context: Context) -> pb.Mailbox:
        """Checks the caller may read the mailbox (not archived), and hands the import to a
        worker."""
        mailbox = mailboxes.syncable(self.app.uow(), request.id, current_identity())
        self.app.sync(mailbox.id)
        found = mailboxes.get_mailbox(self.app.uow(), request.id, current_identity())
        return proto.mailbox_to_proto(*found)

    def ListMessages(self, request: pb.ListMessagesRequest, context: Context) -> pb.MessagePage:
        page = page_of(request.page)
        identity = current_identity()
        found = correspondence.list_messages(self.app.uow(), request.mailbox_id, identity, page)
        return proto.message_page(found)

    def GetMessage(self, request: pb.IdRequest, context: Context) -> pb.Message:
        found = correspondence.get_message(self.app.uow(), request.id, current_identity())
        return proto.message_to_proto(found)

    def GetAttachment(
        self, request: pb.AttachmentRequest, context: Context
    ) -> pb.AttachmentContent:
        found, content = correspondence.attachment(
            self.app.uow(), self.app.files, request.message_id, request.index, current_identity()
        )
        return pb.AttachmentContent(
            filename=found.filename,
            content_type=found.content_type,
            content=content,
            sha256=found.sha256,
        )

    def SendMessage(self, request: pb.SendRequest, context: Context) -> pb.Message:
        sent = correspondence.send_message(
            proto.send_from_proto(request),
            self.app.uow(),
            self.app.vault,
            self.app.smtp,
            current_identity(),
        )
        return proto.message_to_proto(sent)

    def ReadableMessages(self, request: pb.MessageIds, context: Context) -> pb.MessageIds:
        ids = list(request.ids)
        found = correspondence.readable_messages(self.app.uow(), ids, current_identity())
        return pb.MessageIds(ids=found)

    def AssignMessage(self, request: pb.AssignRequest, context: Context) -> pb.Message:
        command = proto.assign_from_proto(request)
        return proto.message_to_proto(
            assignments.assign(command, self.app.uow(), current_identity())
        )

    def FinishAssignment(self, request: pb.IdRequest, context: Context) -> pb.Message:
        command = commands.FinishAssignment(request.id)
        return proto.message_to_proto(
            assignments.finish(command, self.app.uow(), current_identity())
        )

    def ListAssignments(self, request: pb.AssignmentsRequest, context: Context) -> pb.MessagePage:
        overdue_on = parse_date(request.today, "today") if request.overdue_only else None
        found = assignments.assigned(
            self.app.uow(), list(request.assignee_ids), overdue_on, page_of(request.page)
        )
        return proto.message_page(found)

    def Correspondence(self, request: pb.CorrespondenceRequest, context: Context) -> pb.MessagePage:
        found = correspondence.correspondence(
            self.app.uow(), request.counterparty_id, current_identity(), page_of(request.page)
        )
        return proto.message_page(found)


def registrar(app: Mail) -> Callable[[grpc.Server], Iterable[str]]:
    def register(server: grpc.Server) -> Iterable[str]:
        pb_grpc.add_MailServicer_to_server(MailServicer(app), server)
        log = register_event_log(server, app.engine, orm.outbox, consumer.QUEUE.bindings)
        audit_log = register_audit_log(server, app.engine, orm.audit)
        return [pb.DESCRIPTOR.services_by_name["Mail"].full_name, log, audit_log]

    return register
