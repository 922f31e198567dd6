"""Sales processes and deals. Plain classes: no I/O here."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field, fields
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

from crmkit import time_zones
from crmkit.domain import FieldChanges, Lifecycle, assign
from crmkit.errors import Conflict, InvalidInput
from services.deals.domain.commands import (
    NOT_SENT,
    CampaignChanges,
    CreateDeal,
    DealChanges,
    ParticipantChanges,
    ResponseChanges,
    TaskChanges,
)

MODES = ("simple", "business_process")
STATUSES = ("open", "won", "lost")
PARTICIPANT_ROLES = ("competitor", "contractor", "influencer", "partner")
ATTITUDES = ("positive", "neutral", "negative")
DOCUMENT_KINDS = ("regulation", "instruction", "template", "other")
TASK_STATUSES = ("open", "done")
DEAL_OWNER = "deal_owner"


def new_id() -> str:
    return str(uuid.uuid4())


def utcnow() -> datetime:
    return datetime.now(UTC)


def _one_of(value: str | None, allowed: tuple[str, ...], name: str) -> None:
    if value is not None and value not in allowed:
        raise InvalidInput.field(
            name,
            f"must be one of {', '.join(allowed)}; got {value!r}",
            "not_one_of",
            expected=", ".join(allowed),
        )


def _percent(value: int, name: str) -> None:
    if not 0 <= value <= 100:
        raise InvalidInput.field(name, "must be between 0 and 100", "out_of_range", ge=0, le=100)


def _sent(
    changes: DealChanges | TaskChanges | ParticipantChanges | CampaignChanges | ResponseChanges,
) -> dict[str, Any]:
    """The fields of a changes dataclass that the caller sent, by name."""
    found = {item.name: getattr(changes, item.name) for item in fields(changes)}
    return {name: value for name, value in found.items() if value is not NOT_SENT}


def _named(value: str, name: str) -> str:
    value = (value or "").strip()
    if not value:
        raise InvalidInput.required(name)
    return value


@dataclass
class Stage:
    pipeline_id: str
    name: str
    probability: int
    position: int
    task_templates: list[dict[str, Any]] = field(default_factory=list)
    archived: bool = False
    id: str = field(default_factory=new_id)
    stall_after_days: int | None = None  # a deal longer in the stage is stalled

    def check(self, index: int) -> None:
        where = f"stages.{index}"
        self.name = _named(self.name, f"{where}.name")
        _percent(self.probability, f"{where}.probability")
        if self.stall_after_days is not None and self.stall_after_days < 1:
            raise InvalidInput.field(f"{where}.stall_after_days", "must be at least one day")
        for number, template in enumerate(self.task_templates):
            _named(template.get("title", ""), f"{where}.task_templates.{number}.title")
            if template.get("due_in_days", 0) < 0:
                raise InvalidInput.field(
                    f"{where}.task_templates.{number}.due_in_days", "cannot be negative"
                )


@dataclass
class Pipeline(Lifecycle):
    """A process type: its stages in their order. Edited whole (each change in its history),
    archived when no longer used for new deals (its deals go on in it) and restored."""

    KIND = "pipeline"

    name: str
    mode: str
    stages: list[Stage] = field(default_factory=list)
    id: str = field(default_factory=new_id)
    created_at: datetime = field(default_factory=utcnow)

    def outline(self) -> dict[str, object]:
        """What its history shows of it: name, mode, and its stages as a person reads them."""
        active = self.active_stages()
        return {
            "name": self.name,
            "mode": self.mode,
            "stages": [f"{s.name} {s.probability}%" for s in active],
            "stall_after_days": [
                f"{s.name}: {s.stall_after_days}" for s in active if s.stall_after_days
            ],
            "task_templates": [f"{s.name}: {t['title']}" for s in active for t in s.task_templates],
        }

    def check(self) -> None:
        self.name = _named(self.name, "name")
        _one_of(self.mode, MODES, "mode")
        if not self.active_stages():
            raise InvalidInput.field(
                "stages", "a pipeline needs at least one stage that is not archived"
            )
        for index, stage in enumerate(self.stages):
            stage.check(index)
        names = [stage.name.casefold() for stage in self.active_stages()]
        if len(names) != len(set(names)):
            raise InvalidInput.field("stages", "two stages have the same name")

    def active_stages(self) -> list[Stage]:
        return sorted((s for s in self.stages if not s.archived), key=lambda s: s.position)

    def stage(self, stage_id: str) -> Stage | None:
        return next((s for s in self.stages if s.id == stage_id), None)

    def first_stage(self) -> Stage:
        return self.active_stages()[0]

    def stage_after(self, stage_id: str) -> Stage | None:
        current = self.stage(stage_id)
        later = [
            s for s in self.active_stages() if current is not None and s.position > current.position
        ]
        return later[0] if later else None

    def edit(self, name: str, mode: str, wanted: list[Stage], in_use: set[str]) -> FieldChanges:
        """Replaces the stage list. A stage deals stand in (or stood in) is never dropped:
        leaving it out is refused, archiving it is fine. Returns what changed, as outlined."""
        before = self.outline()  # the kept stages are changed in place below
        kept = {stage.id for stage in wanted}
        dropped = [stage for stage in self.stages if stage.id not in kept]
        for stage in dropped:
            if stage.id in in_use:
                raise Conflict(f"stage {stage.name!r} has deals; archive it instead of removing it")
        known = {stage.id: stage for stage in self.stages}
        stages = []
        for position, stage in enumerate(wanted):
            target = known.get(stage.id) or Stage(
                self.id, stage.name, stage.probability, position, id=stage.id
            )
            target.name, target.probability, target.position = (
                stage.name,
                stage.probability,
                position,
            )
            target.task_templates, target.archived = stage.task_templates, stage.archived
            target.stall_after_days = stage.stall_after_days
            stages.append(target)
        self.name, self.mode, self.stages = name, mode, stages
        self.check()
        after = self.outline()
        changes = {k: (before[k], after[k]) for k in after if before[k] != after[k]}
        return self.changed(changes)


@dataclass
class Deal(Lifecycle):
    KIND = "deal"
    NAMED_BY = "title"

    title: str
    pipeline_id: str
    counterparty_id: str
    stage_id: str
    probability: int
    amount: Decimal | None = None
    currency: str | None = None
    expected_close_date: date | None = None
    owner_id: str | None = None
    campaign_id: str | None = None
    source_id: str | None = None  # where the deal came from: an entry of the list deal_source
    status: str = "open"
    probability_manual: bool = False
    closed_at: datetime | None = None
    lost_reason_id: str | None = None
    lost_to_competitor_id: str | None = None
    lost_comment: str | None = None
    id: str = field(default_factory=new_id)
    created_at: datetime = field(default_factory=utcnow)
    updated_at: datetime = field(default_factory=utcnow)
    win_probability: float | None = None  # the win model's estimate, told by analytics
    win_scored_at: datetime | None = None

    @classmethod
    def open(cls, wanted: CreateDeal, first: Stage, opened_by: str | None) -> Deal:
        """A new deal in the first stage of its pipeline, owned by who opens it unless named."""
        deal = cls(
            title=wanted.title,
            pipeline_id=wanted.pipeline_id,
            counterparty_id=wanted.counterparty_id,
            stage_id=first.id,
            probability=first.probability,
            amount=wanted.amount,
            currency=wanted.currency,
            expected_close_date=wanted.expected_close_date,
            owner_id=wanted.owner_id or opened_by,
            campaign_id=wanted.campaign_id,
            source_id=wanted.source_id,
        )
        deal.check()
        return deal

    def change(self, changes: DealChanges, stage: Stage, at: datetime) -> FieldChanges:
        """The sent fields, each said here once; `stage` is the deal's, for its probability.
        Returns old and new of each field that changed."""
        before = self.probability
        if changes.probability is not NOT_SENT:
            self.set_probability(changes.probability, stage)
        done: FieldChanges = {"probability": (before, self.probability)}
        sent = {name: value for name, value in _sent(changes).items() if name != "probability"}
        if "title" in sent:
            sent["title"] = _named(sent["title"] or "", "title")
        if "counterparty_id" in sent and sent["counterparty_id"] is None:
            raise InvalidInput.required("counterparty_id")
        done = {name: pair for name, pair in done.items() if pair[0] != pair[1]}
        done |= assign(self, sent)
        self.check()
        if done:
            self.updated_at = at
        return self.changed(done)

    def moved(self, at: datetime) -> None:
        """Entered a stage, was won, lost or reopened: a new version of the deal."""
        self.updated_at = at
        self.version += 1

    def listed(self) -> dict[str, tuple[str, str]]:
        """The fields whose value is an item of a managed list, with that list and item:
        field name -> (list, item id), for the fields that have a value."""
        chosen = {"source_id": ("deal_source", self.source_id)}
        return {name: (kept, item) for name, (kept, item) in chosen.items() if item is not None}

    def check(self) -> None:
        self.title = _named(self.title, "title")
        if self.amount is not None and self.amount < 0:
            raise InvalidInput.field("amount", "cannot be negative", "too_small", ge=0)
        if self.amount is not None and self.currency is None:
            raise InvalidInput.field("currency", "is required with an amount")

    def require_open(self) -> None:
        if self.status != "open":
            raise Conflict(f"the deal is {self.status}; reopen it first")

    def enter(self, stage: Stage, at: datetime) -> None:
        """A new stage; the first one of a new deal is no new version of it."""
        if self.stage_id != stage.id:
            self.moved(at)
        self.stage_id = stage.id
        if not self.probability_manual:
            self.probability = stage.probability
        self.updated_at = at

    def set_probability(self, value: int | None, stage: Stage) -> None:
        if value is None:
            self.probability_manual, self.probability = False, stage.probability
        else:
            _percent(value, "probability")
            self.probability_manual, self.probability = True, value
        self.updated_at = utcnow()

    def win(self, at: datetime) -> None:
        self.require_open()
        self.status, self.closed_at = "won", at
        self.moved(at)
        if not self.probability_manual:
            self.probability = 100

    def lose(
        self, reason_id: str, competitor_id: str | None, comment: str | None, at: datetime
    ) -> None:
        self.require_open()
        self.status, self.closed_at = "lost", at
        self.moved(at)
        self.lost_reason_id, self.lost_to_competitor_id, self.lost_comment = (
            reason_id,
            competitor_id,
            comment,
        )
        if not self.probability_manual:
            self.probability = 0

    def reopen(self, stage: Stage, at: datetime) -> None:
        if self.status == "open":
            raise Conflict("the deal is already open")
        self.status, self.closed_at = "open", None
        self.moved(at)
        self.lost_reason_id = self.lost_to_competitor_id = self.lost_comment = None
        if not self.probability_manual:
            self.probability = stage.probability


@dataclass(frozen=True, kw_only=True)
class DealFilter:
    """What a person looks for among deals; None: any."""

    pipeline_id: str | None
    stage_id: str | None
    status: str | None
    owner_id: str | None
    counterparty_id: str | None
    campaign_id: str | None
    source_id: str | None
    close_from: date | None  # the expected close date, from and to
    close_to: date | None
    q: str | None  # words of the title, any case, diacritics optional
    archived: bool = False  # the archived deals instead of the others

    def equal_to(self) -> dict[str, str]:
        """The deal fields asked for exactly, by name, with the value asked."""
        exact = {
            "pipeline_id": self.pipeline_id,
            "stage_id": self.stage_id,
            "status": self.status,
            "owner_id": self.owner_id,
            "counterparty_id": self.counterparty_id,
            "campaign_id": self.campaign_id,
            "source_id": self.source_id,
        }
        return {name: value for name, value in exact.items() if value is not None}


@dataclass(frozen=True, kw_only=True)
class TaskFilter:
    assignee_ids: tuple[str, ...] = ()  # empty: everyone's
    status: str | None = None
    due_to: date | None = None
    deal_id: str | None = None
    overdue_on: date | None = None  # open and due before this day
    archived: bool = False  # the archived ones instead of the others


@dataclass
class StageVisit:
    deal_id: str
    stage_id: str
    entered_at: datetime
    left_at: datetime | None = None
    id: str = field(default_factory=new_id)


@dataclass
class Task(Lifecycle):
    KIND = "task"
    NAMED_BY = "title"

    title: str
    assignee_id: str
    due_date: date
    deal_id: str | None = None
    counterparty_id: str | None = None
    stage_id: str | None = None
    note: str | None = None
    status: str = "open"
    completed_at: datetime | None = None
    id: str = field(default_factory=new_id)
    created_at: datetime = field(default_factory=utcnow)

    def __post_init__(self) -> None:
        self.title = _named(self.title, "title")
        if not self.assignee_id:
            raise InvalidInput.required("assignee_id")

    def complete(self, at: datetime) -> FieldChanges:
        if self.status == "done":
            raise Conflict("the task is already done")
        return self.changed(assign(self, {"status": "done", "completed_at": at}))

    def change(self, changes: TaskChanges) -> FieldChanges:
        """Its title, note, due date, or who does it (reassigned)."""
        sent = _sent(changes)
        if "title" in sent:
            sent["title"] = _named(sent["title"] or "", "title")
        for required in ("assignee_id", "due_date"):
            if required in sent and not sent[required]:
                raise InvalidInput.required(required)
        return self.changed(assign(self, sent))

    @classmethod
    def from_template(cls, template: dict[str, Any], deal: Deal, stage: Stage, today: date) -> Task:
        assignee = template.get("assignee") or DEAL_OWNER
        return cls(
            title=template["title"],
            assignee_id=(deal.owner_id or "") if assignee == DEAL_OWNER else assignee,
            due_date=today + timedelta(days=int(template.get("due_in_days", 0))),
            deal_id=deal.id,
            counterparty_id=deal.counterparty_id,
            stage_id=stage.id,
        )


@dataclass
class TaskComment:
    """What someone said on a task: a question, an answer, where it stands."""

    task_id: str
    author_id: str | None
    text: str
    id: str = field(default_factory=new_id)
    created_at: datetime = field(default_factory=utcnow)

    def __post_init__(self) -> None:
        self.text = (self.text or "").strip()
        if not self.text:
            raise InvalidInput.required("text")


@dataclass
class Participant(Lifecycle):
    """Who else takes part in a deal (a competitor, a partner, ...), how much they weigh and how
    they stand. Changed as the deal goes on, archived when they drop out, restored."""

    KIND = "participant"

    deal_id: str
    counterparty_id: str
    role: str
    influence: int = 50
    attitude: str = "neutral"
    note: str | None = None
    id: str = field(default_factory=new_id)

    def __post_init__(self) -> None:
        self._check()

    def _check(self) -> None:
        _one_of(self.role, PARTICIPANT_ROLES, "role")
        _one_of(self.attitude, ATTITUDES, "attitude")
        _percent(self.influence, "influence")

    def change(self, changes: ParticipantChanges) -> FieldChanges:
        sent = _sent(changes)
        for required in ("role", "attitude", "influence"):
            if required in sent and sent[required] is None:
                raise InvalidInput.required(required)
        changed = assign(self, sent)
        self._check()
        return self.changed(changed)


@dataclass
class ParticipantLink:
    deal_id: str
    from_participant_id: str
    to_participant_id: str
    kind: str
    id: str = field(default_factory=new_id)

    def __post_init__(self) -> None:
        self.kind = _named(self.kind, "kind")
        if self.from_participant_id == self.to_participant_id:
            raise InvalidInput.field(
                "to_participant_id", "a participant cannot be linked to itself"
            )


# The lists a company keeps itself and sets up in Settings, by the name deals knows them by.
MANAGED_LISTS: tuple[str, ...] = ("deal_source",)


@dataclass
class Entry(Lifecycle):
    """An entry of a catalogue the company keeps (a list item, a lost reason): renamed, archived
    (no longer offered; what already names it keeps it) and restored."""

    name: str

    def rename(self, name: str) -> FieldChanges:
        return self.changed(assign(self, {"name": _named(name, "name")}))


@dataclass
class ListItem(Entry):
    """One entry of a list the company keeps itself; deals name it by its id."""

    KIND = "list item"

    list: str
    id: str = field(default_factory=new_id)
    created_at: datetime = field(default_factory=utcnow)

    def __post_init__(self) -> None:
        _one_of(self.list, MANAGED_LISTS, "list")
        self.name = _named(self.name, "name")


REASON_KINDS = ("deal", "order")


@dataclass
class LostReason(Entry):
    """Why a deal was lost, or (kind order) why an order failed: one catalogue for both."""

    KIND = "lost reason"

    kind: str = "deal"
    id: str = field(default_factory=new_id)

    def __post_init__(self) -> None:
        self.name = _named(self.name, "name")
        _one_of(self.kind, REASON_KINDS, "kind")


@dataclass
class Campaign(Lifecycle):
    """A marketing campaign: changed, archived when it is over and no longer offered for new
    responses and deals, restored."""

    KIND = "campaign"

    name: str
    channel: str | None = None
    cost: Decimal | None = None
    currency: str | None = None
    start_date: date | None = None
    end_date: date | None = None
    id: str = field(default_factory=new_id)

    def __post_init__(self) -> None:
        self._check()

    def _check(self) -> None:
        self.name = _named(self.name, "name")
        if self.start_date and self.end_date and self.end_date < self.start_date:
            raise InvalidInput.field("end_date", "comes before start_date")
        if self.cost is not None and self.currency is None:
            raise InvalidInput.field("currency", "is required with a cost")

    def change(self, changes: CampaignChanges) -> FieldChanges:
        sent = _sent(changes)
        if "name" in sent and not sent["name"]:
            raise InvalidInput.required("name")
        changed = assign(self, sent)
        self._check()
        return self.changed(changed)


@dataclass
class CampaignResponse(Lifecycle):
    """An answer to a campaign (a call, a form, a visit): corrected, archived when entered by
    mistake (the campaign's report no longer counts it) and restored."""

    KIND = "campaign response"

    campaign_id: str
    kind: str
    counterparty_id: str | None = None
    prospect_name: str | None = None
    prospect_email: str | None = None
    prospect_phone: str | None = None
    note: str | None = None
    deal_id: str | None = None
    id: str = field(default_factory=new_id)
    created_at: datetime = field(default_factory=utcnow)

    def __post_init__(self) -> None:
        self.kind = _named(self.kind, "kind")
        if (self.counterparty_id is None) == (self.prospect_name is None):
            raise InvalidInput.field(
                "counterparty_id", "give either counterparty_id or prospect, not both"
            )

    def change(self, changes: ResponseChanges) -> FieldChanges:
        sent = _sent(changes)
        if "kind" in sent:
            sent["kind"] = _named(sent["kind"] or "", "kind")
        return self.changed(assign(self, sent))


@dataclass
class Document(Lifecycle):
    """A process document of a pipeline (a regulation, an instruction, a template): archived
    when it no longer applies (out of the list, still downloadable) and restored."""

    KIND = "document"
    NAMED_BY = "title"

    pipeline_id: str
    title: str
    kind: str
    filename: str
    content_type: str
    size: int
    sha256: str
    id: str = field(default_factory=new_id)
    created_at: datetime = field(default_factory=utcnow)

    def __post_init__(self) -> None:
        self.title = _named(self.title, "title")
        _one_of(self.kind, DOCUMENT_KINDS, "kind")


@dataclass
class File(Lifecycle):
    """A file people attach to a deal or to a counterparty (a contract, an offer, a scan): its
    content is kept once in the file store by its SHA-256. Retitled, archived (out of the lists,
    still downloadable) and restored."""

    KIND = "file"
    NAMED_BY = "title"

    title: str
    filename: str
    content_type: str
    size: int
    sha256: str
    deal_id: str | None = None
    counterparty_id: str | None = None
    uploaded_by: str | None = None
    id: str = field(default_factory=new_id)
    uploaded_at: datetime = field(default_factory=utcnow)

    def __post_init__(self) -> None:
        if (self.deal_id is None) == (self.counterparty_id is None):
            raise InvalidInput.field("deal_id", "a file belongs to one deal or one counterparty")
        self.filename = _named(self.filename, "file")
        self.title = _named(self.title or self.filename, "title")

    @property
    def area(self) -> str:
        """Whoever may change its deal (deals) or its counterparty (contacts) may change it."""
        return "deals" if self.deal_id is not None else "contacts"

    def retitle(self, title: str) -> FieldChanges:
        return self.changed(assign(self, {"title": _named(title, "title")}))


@dataclass
class Notification:
    user_id: str
    kind: str
    title: str
    ref_id: str
    dedupe_key: str
    due_at: datetime | None = None
    read_at: datetime | None = None
    params: dict[str, str] = field(default_factory=dict)  # the facts; `title` is their English
    id: str = field(default_factory=new_id)
    created_at: datetime = field(default_factory=utcnow)


CatalogueEntry = ListItem | LostReason  # the entries people rename, archive and restore


@dataclass
class CompanySettings(Lifecycle):
    """What holds for the whole company: the time zone its days are counted in (a task is overdue,
    a birthday is today, on the company's day). One record, kept under the id COMPANY."""

    KIND = "company settings"
    NAMED_BY = "id"

    time_zone: str = time_zones.COMPANY_DEFAULT
    id: str = "company"

    def __post_init__(self) -> None:
        self.time_zone = time_zones.checked(self.time_zone)

    def set_time_zone(self, zone: str, expected: int | None) -> FieldChanges:
        self.expect(expected)
        return self.changed(assign(self, {"time_zone": time_zones.checked(zone)}))
