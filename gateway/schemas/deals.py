"""The Sales process section of API.md as request and response models."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, EmailStr, Field, model_validator

from gateway.schemas.common import (
    ArchivedQuery,
    Currency,
    Id,
    Input,
    LongText,
    Money,
    Name,
    Page,
    PageQuery,
    Phone,
    Query,
    Record,
    ShortName,
    ShortText,
    Word,
)

Mode = Literal["simple", "business_process"]
DealStatus = Literal["open", "won", "lost"]
ParticipantRole = Literal["competitor", "contractor", "influencer", "partner"]
Attitude = Literal["positive", "neutral", "negative"]
DocumentKind = Literal["regulation", "instruction", "template", "other"]


class TaskTemplate(Input):
    title: Name
    due_in_days: int = Field(0, ge=0, le=365)
    assignee: Id = Field("deal_owner", description='"deal_owner" or a user id')


class StageIn(Input):
    id: Id | None = Field(None, description="keep an existing stage (on update)")
    name: ShortName
    probability: int = Field(ge=0, le=100)
    task_templates: list[TaskTemplate] = Field(default_factory=list, max_length=50)
    archived: bool = False
    stall_after_days: int | None = Field(
        None, ge=1, le=3650, description="a deal longer in the stage counts as stalled"
    )


class PipelineIn(Input):
    name: ShortName
    mode: Mode = "simple"
    stages: list[StageIn] = Field(min_length=1, max_length=50)


class Stage(BaseModel):
    id: str
    name: str
    probability: int
    position: int
    archived: bool = False
    task_templates: list[TaskTemplate] = Field(default_factory=list)
    stall_after_days: int | None = None


class Pipeline(Record):
    id: str
    name: str
    mode: Mode
    stages: list[Stage]
    created_at: datetime


PipelinePage = Page[Pipeline]


class DocumentForm(Input):
    title: Name
    kind: DocumentKind = "other"


class Document(Record):
    id: str
    pipeline_id: str
    title: str
    kind: DocumentKind
    filename: str
    content_type: str
    size: int
    sha256: str
    created_at: datetime


DocumentPage = Page[Document]


class FileForm(Input):
    title: Name | None = Field(None, description="the file's name when left out")


class FilePatch(Input):
    title: Name


class File(Record):
    id: str
    deal_id: str | None = Field(None, description="the deal it is attached to, or")
    counterparty_id: str | None = Field(None, description="the counterparty it is attached to")
    title: str
    filename: str
    content_type: str
    size: int = Field(description="bytes")
    sha256: str
    uploaded_by: str | None = None
    uploaded_at: datetime


FilePage = Page[File]


class DealFields(Input):
    amount: Money | None = None
    currency: Currency | None = None
    expected_close_date: date | None = None
    owner_id: Id | None = None
    campaign_id: Id | None = None
    source_id: Id | None = Field(None, description="where the deal came from (GET /deal-sources)")


class DealCreate(DealFields):
    title: Name
    pipeline_id: Id
    counterparty_id: Id


class DealPatch(DealFields):
    title: Name | None = None
    counterparty_id: Id | None = None
    probability: int | None = Field(
        None, ge=0, le=100, description="set by hand; null returns to the stage's"
    )


class Deal(Record):
    id: str
    title: str
    pipeline_id: str
    counterparty_id: str
    amount: str | None = None
    currency: str | None = None
    expected_close_date: date | None = None
    owner_id: str | None = None
    campaign_id: str | None = None
    source_id: str | None = None
    stage_id: str
    status: DealStatus
    probability: int
    probability_manual: bool = False
    created_at: datetime
    updated_at: datetime
    closed_at: datetime | None = None
    lost_reason_id: str | None = None
    lost_to_competitor_id: str | None = None
    lost_comment: str | None = None
    win_probability: float | None = Field(
        None, description="the win model's estimate, 0..1; see /deals/{id}/win-probability"
    )


DealPage = Page[Deal]


class DealQuery(PageQuery):
    q: str | None = Field(
        None, max_length=200, description="words of the title, any case, diacritics optional"
    )
    pipeline_id: Id | None = None
    stage_id: Id | None = None
    status: DealStatus | None = None
    owner_id: Id | None = None
    counterparty_id: Id | None = None
    campaign_id: Id | None = None
    source_id: Id | None = None
    close_from: date | None = None
    close_to: date | None = None
    archived: bool = Field(False, description="the archived deals instead of the others")


class StageMove(Input):
    stage_id: Id


class Lose(Input):
    reason_id: Id
    competitor_id: Id | None = None
    comment: LongText | None = None


class Empty(Input):
    pass


class StageVisit(BaseModel):
    stage_id: str
    entered_at: datetime
    left_at: datetime | None = None


class StageHistory(BaseModel):
    items: list[StageVisit]


class ParticipantIn(Input):
    counterparty_id: Id
    role: ParticipantRole
    influence: int = Field(50, ge=0, le=100)
    attitude: Attitude = "neutral"
    note: LongText | None = None


class ParticipantPatch(Input):
    role: ParticipantRole | None = None
    influence: int | None = Field(None, ge=0, le=100)
    attitude: Attitude | None = None
    note: LongText | None = None


class Participant(Record):
    id: str
    deal_id: str
    counterparty_id: str
    role: ParticipantRole
    influence: int
    attitude: Attitude
    note: str | None = None


ParticipantPage = Page[Participant]


class ParticipantLinkIn(Input):
    from_participant_id: Id
    to_participant_id: Id
    kind: Word


class ParticipantLink(BaseModel):
    id: str
    deal_id: str
    from_participant_id: str
    to_participant_id: str
    kind: str


ParticipantLinkPage = Page[ParticipantLink]


class TaskIn(Input):
    title: Name
    assignee_id: Id
    due_date: date
    deal_id: Id | None = None
    counterparty_id: Id | None = None
    note: LongText | None = None


class TaskPatch(Input):
    """A new assignee reassigns it; `POST /tasks/{id}/complete` marks it done."""

    title: Name | None = None
    assignee_id: Id | None = None
    due_date: date | None = None
    note: LongText | None = None


class TaskCommentIn(Input):
    text: LongText


class TaskComment(BaseModel):
    id: str
    task_id: str
    author_id: str | None = None
    text: str
    created_at: datetime


TaskCommentPage = Page[TaskComment]


class Task(Record):
    id: str
    title: str
    assignee_id: str
    due_date: date
    status: Literal["open", "done"]
    deal_id: str | None = None
    counterparty_id: str | None = None
    stage_id: str | None = None
    created_at: datetime
    completed_at: datetime | None = None
    note: str | None = None


TaskPage = Page[Task]


class TaskQuery(ArchivedQuery):
    assignee_id: Id | None = None
    status: Literal["open", "done"] | None = None
    due_to: date | None = None
    deal_id: Id | None = None
    overdue: bool = Field(False, description="only open tasks past their due date")


class PlannerQuery(Query):
    model_config = ConfigDict(extra="ignore", populate_by_name=True)
    user_id: Id | None = Field(
        None, description="yourself if left out; a subordinate if you supervise them"
    )
    date_from: date = Field(alias="from")
    date_to: date = Field(alias="to")


class PlannedInteraction(BaseModel):
    id: str
    counterparty_id: str
    kind: str
    subject: str
    planned_at: datetime
    deal_id: str | None = None


class PlannerDay(BaseModel):
    date: date
    tasks: list[Task] = Field(default_factory=list)
    interactions: list[PlannedInteraction] = Field(default_factory=list)


class Planner(BaseModel):
    user_id: str
    days: list[PlannerDay] = Field(default_factory=list)


class LostReasonIn(Input):
    name: ShortName
    kind: Literal["deal", "order"] = Field(
        "deal", description="why deals are lost, or why orders fail"
    )


class LostReason(Record):
    id: str
    name: str
    kind: Literal["deal", "order"] = "deal"


class LostReasonQuery(ArchivedQuery):
    kind: Literal["deal", "order"] | None = None


LostReasonPage = Page[LostReason]


class ListItemIn(Input):
    name: ShortName


class ListItem(Record):
    id: str
    name: str


class Rename(Input):
    name: ShortName


ListItemPage = Page[ListItem]


@dataclass(frozen=True)
class ManagedList:
    """A list the company keeps itself, served at its own path (gateway/api/lists.py)."""

    path: str  # e.g. "/deal-sources"
    name: str  # the deals service's name of the list, e.g. "deal_source"
    item: str  # what one entry is, for the API's summaries, e.g. "deal source"


MANAGED_LISTS: tuple[ManagedList, ...] = (
    ManagedList(path="/deal-sources", name="deal_source", item="deal source"),
)


class CampaignIn(Input):
    name: Name
    channel: ShortText | None = Field(None, max_length=100)
    cost: Money | None = None
    currency: Currency | None = None
    start_date: date | None = None
    end_date: date | None = None


class CampaignPatch(Input):
    name: Name | None = None
    channel: ShortText | None = Field(None, max_length=100)
    cost: Money | None = None
    currency: Currency | None = None
    start_date: date | None = None
    end_date: date | None = None


class Campaign(Record):
    id: str
    name: str
    channel: str | None = None
    cost: str | None = None
    currency: str | None = None
    start_date: date | None = None
    end_date: date | None = None


CampaignPage = Page[Campaign]


class Prospect(Input):
    name: Name
    email: EmailStr | None = None
    phone: Phone | None = None


class ResponseIn(Input):
    counterparty_id: Id | None = None
    prospect: Prospect | None = None
    kind: Word = Field(description="e.g. call, form, visit, email")
    note: LongText | None = None

    @model_validator(mode="after")
    def one_source(self) -> ResponseIn:
        if (self.counterparty_id is None) == (self.prospect is None):
            raise ValueError("give either counterparty_id or prospect")
        return self


class ResponsePatch(Input):
    kind: Word | None = Field(None, description="e.g. call, form, visit, email")
    note: LongText | None = None


class CampaignResponse(Record):
    id: str
    campaign_id: str
    counterparty_id: str | None = None
    prospect: Prospect | None = None
    kind: str
    note: str | None = None
    deal_id: str | None = None
    created_at: datetime


CampaignResponsePage = Page[CampaignResponse]


class ConvertIn(Input):
    pipeline_id: Id | None = None
    title: Name | None = None
    owner_id: Id | None = None


class NotificationQuery(PageQuery):
    unread_only: bool = False


class AllRead(BaseModel):
    marked: int = Field(description="how many were unread and are read now")


class Notification(BaseModel):
    id: str
    user_id: str
    kind: str
    title: str = Field(description="English, for older clients: compose from kind and params")
    ref_id: str
    created_at: datetime
    read_at: datetime | None = None
    due_at: datetime | None = None
    params: dict[str, str] = Field(default_factory=dict, description="the facts of this kind")


NotificationPage = Page[Notification]


# -- what the analytics group and filter deals by (deals' adapters/proto.py:deal_dimensions) --
DealDimension = Literal["owner", "campaign", "source"]


class DealDimensions(Query):
    """The dimension filters of a deals report: only the deals with these values."""

    owner_id: Id | None = None
    campaign_id: Id | None = None
    source_id: Id | None = None

    def dimension_values(self) -> dict[str, str]:
        """{dimension: id} of the filters given; a filter is its dimension's name and _id."""
        given = self.model_dump(include=set(DealDimensions.model_fields))
        return {name.removesuffix("_id"): value for name, value in given.items() if value}
