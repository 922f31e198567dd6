"""Files people attach to a deal or a counterparty: uploaded, listed, downloaded, retitled,
archived and restored. Their content goes to the file store; the record, its event (for the
timelines) and its audit entry commit together."""

from __future__ import annotations

from crmkit.errors import found
from crmkit.identity import Identity
from crmkit.paging import Page
from services.deals.domain import commands, events, model
from services.deals.service_layer.deals import check_counterparty, current_deal_of, deal_of
from services.deals.service_layer.pipelines import check_upload
from services.deals.service_layer.unit_of_work import (
    CounterpartyDirectory,
    FileStore,
    Listed,
    UnitOfWork,
)

MAX_FILE_BYTES = 25 * 1024 * 1024


def file_of(uow: UnitOfWork, file_id: str) -> model.File:
    return found(uow.files.get(file_id), "file", file_id)


def _counterparty_of(uow: UnitOfWork, file: model.File) -> str | None:
    """Whose timeline the file's facts join: its counterparty's, or its deal's."""
    if file.counterparty_id is not None:
        return file.counterparty_id
    deal = uow.deals.get(file.deal_id or "")
    return deal.counterparty_id if deal is not None else None


def attach_file(
    command: commands.AttachFile,
    uow: UnitOfWork,
    files: FileStore,
    directory: CounterpartyDirectory,
    actor: Identity,
) -> model.File:
    file = model.File(
        deal_id=command.deal_id,
        counterparty_id=command.counterparty_id,
        title=command.title or command.filename,
        filename=command.filename,
        content_type=command.content_type or "application/octet-stream",
        size=len(command.content),
        sha256="",
        uploaded_by=actor.person_id,
    )
    actor.require_writer(file.area)
    check_upload(command.content, MAX_FILE_BYTES)
    check_counterparty(directory, file.counterparty_id)  # asked before a transaction opens
    with uow:
        if file.deal_id is not None:
            current_deal_of(uow, file.deal_id)
        file.sha256 = files.put(command.content)
        uow.files.add(file)
        uow.publish(events.FileAttached(file, _counterparty_of(uow, file)))
        uow.commit()
    return file


def list_files(
    uow: UnitOfWork,
    deal_id: str | None,
    counterparty_id: str | None,
    page: Page,
    archived: bool = False,
) -> Listed[model.File]:
    with uow:
        if deal_id is not None:
            deal_of(uow, deal_id)
        return uow.views.files(deal_id, counterparty_id, page, archived)


def get_file(uow: UnitOfWork, file_id: str) -> model.File:
    with uow:
        return file_of(uow, file_id)


def retitle_file(command: commands.RetitleFile, uow: UnitOfWork, actor: Identity) -> model.File:
    with uow:
        file = file_of(uow, command.file_id)
        actor.require_writer(file.area)
        file.expect(command.expected_version)
        file.require_current()
        changes = file.retitle(command.title)
        if changes:
            uow.publish(events.FileChanged(file, _counterparty_of(uow, file), changes))
        uow.commit()
    return file


def archive_file(command: commands.ArchiveFile, uow: UnitOfWork, actor: Identity) -> model.File:
    """Archived: out of the lists, still downloadable; or, with `restore`, back."""
    with uow:
        file = file_of(uow, command.file_id)
        actor.require_writer(file.area)
        changes, action = file.archive_or_restore(command.restore, command.expected_version)
        if changes:
            counterparty_id = _counterparty_of(uow, file)
            uow.publish(events.FileChanged(file, counterparty_id, changes, action))
        uow.commit()
    return file
