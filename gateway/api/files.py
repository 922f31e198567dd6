"""Files on deals and counterparties: uploaded (multipart `file`, optional `title`), listed,
downloaded, retitled, archived and restored. The deals service keeps them; whoever may read a
deal or a counterparty reads its files, whoever may change it attaches and archives them."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, request

from crm.contacts.v1 import contacts_pb2
from crm.deals.v1 import deals_pb2 as pb
from crm.deals.v1.deals_pb2_grpc import DealsStub
from crmkit.identity import current_identity
from gateway.api import spec
from gateway.api.convert import from_message, page_of, page_request
from gateway.api.render import created, download
from gateway.context import gateway
from gateway.errors import ApiError
from gateway.schemas import deals as s
from gateway.schemas.common import ArchivedQuery
from gateway.versions import expected_version

bp = Blueprint("files", __name__)
AREA = "deals"
MAX_FILE_BYTES = 25 * 1024 * 1024  # the deals service says it once more


def _deals() -> DealsStub:
    return gateway().clients.deals


def _upload() -> pb.File:
    upload = request.files.get("file")
    if upload is None:
        raise ApiError.invalid("file", "attach the file as the multipart part 'file'")
    content = upload.read(MAX_FILE_BYTES + 1)
    if len(content) > MAX_FILE_BYTES:
        message = f"is larger than {MAX_FILE_BYTES // (1024 * 1024)} MB"
        error = {"field": "file", "message": message, "code": "too_large", "params": {"max_mb": 25}}  # fmt: skip
        raise ApiError(413, f"file: {message}", [error])
    if not content:
        raise ApiError.invalid("file", "is empty")
    return pb.File(
        filename=(upload.filename or "file")[:300],
        content_type=(upload.mimetype or "application/octet-stream")[:200],
        content=content,
    )


def _attached(message: pb.File, form: s.FileForm) -> Response:
    message.title = form.title or ""
    reply = _deals().AttachFile(message, timeout=60)
    return created(from_message(s.File, reply), f"/api/v1/files/{reply.id}")


def _check_parent(file: pb.File, write: bool = False) -> None:
    """A counterparty's file is read and changed by whoever may read or change contacts."""
    if not file.HasField("counterparty_id"):
        return
    identity = current_identity()
    allowed = identity.can_write("contacts") if write else identity.can_read("contacts")
    if not allowed:
        raise ApiError(403, f"you may not {'change' if write else 'read'} contacts")


def visible_file(file_id: str, write: bool = False) -> pb.File:
    file = _deals().GetFile(pb.IdRequest(id=file_id))
    _check_parent(file, write)
    return file


def _live_counterparty(counterparty_id: str) -> None:
    """One that exists (404 otherwise) and is not archived (409)."""
    asked = contacts_pb2.GetByIdRequest(id=counterparty_id)
    counterparty = gateway().clients.contacts.GetCounterparty(asked)
    if counterparty.HasField("archived_at"):
        raise ApiError(409, "the counterparty is archived; restore it to attach files")


@spec.route(
    bp,
    "/deals/<deal_id>/files",
    "POST",
    summary="Attach a file to a deal (multipart: file, title; 25 MB at most)",
    form=s.FileForm,
    response=s.File,
    status=201,
    area=AREA,
    write=True,
)
def attach_to_deal(deal_id: str, form: s.FileForm) -> Response:
    message = _upload()
    message.deal_id = deal_id
    return _attached(message, form)


@spec.route(
    bp,
    "/counterparties/<counterparty_id>/files",
    "POST",
    summary="Attach a file to a counterparty (multipart: file, title; 25 MB at most)",
    form=s.FileForm,
    response=s.File,
    status=201,
    area="contacts",
    write=True,
)
def attach_to_counterparty(counterparty_id: str, form: s.FileForm) -> Response:
    message = _upload()
    _live_counterparty(counterparty_id)
    message.counterparty_id = counterparty_id
    return _attached(message, form)


@spec.route(
    bp,
    "/deals/<deal_id>/files",
    "GET",
    summary="The files of a deal, newest first (archived=true: the archived ones)",
    query=ArchivedQuery,
    response=s.FilePage,
    area=AREA,
)
def deal_files(deal_id: str, query: ArchivedQuery) -> dict[str, Any]:
    page = page_request(query, pb.PageRequest)
    asked = pb.ListFilesRequest(page=page, deal_id=deal_id, archived=query.archived)
    return page_of(s.File, _deals().ListFiles(asked), query)


@spec.route(
    bp,
    "/counterparties/<counterparty_id>/files",
    "GET",
    summary="The files of a counterparty, newest first (archived=true: the archived ones)",
    query=ArchivedQuery,
    response=s.FilePage,
    area="contacts",
)
def counterparty_files(counterparty_id: str, query: ArchivedQuery) -> dict[str, Any]:
    gateway().clients.contacts.GetCounterparty(contacts_pb2.GetByIdRequest(id=counterparty_id))
    page = page_request(query, pb.PageRequest)
    asked = pb.ListFilesRequest(page=page, counterparty_id=counterparty_id, archived=query.archived)
    return page_of(s.File, _deals().ListFiles(asked), query)


@spec.route(bp, "/files/<file_id>", "GET", summary="One file", response=s.File, area=AREA)
def get_file(file_id: str) -> s.File:
    return from_message(s.File, visible_file(file_id))


@spec.route(
    bp,
    "/files/<file_id>/content",
    "GET",
    summary="Download a file (archived ones too), under its own name",
    area=AREA,
    produces="application/octet-stream",
)
def file_content(file_id: str) -> Response:
    visible_file(file_id)
    reply = _deals().GetFileContent(pb.IdRequest(id=file_id), timeout=60)
    return download(reply.content, reply.content_type, reply.filename, f'"{reply.sha256}"')


@spec.route(
    bp,
    "/files/<file_id>",
    "PATCH",
    summary="Give a file another title",
    body=s.FilePatch,
    response=s.File,
    area=AREA,
    write=True,
    versioned=True,
)
def retitle_file(file_id: str, body: s.FilePatch) -> s.File:
    visible_file(file_id, write=True)
    asked = pb.RetitleFileRequest(id=file_id, title=body.title, expected_version=expected_version())
    return from_message(s.File, _deals().RetitleFile(asked))


@spec.route(
    bp,
    "/files/<file_id>",
    "DELETE",
    summary="Archive a file: out of the lists, still downloadable",
    area=AREA,
    write=True,
    versioned=True,
)
def archive_file(file_id: str) -> None:
    visible_file(file_id, write=True)
    _deals().ArchiveFile(pb.ArchiveRequest(id=file_id, expected_version=expected_version()))


@spec.route(
    bp,
    "/files/<file_id>/restore",
    "POST",
    summary="Bring an archived file back",
    response=s.File,
    area=AREA,
    write=True,
)
def restore_file(file_id: str) -> s.File:
    visible_file(file_id, write=True)
    return from_message(s.File, _deals().RestoreFile(pb.IdRequest(id=file_id)))
