"""Process types (pipelines), their stages and their documents."""

from __future__ import annotations

from crmkit.errors import Conflict, InvalidInput, found
from crmkit.identity import Identity
from crmkit.paging import Page
from services.deals.domain import commands, events, model
from services.deals.service_layer.unit_of_work import FileStore, Listed, UnitOfWork

AREA = "deals"
MAX_DOCUMENT_BYTES = 10 * 1024 * 1024


def check_upload(content: bytes, most: int) -> None:
    """An uploaded file (a process document, a file on a deal) has content, and not too much."""
    if not content:
        raise InvalidInput.field("file", "is empty", "empty")
    if len(content) > most:
        raise InvalidInput.field("file", f"is larger than {most // (1024 * 1024)} MB")


def pipeline_of(uow: UnitOfWork, pipeline_id: str) -> model.Pipeline:
    return found(uow.pipelines.get(pipeline_id), "pipeline", pipeline_id)


def _stages(pipeline_id: str, wanted: tuple[commands.StageSpec, ...]) -> list[model.Stage]:
    return [
        model.Stage(
            pipeline_id=pipeline_id,
            name=spec.name,
            probability=spec.probability,
            position=position,
            task_templates=[
                {"title": t.title, "due_in_days": t.due_in_days, "assignee": t.assignee}
                for t in spec.task_templates
            ],
            archived=spec.archived,
            id=spec.id or model.new_id(),
            stall_after_days=spec.stall_after_days,
        )
        for position, spec in enumerate(wanted)
    ]


def _check_unique_name(uow: UnitOfWork, pipeline: model.Pipeline) -> None:
    clash = uow.pipelines.named(pipeline.name.strip())
    if clash is not None and clash.id != pipeline.id:
        raise Conflict(f"a pipeline named {pipeline.name!r} already exists", existing_id=clash.id)


def create_pipeline(
    command: commands.CreatePipeline, uow: UnitOfWork, actor: Identity
) -> model.Pipeline:
    actor.require_writer(AREA)
    for index, spec in enumerate(command.stages):
        if spec.id:  # ids are given here, or taken over from another pipeline
            raise InvalidInput.field(f"stages.{index}.id", "a new pipeline has no stage to keep")
    with uow:
        pipeline = model.Pipeline(name=command.name, mode=command.mode)
        pipeline.stages = _stages(pipeline.id, command.stages)
        pipeline.check()
        _check_unique_name(uow, pipeline)
        uow.pipelines.add(pipeline)
        uow.publish(events.PipelineCreated(pipeline))
        uow.commit()
    return pipeline


def change_pipeline(
    command: commands.ChangePipeline, uow: UnitOfWork, actor: Identity
) -> model.Pipeline:
    actor.require_writer(AREA)
    with uow:
        pipeline = pipeline_of(uow, command.pipeline_id)
        pipeline.expect(command.expected_version)
        pipeline.require_current()
        known = {stage.id for stage in pipeline.stages}
        for index, spec in enumerate(command.stages):
            if spec.id and spec.id not in known:
                raise InvalidInput.field(f"stages.{index}.id", "is not a stage of this pipeline")
        changes = pipeline.edit(
            command.name,
            command.mode,
            _stages(pipeline.id, command.stages),
            uow.deals.stages_in_use(pipeline.id),
        )
        _check_unique_name(uow, pipeline)
        uow.publish(events.PipelineChanged(pipeline, changes))
        uow.commit()
    return pipeline


def get_pipeline(uow: UnitOfWork, pipeline_id: str) -> model.Pipeline:
    with uow:
        return pipeline_of(uow, pipeline_id)


def list_pipelines(uow: UnitOfWork, page: Page, archived: bool = False) -> Listed[model.Pipeline]:
    with uow:
        return uow.pipelines.list(page, archived)


def archive_pipeline(
    command: commands.ArchivePipeline, uow: UnitOfWork, actor: Identity
) -> model.Pipeline:
    """Archived (no new deals open in it; its deals go on in it) or, with `restore`, back."""
    actor.require_writer(AREA)
    with uow:
        pipeline = pipeline_of(uow, command.pipeline_id)
        changes, action = pipeline.archive_or_restore(command.restore, command.expected_version)
        if changes:
            uow.publish(events.PipelineChanged(pipeline, changes, action))
        uow.commit()
    return pipeline


def add_document(
    command: commands.AddDocument, uow: UnitOfWork, files: FileStore, actor: Identity
) -> model.Document:
    document = model.Document(
        pipeline_id=command.pipeline_id,
        title=command.title,
        kind=command.kind,
        filename=command.filename,
        content_type=command.content_type,
        size=0,
        sha256="",
    )
    actor.require_writer(AREA)
    content = command.content
    check_upload(content, MAX_DOCUMENT_BYTES)
    with uow:
        pipeline_of(uow, document.pipeline_id).require_current()
        document.sha256, document.size = files.put(content), len(content)
        uow.documents.add(document)
        uow.publish(events.DocumentAdded(document))
        uow.commit()
    return document


def list_documents(
    uow: UnitOfWork, pipeline_id: str, page: Page, archived: bool = False
) -> Listed[model.Document]:
    with uow:
        pipeline_of(uow, pipeline_id)
        return uow.views.documents(pipeline_id, page, archived)


def get_document(uow: UnitOfWork, document_id: str) -> model.Document:
    with uow:
        return found(uow.documents.get(document_id), "document", document_id)


def archive_document(
    command: commands.ArchiveDocument, uow: UnitOfWork, actor: Identity
) -> model.Document:
    """Archived (it no longer applies: out of the list, still downloadable) or restored."""
    actor.require_writer(AREA)
    with uow:
        document = found(uow.documents.get(command.document_id), "document", command.document_id)
        changes, action = document.archive_or_restore(command.restore, command.expected_version)
        if changes:
            uow.publish(events.DocumentChanged(document, changes, action))
        uow.commit()
    return document
