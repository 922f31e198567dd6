"""Small in-memory stand-ins for the deals unit of work, for fast service-layer tests."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime
from typing import Any, Generic, TypeVar

from crmkit.paging import Page
from services.deals.domain import erp, model
from services.deals.service_layer.unit_of_work import TimelineQuery
from tests.fakes import FakeTransaction

Record = TypeVar("Record")


def _page(items: list[Record], page: Page) -> tuple[list[Record], int]:
    return items[page.offset : page.offset + page.size], len(items)


class FakeRecords(Generic[Record]):
    def __init__(self) -> None:
        self.items: dict[str, Record] = {}

    def add(self, record: Record) -> None:
        self.items[record.id] = record  # type: ignore[attr-defined]

    def get(self, record_id: str) -> Record | None:
        return self.items.get(record_id)


class FakePipelineRepository(FakeRecords[model.Pipeline]):
    def named(self, name: str) -> model.Pipeline | None:
        return next((p for p in self.items.values() if p.name == name), None)

    def first(self) -> model.Pipeline | None:
        return next(iter(self.items.values()), None)

    def list(self, page: Page, archived: bool = False) -> tuple[list[model.Pipeline], int]:
        kept = [p for p in self.items.values() if p.archived == archived]
        return _page(sorted(kept, key=lambda p: p.name), page)


class FakeDealRepository(FakeRecords[model.Deal]):
    def __init__(self) -> None:
        super().__init__()
        self.visits: list[model.StageVisit] = []

    def of_ids(self, deal_ids: Iterable[str]) -> dict[str, model.Deal]:
        return {i: self.items[i] for i in deal_ids if i in self.items}

    def stages_in_use(self, pipeline_id: str) -> set[str]:
        deals = [d for d in self.items.values() if d.pipeline_id == pipeline_id]
        visited = {v.stage_id for v in self.visits if v.deal_id in {d.id for d in deals}}
        return {d.stage_id for d in deals} | visited

    def enter_stage(self, deal: model.Deal, stage_id: str, at: datetime) -> None:
        for visit in self.visits:
            if visit.deal_id == deal.id and visit.left_at is None:
                visit.left_at = at
        self.visits.append(model.StageVisit(deal_id=deal.id, stage_id=stage_id, entered_at=at))


class FakeTaskRepository(FakeRecords[model.Task]):
    def open_for_stage(self, deal_id: str, stage_id: str) -> list[model.Task]:
        return [
            t
            for t in self.items.values()
            if t.deal_id == deal_id and t.stage_id == stage_id and t.status == "open"
        ]

    def due_by(self, day: date) -> list[model.Task]:
        return [t for t in self.items.values() if t.status == "open" and t.due_date <= day]


class FakeLostReasonRepository(FakeRecords[model.LostReason]):
    def named(self, name: str) -> model.LostReason | None:
        return next((r for r in self.items.values() if r.name == name), None)


class FakeListItemRepository(FakeRecords[model.ListItem]):
    def named(self, list_name: str, name: str) -> model.ListItem | None:
        items = self.items.values()
        return next(
            (i for i in items if i.list == list_name and i.name.lower() == name.lower()), None
        )


class FakeErpRepository:
    def __init__(self) -> None:
        self.stored: dict[tuple[str, str], erp.ErpDocument] = {}

    def existing(self, keys: list[tuple[str, str]]) -> dict[tuple[str, str], erp.StoredVersion]:
        found = {}
        for key in keys:
            if key in self.stored:
                d = self.stored[key]
                paid = d.fields.get("paid_at") is not None
                assert d.created_at is not None
                found[key] = erp.StoredVersion(d.id, d.row()["content_hash"], paid, d.created_at)
        return found

    def insert_new(self, documents: list[erp.ErpDocument]) -> set[tuple[str, str]]:
        fresh = [d for d in documents if d.key not in self.stored]
        self.stored |= {d.key: d for d in fresh}
        return {d.key for d in fresh}

    def update_changed(self, documents: list[erp.ErpDocument]) -> None:
        self.stored |= {d.key: d for d in documents}

    def overdue_unannounced(self, today: date) -> list[erp.ErpDocument]:
        return []

    def mark_announced(self, ids: list[str], at: datetime) -> None:
        pass


class FakeViews:
    def __init__(self, uow: FakeUnitOfWork) -> None:
        self.uow = uow

    def deals(self, wanted: model.DealFilter, page: Page) -> tuple[list[model.Deal], int]:
        exact = wanted.equal_to()
        found = [
            d
            for d in self.uow.deals.items.values()
            if all(getattr(d, name) == value for name, value in exact.items())
        ]
        return _page(found, page)

    def stage_history(self, deal_id: str) -> list[model.StageVisit]:
        return [v for v in self.uow.deals.visits if v.deal_id == deal_id]

    def tasks(self, wanted: model.TaskFilter, page: Page) -> tuple[list[model.Task], int]:
        found = [
            t
            for t in self.uow.tasks.items.values()
            if (wanted.deal_id is None or t.deal_id == wanted.deal_id)
            and (wanted.status is None or t.status == wanted.status)
        ]
        return _page(found, page)

    def tasks_of_user_between(self, user_id: str, first: date, last: date) -> list[model.Task]:
        return [
            t
            for t in self.uow.tasks.items.values()
            if t.assignee_id == user_id and first <= t.due_date <= last
        ]

    def participants(
        self, deal_id: str, page: Page, archived: bool = False
    ) -> tuple[list[model.Participant], int]:
        items = self.uow.participants.items.values()
        return _page([p for p in items if p.deal_id == deal_id and p.archived == archived], page)

    def participant_links(
        self, deal_id: str, page: Page
    ) -> tuple[list[model.ParticipantLink], int]:
        return _page([k for k in self.uow.links.items.values() if k.deal_id == deal_id], page)

    def documents(
        self, pipeline_id: str, page: Page, archived: bool = False
    ) -> tuple[list[model.Document], int]:
        items = self.uow.documents.items.values()
        kept = [d for d in items if d.pipeline_id == pipeline_id and d.archived == archived]
        return _page(kept, page)

    def files(
        self, deal_id: str | None, counterparty_id: str | None, page: Page, archived: bool = False
    ) -> tuple[list[model.File], int]:
        items = self.uow.files.items.values()
        owner = (
            {"deal_id": deal_id} if deal_id is not None else {"counterparty_id": counterparty_id}
        )
        kept = [
            f for f in items
            if all(getattr(f, k) == v for k, v in owner.items()) and f.archived == archived
        ]  # fmt: skip
        return _page(kept, page)

    def lost_reasons(
        self, kind: str | None, page: Page, archived: bool = False
    ) -> tuple[list[model.LostReason], int]:
        items = self.uow.lost_reasons.items.values()
        wanted = [r for r in items if kind in (None, r.kind) and r.archived == archived]
        return _page(wanted, page)

    def list_items(
        self, list_name: str, page: Page, archived: bool = False
    ) -> tuple[list[model.ListItem], int]:
        items = self.uow.list_items.items.values()
        return _page([i for i in items if i.list == list_name and i.archived == archived], page)

    def campaigns(self, page: Page, archived: bool = False) -> tuple[list[model.Campaign], int]:
        kept = [c for c in self.uow.campaigns.items.values() if c.archived == archived]
        return _page(kept, page)

    def responses(
        self, campaign_id: str, page: Page, archived: bool = False
    ) -> tuple[list[model.CampaignResponse], int]:
        items = self.uow.responses.items.values()
        kept = [r for r in items if r.campaign_id == campaign_id and r.archived == archived]
        return _page(kept, page)

    def erp_documents(self, wanted: erp.ErpFilter, page: Page) -> tuple[list[erp.ErpDocument], int]:
        found = [d for d in self.uow.erp.stored.values() if d.kind == wanted.kind]
        return _page(found, page)


class FakeProjections:
    def __init__(self) -> None:
        self.owner_of: dict[str, str] = {}

    def owners(self, counterparty_ids: set[str]) -> dict[str, str]:
        return {i: o for i, o in self.owner_of.items() if i in counterparty_ids}

    def timeline(self, wanted: TimelineQuery) -> list[Any]:
        return []

    def planned_interactions(
        self, owner_id: str | None, start: datetime, end: datetime
    ) -> list[Any]:
        return []

    def birthdays(self, month_day: str) -> list[Any]:
        return []


class FakeUnitOfWork(FakeTransaction):
    def __init__(self) -> None:
        super().__init__()
        self.pipelines = FakePipelineRepository()
        self.deals = FakeDealRepository()
        self.tasks = FakeTaskRepository()
        self.task_comments: FakeRecords[model.TaskComment] = FakeRecords()
        self.participants: FakeRecords[model.Participant] = FakeRecords()
        self.links: FakeRecords[model.ParticipantLink] = FakeRecords()
        self.lost_reasons = FakeLostReasonRepository()
        self.list_items = FakeListItemRepository()
        self.campaigns: FakeRecords[model.Campaign] = FakeRecords()
        self.responses: FakeRecords[model.CampaignResponse] = FakeRecords()
        self.documents: FakeRecords[model.Document] = FakeRecords()
        self.files: FakeRecords[model.File] = FakeRecords()
        self.erp = FakeErpRepository()
        self.views = FakeViews(self)
        self.projections = FakeProjections()


class FakeDirectory:
    """Contacts as deals sees it: the counterparties it knows, by id, tax id or external id."""

    def __init__(self, *known: str) -> None:
        self.known = {("id", k): k for k in known}
        self.asked: list[tuple[str, str]] = []

    def exists(self, counterparty_id: str) -> bool:
        return ("id", counterparty_id) in self.known

    def find(self, field: str, value: str) -> str | None:
        self.asked.append((field, value))
        return self.known.get((field, value))

    def register_prospect(
        self, name: str, email: str | None, phone: str | None, owner_id: str | None
    ) -> str:
        counterparty_id = f"prospect-{name}"
        self.known[("id", counterparty_id)] = counterparty_id
        return counterparty_id


class FakeFileStore:
    def __init__(self) -> None:
        self.files: dict[str, bytes] = {}

    def put(self, content: bytes) -> str:
        key = f"sha-{len(self.files)}"
        self.files[key] = content
        return key

    def read(self, sha256: str) -> bytes:
        return self.files[sha256]
