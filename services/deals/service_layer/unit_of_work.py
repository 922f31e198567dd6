"""What the deals handlers need of a transaction: its repositories and read models, as ports.
The SqlAlchemy unit of work that fills them is in `adapters/unit_of_work.py`."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Protocol, TypeVar

from crmkit import unit_of_work
from crmkit.paging import Before, Page
from services.deals.domain import erp, model

Record = TypeVar("Record")
Listed = tuple[list[Record], int]  # one page, and how many there are in all


class Records(Protocol[Record]):
    def add(self, record: Record) -> None: ...

    def get(self, record_id: str) -> Record | None: ...


class PipelineRepository(Records[model.Pipeline], Protocol):
    def named(self, name: str) -> model.Pipeline | None: ...

    def first(self) -> model.Pipeline | None:
        """Some pipeline, if there is any: for a response converted without one named."""

    def list(self, page: Page, archived: bool = False) -> Listed[model.Pipeline]: ...


class DealRepository(Records[model.Deal], Protocol):
    def of_ids(self, deal_ids: Iterable[str]) -> dict[str, model.Deal]: ...

    def stages_in_use(self, pipeline_id: str) -> set[str]:
        """The stages of the pipeline that deals stand in or stood in."""

    def enter_stage(self, deal: model.Deal, stage_id: str, at: datetime) -> None:
        """Closes the open visit, if any, and opens one for the new stage."""


class TaskRepository(Records[model.Task], Protocol):
    def open_for_stage(self, deal_id: str, stage_id: str) -> list[model.Task]: ...

    def due_by(self, day: date) -> list[model.Task]:
        """Open tasks due on or before the day."""


class TaskCommentRepository(Records[model.TaskComment], Protocol):
    def of_task(self, task_id: str, page: Page) -> Listed[model.TaskComment]:
        """Oldest first: a conversation."""


class LostReasonRepository(Records[model.LostReason], Protocol):
    def named(self, name: str) -> model.LostReason | None: ...


class ListItemRepository(Records[model.ListItem], Protocol):
    def named(self, list_name: str, name: str) -> model.ListItem | None:
        """The item of that name in the list, whatever its case."""


class ErpRepository(Protocol):
    def existing(self, keys: list[tuple[str, str]]) -> dict[tuple[str, str], erp.StoredVersion]:
        """The stored versions of these (kind, external id) documents, locked until commit."""

    def insert_new(self, documents: list[erp.ErpDocument]) -> set[tuple[str, str]]:
        """Inserts what nobody inserted first; returns the keys this call inserted."""

    def update_changed(self, documents: list[erp.ErpDocument]) -> None: ...

    def overdue_unannounced(self, today: date) -> list[erp.ErpDocument]: ...

    def mark_announced(self, ids: list[str], at: datetime) -> None: ...


class Views(Protocol):
    """Lists and read models: what people look at, not what handlers change."""

    def deals(self, wanted: model.DealFilter, page: Page) -> Listed[model.Deal]: ...

    def stage_history(self, deal_id: str) -> list[model.StageVisit]: ...

    def tasks(self, wanted: model.TaskFilter, page: Page) -> Listed[model.Task]: ...

    def tasks_of_user_between(self, user_id: str, first: date, last: date) -> list[model.Task]: ...

    def participants(
        self, deal_id: str, page: Page, archived: bool = False
    ) -> Listed[model.Participant]: ...

    def participant_links(self, deal_id: str, page: Page) -> Listed[model.ParticipantLink]: ...

    def documents(
        self, pipeline_id: str, page: Page, archived: bool = False
    ) -> Listed[model.Document]: ...

    def files(
        self, deal_id: str | None, counterparty_id: str | None, page: Page, archived: bool = False
    ) -> Listed[model.File]:
        """The files of one deal or of one counterparty, newest first."""

    def lost_reasons(
        self, kind: str | None, page: Page, archived: bool = False
    ) -> Listed[model.LostReason]: ...

    def list_items(
        self, list_name: str, page: Page, archived: bool = False
    ) -> Listed[model.ListItem]: ...

    def campaigns(self, page: Page, archived: bool = False) -> Listed[model.Campaign]: ...

    def responses(
        self, campaign_id: str, page: Page, archived: bool = False
    ) -> Listed[model.CampaignResponse]: ...

    def erp_documents(self, wanted: erp.ErpFilter, page: Page) -> Listed[erp.ErpDocument]: ...


@dataclass(frozen=True)
class TimelineQuery:
    """A page of a deal's or a counterparty's history, newest first."""

    deal_id: str | None = None
    counterparty_id: str | None = None
    exclude_kinds: tuple[str, ...] = ()
    before: Before | None = None
    limit: int = 200


class TimelineFact(Protocol):
    """One fact of a deal's or a counterparty's history (read only)."""

    @property
    def event_id(self) -> str: ...

    @property
    def kind(self) -> str: ...

    @property
    def at(self) -> datetime: ...

    @property
    def title(self) -> str: ...

    @property
    def ref_id(self) -> str: ...

    @property
    def params(self) -> dict[str, str]: ...


class PlannedInteraction(Protocol):
    """A call or meeting planned in contacts, as deals keeps it (read only)."""

    @property
    def id(self) -> str: ...

    @property
    def counterparty_id(self) -> str: ...

    @property
    def deal_id(self) -> str | None: ...

    @property
    def kind(self) -> str: ...

    @property
    def subject(self) -> str: ...

    @property
    def planned_at(self) -> datetime: ...

    @property
    def owner_id(self) -> str | None: ...


class Birthday(Protocol):
    """A contact person whose birthday it is, and who owns their counterparty (read only)."""

    @property
    def id(self) -> str: ...

    @property
    def full_name(self) -> str: ...

    @property
    def counterparty_name(self) -> str: ...

    @property
    def counterparty_id(self) -> str: ...

    @property
    def owner_id(self) -> str: ...


class Projections(Protocol):
    """What deals keeps of other services' data."""

    def owners(self, counterparty_ids: set[str]) -> dict[str, str]:
        """The owner of each counterparty that has one."""

    def timeline(self, wanted: TimelineQuery) -> list[TimelineFact]:
        """Newest first, at most `wanted.limit`, older than `wanted.before`."""

    def planned_interactions(
        self, owner_id: str | None, start: datetime, end: datetime
    ) -> list[PlannedInteraction]: ...

    def birthdays(self, month_day: str) -> list[Birthday]: ...


class UnitOfWork(unit_of_work.UnitOfWork, Protocol):
    @property
    def pipelines(self) -> PipelineRepository: ...

    @property
    def deals(self) -> DealRepository: ...

    @property
    def tasks(self) -> TaskRepository: ...

    @property
    def task_comments(self) -> TaskCommentRepository: ...

    @property
    def participants(self) -> Records[model.Participant]: ...

    @property
    def links(self) -> Records[model.ParticipantLink]: ...

    @property
    def lost_reasons(self) -> LostReasonRepository: ...

    @property
    def list_items(self) -> ListItemRepository: ...

    @property
    def campaigns(self) -> Records[model.Campaign]: ...

    @property
    def company(self) -> Records[model.CompanySettings]: ...

    @property
    def responses(self) -> Records[model.CampaignResponse]: ...

    @property
    def documents(self) -> Records[model.Document]: ...

    @property
    def files(self) -> Records[model.File]: ...

    @property
    def notifications(self) -> NotificationRepository: ...

    @property
    def erp(self) -> ErpRepository: ...

    @property
    def views(self) -> Views: ...

    @property
    def projections(self) -> Projections: ...


class NotificationRepository(Records[model.Notification], Protocol):
    def add_once(self, notification: model.Notification) -> bool:
        """Adds it unless one with its dedupe key exists; says whether it did."""

    def of_user(self, user_id: str, unread_only: bool, page: Page) -> Listed[model.Notification]:
        """Newest first."""

    def mark_all_read(self, user_id: str, at: datetime) -> int:
        """Marks every unread one of the user read; says how many."""


class CounterpartyDirectory(Protocol):
    """What deals asks the contacts service over gRPC (whether a counterparty exists may be
    answered from what deals has already heard of it)."""

    def exists(self, counterparty_id: str) -> bool: ...

    def find(self, field: str, value: str) -> str | None:
        """The id of the counterparty with this id, tax_id or external_id, if any."""

    def register_prospect(
        self, name: str, email: str | None, phone: str | None, owner_id: str | None
    ) -> str: ...


class FileStore(Protocol):
    """Where the content of process documents and of files on deals and counterparties is kept,
    by its SHA-256."""

    def put(self, content: bytes) -> str: ...

    def read(self, sha256: str) -> bytes: ...
