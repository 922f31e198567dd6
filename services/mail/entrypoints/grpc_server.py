"""The mail gRPC service."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

import grpc

from crm.mail.v1 import mail_pb2 as pb
from crm.mail.v1 import mail_pb2_grpc as pb_grpc
from crmkit.identity import current_identity
from crmkit.protobuf import parse_date
from services.mail.bootstrap import Mail
from services.mail.domain.model import Permission
from services.mail.entrypoints.grpc_mailings import MailingsServicer, page_of
from services.mail.service_layer import assignments, correspondence, mailboxes


def _server(stored: dict[str, Any]) -> pb.Server:
    return pb.Server(
        host=stored["host"],
        port=int(stored["port"]),
        security=stored["security"],
        username=stored.get("username") or "",
    )


def _mailbox(row: Any, messages: int) -> pb.Mailbox:
    message = pb.Mailbox(
        id=row.id,
        name=row.name,
        kind=row.kind,
        address=row.address,
        imap=_server(row.imap),
        smtp=_server(row.smtp),
        created_at=row.created_at.isoformat(),
        messages=messages,
    )
    if row.owner_id:
        message.owner_id = row.owner_id
    if row.last_sync_at:
        message.last_sync_at = row.last_sync_at.isoformat()
    if row.last_error:
        message.last_error = row.last_error
    return message


def _message(row: Any) -> pb.Message:
    message = pb.Message(
        id=row.id,
        mailbox_id=row.mailbox_id,
        direction=row.direction,
        folder=row.folder,
        message_id=row.message_id,
        thread_id=row.thread_id,
        from_address=row.from_address,
        from_name=row.from_name,
        to=row.to,
        cc=row.cc,
        subject=row.subject,
        text=row.text,
        counterparty_ids=row.counterparty_ids,
        contact_ids=row.contact_ids,
        created_at=row.created_at.isoformat(),
        attachments=[pb.Attachment(**item) for item in row.attachments],
    )
    for name in ("in_reply_to", "html", "deal_id", "assignee_id", "assignment_note", "assignment"):
        if getattr(row, name):
            setattr(message, name, getattr(row, name))
    if row.sent_at:
        message.sent_at = row.sent_at.isoformat()
    if row.due_date:
        message.due_date = row.due_date.isoformat()
    return message


def _permissions(mailbox_id: str, found: list[Permission]) -> pb.Permissions:
    items = [
        pb.Permission(group_id=x.group_id, read=x.read, send=x.send, manage=x.manage) for x in found
    ]
    return pb.Permissions(mailbox_id=mailbox_id, items=items)


def _fields(server: pb.Server) -> dict[str, Any]:
    return {
        "host": server.host,
        "port": server.port,
        "security": server.security,
        "username": server.username,
        "password": server.password,
    }


class MailServicer(MailingsServicer, pb_grpc.MailServicer):
    def __init__(self, app: Mail) -> None:
        self.app = app

    def CreateMailbox(self, request: pb.Mailbox, context: Any) -> pb.Mailbox:
        fields = {
            "name": request.name,
            "kind": request.kind,
            "address": request.address,
            "owner_id": request.owner_id if request.HasField("owner_id") else None,
            "imap": _fields(request.imap),
            "smtp": _fields(request.smtp),
        }
        row, count = mailboxes.create_mailbox(
            self.app.sessions, self.app.vault, fields, current_identity()
        )
        return _mailbox(row, count)

    def ListMailboxes(self, request: pb.PageRequest, context: Any) -> pb.MailboxPage:
        rows, total = mailboxes.list_mailboxes(
            self.app.sessions, current_identity(), page_of(request)
        )
        return pb.MailboxPage(items=[_mailbox(row, count) for row, count in rows], total=total)

    def GetMailbox(self, request: pb.IdRequest, context: Any) -> pb.Mailbox:
        return _mailbox(*mailboxes.get_mailbox(self.app.sessions, request.id, current_identity()))

    def PutPermissions(self, request: pb.Permissions, context: Any) -> pb.Permissions:
        wanted = [Permission(x.group_id, x.read, x.send, x.manage) for x in request.items]
        found = mailboxes.put_permissions(
            self.app.sessions, request.mailbox_id, wanted, current_identity()
        )
        return _permissions(request.mailbox_id, found)

    def GetPermissions(self, request: pb.IdRequest, context: Any) -> pb.Permissions:
        found = mailboxes.get_permissions(self.app.sessions, request.id, current_identity())
        return _permissions(request.id, found)

    def SyncMailbox(self, request: pb.IdRequest, context: Any) -> pb.Mailbox:
        """Checks the caller may read the mailbox, and hands the import to a worker."""
        row, _ = mailboxes.get_mailbox(self.app.sessions, request.id, current_identity())
        self.app.sync(row.id)
        return _mailbox(*mailboxes.get_mailbox(self.app.sessions, request.id, current_identity()))

    def ListMessages(self, request: pb.ListMessagesRequest, context: Any) -> pb.MessagePage:
        rows, total = correspondence.list_messages(
            self.app.sessions, request.mailbox_id, current_identity(), page_of(request.page)
        )
        return pb.MessagePage(items=[_message(row) for row in rows], total=total)

    def GetMessage(self, request: pb.IdRequest, context: Any) -> pb.Message:
        return _message(
            correspondence.get_message(self.app.sessions, request.id, current_identity())
        )

    def GetAttachment(self, request: pb.AttachmentRequest, context: Any) -> pb.AttachmentContent:
        found, content = correspondence.attachment(
            self.app.sessions, self.app.files, request.message_id, request.index, current_identity()
        )
        return pb.AttachmentContent(
            filename=found["filename"],
            content_type=found["content_type"],
            content=content,
            sha256=found["sha256"],
        )

    def SendMessage(self, request: pb.SendRequest, context: Any) -> pb.Message:
        fields = {
            "mailbox_id": request.mailbox_id,
            "to": list(request.to),
            "cc": list(request.cc),
            "subject": request.subject,
            "text": request.text,
            "html": request.html if request.HasField("html") else None,
            "in_reply_to": request.in_reply_to if request.HasField("in_reply_to") else None,
            "deal_id": request.deal_id if request.HasField("deal_id") else None,
        }
        row = correspondence.send_message(
            self.app.sessions, self.app.vault, self.app.smtp, fields, current_identity()
        )
        return _message(row)

    def ReadableMessages(self, request: pb.MessageIds, context: Any) -> pb.MessageIds:
        found = correspondence.readable_messages(
            self.app.sessions, list(request.ids), current_identity()
        )
        return pb.MessageIds(ids=found)

    def AssignMessage(self, request: pb.AssignRequest, context: Any) -> pb.Message:
        row = assignments.assign(
            self.app.sessions,
            request.message_id,
            request.assignee_id,
            parse_date(request.due_date, "due_date"),  # type: ignore[arg-type]
            request.note if request.HasField("note") else None,
            current_identity(),
        )
        return _message(row)

    def FinishAssignment(self, request: pb.IdRequest, context: Any) -> pb.Message:
        return _message(assignments.finish(self.app.sessions, request.id, current_identity()))

    def ListAssignments(self, request: pb.AssignmentsRequest, context: Any) -> pb.MessagePage:
        rows, total = assignments.assigned(
            self.app.sessions,
            list(request.assignee_ids),
            parse_date(request.today, "today") if request.overdue_only else None,
            page_of(request.page),
        )
        return pb.MessagePage(items=[_message(row) for row in rows], total=total)

    def Correspondence(self, request: pb.CorrespondenceRequest, context: Any) -> pb.MessagePage:
        rows, total = correspondence.correspondence(
            self.app.sessions, request.counterparty_id, current_identity(), page_of(request.page)
        )
        return pb.MessagePage(items=[_message(row) for row in rows], total=total)


def registrar(app: Mail) -> Callable[[grpc.Server], Iterable[str]]:
    def register(server: grpc.Server) -> Iterable[str]:
        pb_grpc.add_MailServicer_to_server(MailServicer(app), server)
        return [pb.DESCRIPTOR.services_by_name["Mail"].full_name]

    return register
