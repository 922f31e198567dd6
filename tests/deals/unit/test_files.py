"""Files on deals and counterparties, at the service layer on fakes: what is refused before
anything is stored, who may attach and archive, which timeline a file's facts join."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from crmkit.errors import Conflict, Forbidden, InvalidInput, NotFound, Stale
from crmkit.identity import Identity
from services.deals.domain import commands, events
from services.deals.service_layer import files
from tests.deals.unit.fakes import FakeDirectory, FakeFileStore, FakeUnitOfWork
from tests.deals.unit.test_handlers import BUYER, MANAGER, VIEWER, a_deal, a_pipeline

DEALS_KEY = Identity("deals-key", scopes=frozenset({"deals:write"}))


def attaching(content: bytes = b"%PDF", **where: Any) -> commands.AttachFile:
    return commands.AttachFile(
        filename="Hợp đồng.pdf", content_type="application/pdf", content=content, **where
    )


def attach(
    uow: FakeUnitOfWork,
    store: FakeFileStore,
    command: commands.AttachFile,
    actor: Identity = MANAGER,
) -> Any:
    return files.attach_file(command, uow, store, FakeDirectory(BUYER), actor)


def test_a_file_on_a_deal_is_stored_once_and_joins_the_timeline_of_the_deals_counterparty() -> None:
    uow, store = FakeUnitOfWork(), FakeFileStore()
    deal = a_deal(uow, a_pipeline(uow))
    file = attach(uow, store, attaching(deal_id=deal.id))
    assert file.title == "Hợp đồng.pdf" and file.size == 4 and file.uploaded_by == MANAGER.user_id
    assert store.read(file.sha256) == b"%PDF"
    attached = uow.published[-1]
    assert isinstance(attached, events.FileAttached) and attached.counterparty_id == BUYER
    assert uow.audited[-1].action == "created" and uow.audited[-1].entity == "file"


@pytest.mark.parametrize("content", [b"", b"\0" * (files.MAX_FILE_BYTES + 1)])
def test_an_empty_or_too_large_file_is_refused_on_file_and_nothing_is_stored(
    content: bytes,
) -> None:
    uow, store = FakeUnitOfWork(), FakeFileStore()
    with pytest.raises(InvalidInput) as refused:
        attach(uow, store, attaching(content, counterparty_id=BUYER))
    assert refused.value.errors[0].field == "file"
    assert store.files == {} and not uow.committed


def test_a_file_for_an_unknown_deal_or_counterparty_or_an_archived_deal_is_refused() -> None:
    uow, store = FakeUnitOfWork(), FakeFileStore()
    with pytest.raises(NotFound):
        attach(uow, store, attaching(deal_id="no-such-deal"))
    with pytest.raises(InvalidInput) as unknown:
        attach(uow, store, attaching(counterparty_id="no-such-one"))
    assert unknown.value.errors[0].field == "counterparty_id"
    deal = a_deal(uow, a_pipeline(uow))
    deal.archived_at = datetime.now(UTC)
    with pytest.raises(Conflict):
        attach(uow, store, attaching(deal_id=deal.id))
    assert store.files == {}


def test_a_viewer_attaches_nothing_and_a_key_for_deals_archives_no_counterpartys_file() -> None:
    uow, store = FakeUnitOfWork(), FakeFileStore()
    with pytest.raises(Forbidden):
        attach(uow, store, attaching(counterparty_id=BUYER), VIEWER)
    with pytest.raises(Forbidden):
        attach(uow, store, attaching(counterparty_id=BUYER), DEALS_KEY)
    file = attach(uow, store, attaching(counterparty_id=BUYER))
    with pytest.raises(Forbidden):
        files.archive_file(commands.ArchiveFile(file.id), uow, DEALS_KEY)
    assert files.get_file(uow, file.id).archived_at is None


def test_an_archived_file_is_restored_and_a_stale_version_changes_nothing() -> None:
    uow, store = FakeUnitOfWork(), FakeFileStore()
    file = attach(uow, store, attaching(counterparty_id=BUYER))
    files.archive_file(commands.ArchiveFile(file.id, expected_version=1), uow, MANAGER)
    with pytest.raises(Conflict):
        files.retitle_file(commands.RetitleFile(file.id, "Bản ký"), uow, MANAGER)
    files.archive_file(commands.ArchiveFile(file.id, restore=True), uow, MANAGER)
    with pytest.raises(Stale):
        files.retitle_file(commands.RetitleFile(file.id, "Bản ký", 1), uow, MANAGER)
    renamed = files.retitle_file(commands.RetitleFile(file.id, "Bản ký", 3), uow, MANAGER)
    assert renamed.title == "Bản ký" and renamed.version == 4
    assert [a.action for a in uow.audited] == ["created", "archived", "restored", "updated"]
