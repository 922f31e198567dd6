"""Process types (pipelines), their stages and their documents."""

from __future__ import annotations

from typing import Any

from crm.events.v1 import deals_pb2 as events
from crmkit.errors import Conflict, InvalidInput, found
from crmkit.files import ContentStore
from crmkit.identity import Identity
from crmkit.paging import Page
from services.deals.adapters import orm, proto
from services.deals.domain import model
from services.deals.service_layer.unit_of_work import SqlAlchemyUnitOfWork as UnitOfWork

AREA = "deals"
MAX_DOCUMENT_BYTES = 10 * 1024 * 1024


def pipeline_of(uow: UnitOfWork, pipeline_id: str) -> model.Pipeline:
    pipeline: model.Pipeline = found(uow.pipelines.get(pipeline_id), "pipeline", pipeline_id)
    return pipeline


def _stages(pipeline_id: str, wanted: list[dict[str, Any]]) -> list[model.Stage]:
    return [
        model.Stage(
            pipeline_id=pipeline_id,
            name=spec["name"],
            probability=spec["probability"],
            position=position,
            task_templates=spec.get("task_templates", []),
            archived=spec.get("archived", False),
            id=spec.get("id") or model.new_id(),
            stall_after_days=spec.get("stall_after_days"),
        )
        for position, spec in enumerate(wanted)
    ]


def _publish(uow: UnitOfWork, event_type: str, pipeline: model.Pipeline) -> None:
    message = events.PipelineChanged(pipeline=proto.pipeline_to_proto(pipeline))
    uow.events.add(event_type, pipeline.id, message)


def _check_unique_name(uow: UnitOfWork, name: str, pipeline_id: str) -> None:
    clash = uow.pipelines.first(
        orm.pipelines.c.name == name.strip(), orm.pipelines.c.id != pipeline_id
    )
    if clash is not None:
        raise Conflict(f"a pipeline named {name!r} already exists", existing_id=clash.id)


def create_pipeline(
    uow: UnitOfWork, name: str, mode: str, stages: list[dict[str, Any]], actor: Identity
) -> model.Pipeline:
    actor.require_writer(AREA)
    for index, spec in enumerate(stages):
        if spec.get("id"):  # ids are given here, or taken over from another pipeline
            raise InvalidInput.field(f"stages.{index}.id", "a new pipeline has no stage to keep")
    with uow:
        pipeline = model.Pipeline(name=name, mode=mode)
        pipeline.stages = _stages(pipeline.id, stages)
        pipeline.check()
        _check_unique_name(uow, pipeline.name, pipeline.id)
        uow.pipelines.add(pipeline)
        _publish(uow, "deals.pipeline.created", pipeline)
        uow.commit()
    return pipeline


def update_pipeline(
    uow: UnitOfWork,
    pipeline_id: str,
    name: str,
    mode: str,
    stages: list[dict[str, Any]],
    actor: Identity,
) -> model.Pipeline:
    actor.require_writer(AREA)
    with uow:
        pipeline = pipeline_of(uow, pipeline_id)
        known = {stage.id for stage in pipeline.stages}
        for index, spec in enumerate(stages):
            if spec.get("id") and spec["id"] not in known:
                raise InvalidInput.field(f"stages.{index}.id", "is not a stage of this pipeline")
        pipeline.edit(
            name, mode, _stages(pipeline.id, stages), uow.deals.stages_in_use(pipeline.id)
        )
        _check_unique_name(uow, pipeline.name, pipeline.id)
        _publish(uow, "deals.pipeline.updated", pipeline)
        uow.commit()
    return pipeline


def get_pipeline(uow: UnitOfWork, pipeline_id: str) -> model.Pipeline:
    with uow:
        return pipeline_of(uow, pipeline_id)


def list_pipelines(uow: UnitOfWork, page: Page) -> tuple[list[model.Pipeline], int]:
    with uow:
        return uow.pipelines.list(page)


def add_document(
    uow: UnitOfWork, files: ContentStore, document: model.Document, content: bytes, actor: Identity
) -> model.Document:
    actor.require_writer(AREA)
    if len(content) > MAX_DOCUMENT_BYTES:
        raise InvalidInput.field("file", f"is larger than {MAX_DOCUMENT_BYTES // (1024 * 1024)} MB")
    if not content:
        raise InvalidInput.field("file", "is empty")
    with uow:
        pipeline_of(uow, document.pipeline_id)
        document.sha256, document.size = files.put(content), len(content)
        uow.documents.add(document)
        message = events.DocumentAdded(document=proto.document_to_proto(document))
        uow.events.add("deals.document.added", document.id, message)
        uow.commit()
    return document


def list_documents(
    uow: UnitOfWork, pipeline_id: str, page: Page
) -> tuple[list[model.Document], int]:
    with uow:
        pipeline_of(uow, pipeline_id)
        return uow.documents.list(page, orm.documents.c.pipeline_id == pipeline_id)


def get_document(uow: UnitOfWork, document_id: str) -> model.Document:
    with uow:
        document: model.Document = found(uow.documents.get(document_id), "document", document_id)
        return document
