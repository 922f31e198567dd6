"""Process types (pipelines) with their stages, and their documents."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, request

from crm.deals.v1 import deals_pb2 as pb
from crm.deals.v1.deals_pb2_grpc import DealsStub
from gateway.api import spec
from gateway.api.convert import from_message, page_of, page_request, set_present
from gateway.api.owners import check_owner
from gateway.api.render import created, download
from gateway.context import gateway
from gateway.errors import ApiError
from gateway.schemas import deals as s
from gateway.schemas.common import ArchivedQuery
from gateway.versions import expected_version

bp = Blueprint("pipelines", __name__)
AREA = "deals"


def _deals() -> DealsStub:
    return gateway().clients.deals


def _pipeline_message(body: s.PipelineIn, pipeline_id: str = "") -> pb.Pipeline:
    message = pb.Pipeline(id=pipeline_id, name=body.name, mode=body.mode)
    for stage in body.stages:
        for template in stage.task_templates:
            if template.assignee != "deal_owner":
                check_owner(template.assignee, "stages.task_templates.assignee")
        added = message.stages.add(
            id=stage.id or "",
            name=stage.name,
            probability=stage.probability,
            archived=stage.archived,
        )
        set_present(added, {"stall_after_days": stage.stall_after_days})
        for template in stage.task_templates:
            added.task_templates.add(**template.model_dump())
    return message


@spec.route(
    bp,
    "/pipelines",
    "POST",
    summary="Create a process type with its stages (simple or business_process)",
    body=s.PipelineIn,
    response=s.Pipeline,
    status=201,
    area=AREA,
    write=True,
    idempotent=True,
)
def create_pipeline(body: s.PipelineIn) -> Response:
    reply = _deals().CreatePipeline(_pipeline_message(body))
    return created(from_message(s.Pipeline, reply), f"/api/v1/pipelines/{reply.id}")


@spec.route(
    bp,
    "/pipelines",
    "GET",
    summary="List process types",
    query=ArchivedQuery,
    response=s.PipelinePage,
    area=AREA,
)
def list_pipelines(query: ArchivedQuery) -> dict[str, Any]:
    asked = pb.ListRequest(page=page_request(query, pb.PageRequest), archived=query.archived)
    return page_of(s.Pipeline, _deals().ListPipelines(asked), query)


@spec.route(
    bp,
    "/pipelines/<pipeline_id>",
    "GET",
    summary="One process type",
    response=s.Pipeline,
    area=AREA,
)
def get_pipeline(pipeline_id: str) -> s.Pipeline:
    return from_message(s.Pipeline, _deals().GetPipeline(pb.IdRequest(id=pipeline_id)))


@spec.route(
    bp,
    "/pipelines/<pipeline_id>",
    "PUT",
    summary="Edit a process type: stages with an id are kept; a stage with deals can be archived, not removed",
    body=s.PipelineIn,
    response=s.Pipeline,
    area=AREA,
    write=True,
    versioned=True,
)
def update_pipeline(pipeline_id: str, body: s.PipelineIn) -> s.Pipeline:
    asked = pb.UpdatePipelineRequest(
        pipeline=_pipeline_message(body, pipeline_id), expected_version=expected_version()
    )
    return from_message(s.Pipeline, _deals().UpdatePipeline(asked))


@spec.route(
    bp,
    "/pipelines/<pipeline_id>",
    "DELETE",
    summary="Archive a process type no longer used for new deals; its deals go on in it",
    area=AREA,
    write=True,
    versioned=True,
)
def archive_pipeline(pipeline_id: str) -> None:
    _deals().ArchivePipeline(pb.ArchiveRequest(id=pipeline_id, expected_version=expected_version()))


@spec.route(
    bp,
    "/pipelines/<pipeline_id>/restore",
    "POST",
    summary="Bring an archived process type back",
    response=s.Pipeline,
    area=AREA,
    write=True,
)
def restore_pipeline(pipeline_id: str) -> s.Pipeline:
    return from_message(s.Pipeline, _deals().RestorePipeline(pb.IdRequest(id=pipeline_id)))


@spec.route(
    bp,
    "/pipelines/<pipeline_id>/documents",
    "POST",
    summary="Upload a process document (multipart: file, title, kind; 10 MB at most)",
    form=s.DocumentForm,
    response=s.Document,
    status=201,
    area=AREA,
    write=True,
)
def upload_document(pipeline_id: str, form: s.DocumentForm) -> Response:
    upload = request.files.get("file")
    if upload is None:
        raise ApiError.invalid("file", "attach the document as the multipart part 'file'")
    message = pb.Document(
        pipeline_id=pipeline_id,
        title=form.title,
        kind=form.kind,
        filename=(upload.filename or "document")[:300],
        content_type=(upload.mimetype or "application/octet-stream")[:200],
        content=upload.read(),
    )
    reply = _deals().AddDocument(message, timeout=30)
    return created(from_message(s.Document, reply), f"/api/v1/documents/{reply.id}/content")


@spec.route(
    bp,
    "/pipelines/<pipeline_id>/documents",
    "GET",
    summary="Documents of a process type",
    query=ArchivedQuery,
    response=s.DocumentPage,
    area=AREA,
)
def list_documents(pipeline_id: str, query: ArchivedQuery) -> dict[str, Any]:
    reply = _deals().ListDocuments(
        pb.ListByParentRequest(
            page=page_request(query, pb.PageRequest),
            parent_id=pipeline_id,
            archived=query.archived,
        ),
    )
    return page_of(s.Document, reply, query)


@spec.route(
    bp,
    "/documents/<document_id>/content",
    "GET",
    summary="Download a process document",
    area=AREA,
    produces="application/octet-stream",
)
def document_content(document_id: str) -> Response:
    reply = _deals().GetDocument(pb.IdRequest(id=document_id), timeout=30)
    return download(reply.content, reply.content_type, reply.filename, reply.sha256)


@spec.route(
    bp,
    "/documents/<document_id>",
    "DELETE",
    summary="Archive a process document that no longer applies (still downloadable)",
    area=AREA,
    write=True,
    versioned=True,
)
def archive_document(document_id: str) -> None:
    _deals().ArchiveDocument(pb.ArchiveRequest(id=document_id, expected_version=expected_version()))


@spec.route(
    bp,
    "/documents/<document_id>/restore",
    "POST",
    summary="Bring an archived process document back",
    response=s.Document,
    area=AREA,
    write=True,
)
def restore_document(document_id: str) -> s.Document:
    return from_message(s.Document, _deals().RestoreDocument(pb.IdRequest(id=document_id)))
