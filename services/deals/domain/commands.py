"""What people (and the ERP) ask the deals service to do, in the sales director's words.

Every field is named when a command is built (no defaults), so a field added here is a mypy
error wherever a command is made until it is filled in."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from enum import Enum
from typing import Final

from crmkit.domain import Command
from crmkit.errors import FieldError
from services.deals.domain import erp


class NotSent(Enum):
    """A field left out of a change: the deal keeps what it has (None would clear it)."""

    NOT_SENT = "not sent"


NOT_SENT: Final = NotSent.NOT_SENT


# -- deals ---------------------------------------------------------------------------------
@dataclass(frozen=True, kw_only=True)
class CreateDeal(Command):
    """A new deal; no owner named: the person who opens it."""

    pipeline_id: str
    title: str
    counterparty_id: str
    amount: Decimal | None
    currency: str | None
    expected_close_date: date | None
    owner_id: str | None
    campaign_id: str | None
    source_id: str | None


@dataclass(frozen=True, kw_only=True)
class DealChanges:
    """The fields a person changed; `NOT_SENT` for the others. A probability of None goes back
    to the stage's."""

    title: str | NotSent | None
    counterparty_id: str | NotSent | None
    amount: Decimal | NotSent | None
    currency: str | NotSent | None
    expected_close_date: date | NotSent | None
    owner_id: str | NotSent | None
    campaign_id: str | NotSent | None
    source_id: str | NotSent | None
    probability: int | NotSent | None


@dataclass(frozen=True)
class ChangeDeal(Command):
    deal_id: str
    changes: DealChanges
    expected_version: int | None = None  # the version the caller read (If-Match)


@dataclass(frozen=True)
class MoveDealToStage(Command):
    deal_id: str
    stage_id: str


@dataclass(frozen=True)
class WinDeal(Command):
    deal_id: str


@dataclass(frozen=True)
class LoseDeal(Command):
    deal_id: str
    reason_id: str
    competitor_id: str | None
    comment: str | None


@dataclass(frozen=True)
class ReopenDeal(Command):
    deal_id: str


@dataclass(frozen=True, kw_only=True)
class AddParticipant(Command):
    deal_id: str
    counterparty_id: str
    role: str
    influence: int
    attitude: str
    note: str | None


@dataclass(frozen=True, kw_only=True)
class LinkParticipants(Command):
    deal_id: str
    from_participant_id: str
    to_participant_id: str
    kind: str


# -- pipelines and their documents ---------------------------------------------------------
@dataclass(frozen=True, kw_only=True)
class TaskTemplate:
    title: str
    due_in_days: int
    assignee: str  # "deal_owner" or a user id


@dataclass(frozen=True, kw_only=True)
class StageSpec:
    """A stage as a person lays it out; `id` None: a new stage."""

    id: str | None
    name: str
    probability: int
    archived: bool
    stall_after_days: int | None
    task_templates: tuple[TaskTemplate, ...]


@dataclass(frozen=True)
class CreatePipeline(Command):
    name: str
    mode: str
    stages: tuple[StageSpec, ...]


@dataclass(frozen=True)
class ChangePipeline(Command):
    pipeline_id: str
    name: str
    mode: str
    stages: tuple[StageSpec, ...]
    expected_version: int | None = None


@dataclass(frozen=True, kw_only=True)
class AddDocument(Command):
    pipeline_id: str
    title: str
    kind: str
    filename: str
    content_type: str
    content: bytes


# -- files on deals and counterparties -----------------------------------------------------
@dataclass(frozen=True, kw_only=True)
class AttachFile(Command):
    """To one deal or one counterparty; without a title, the file's name is its title."""

    deal_id: str | None = None
    counterparty_id: str | None = None
    title: str | None = None
    filename: str
    content_type: str
    content: bytes


@dataclass(frozen=True)
class RetitleFile(Command):
    file_id: str
    title: str
    expected_version: int | None = None


@dataclass(frozen=True)
class ArchiveFile(Command):
    file_id: str
    expected_version: int | None = None
    restore: bool = False


# -- tasks ---------------------------------------------------------------------------------
@dataclass(frozen=True, kw_only=True)
class CreateTask(Command):
    title: str
    assignee_id: str
    due_date: date
    deal_id: str | None
    counterparty_id: str | None
    note: str | None


@dataclass(frozen=True)
class CompleteTask(Command):
    task_id: str


@dataclass(frozen=True)
class TaskChanges:
    """The fields of a task a person changed; `NOT_SENT` for the others. A new `assignee_id`
    reassigns it."""

    title: str | NotSent | None = NOT_SENT
    assignee_id: str | NotSent | None = NOT_SENT
    due_date: date | NotSent | None = NOT_SENT
    note: str | NotSent | None = NOT_SENT


@dataclass(frozen=True)
class ParticipantChanges:
    """What a person changed of a participant; `NOT_SENT` for the rest."""

    role: str | NotSent | None = NOT_SENT
    influence: int | NotSent | None = NOT_SENT
    attitude: str | NotSent | None = NOT_SENT
    note: str | NotSent | None = NOT_SENT


@dataclass(frozen=True)
class ChangeParticipant(Command):
    participant_id: str
    changes: ParticipantChanges
    expected_version: int | None = None


@dataclass(frozen=True)
class ArchiveParticipant(Command):
    participant_id: str
    expected_version: int | None = None
    restore: bool = False


@dataclass(frozen=True)
class ChangeTask(Command):
    task_id: str
    changes: TaskChanges
    expected_version: int | None = None


@dataclass(frozen=True)
class ArchiveTask(Command):
    task_id: str
    expected_version: int | None = None


@dataclass(frozen=True)
class RestoreTask(Command):
    task_id: str


@dataclass(frozen=True)
class CommentOnTask(Command):
    task_id: str
    text: str


# -- lost reasons and campaigns ------------------------------------------------------------
@dataclass(frozen=True)
class CreateLostReason(Command):
    name: str
    kind: str


@dataclass(frozen=True)
class RenameEntry(Command):
    """`catalogue`: list_item or lost_reason."""

    catalogue: str
    entry_id: str
    name: str
    expected_version: int | None = None


@dataclass(frozen=True)
class ArchiveEntry(Command):
    catalogue: str
    entry_id: str
    expected_version: int | None = None


@dataclass(frozen=True)
class RestoreEntry(Command):
    catalogue: str
    entry_id: str


@dataclass(frozen=True)
class AddListItem(Command):
    """A new entry in one of the lists the company keeps (model.MANAGED_LISTS)."""

    list: str
    name: str


@dataclass(frozen=True, kw_only=True)
class CreateCampaign(Command):
    name: str
    channel: str | None
    cost: Decimal | None
    currency: str | None
    start_date: date | None
    end_date: date | None


@dataclass(frozen=True)
class CampaignChanges:
    name: str | NotSent | None = NOT_SENT
    channel: str | NotSent | None = NOT_SENT
    cost: Decimal | NotSent | None = NOT_SENT
    currency: str | NotSent | None = NOT_SENT
    start_date: date | NotSent | None = NOT_SENT
    end_date: date | NotSent | None = NOT_SENT


@dataclass(frozen=True)
class ChangeCampaign(Command):
    campaign_id: str
    changes: CampaignChanges
    expected_version: int | None = None


@dataclass(frozen=True)
class ResponseChanges:
    kind: str | NotSent | None = NOT_SENT
    note: str | NotSent | None = NOT_SENT


@dataclass(frozen=True)
class ChangeCampaignResponse(Command):
    response_id: str
    changes: ResponseChanges
    expected_version: int | None = None


@dataclass(frozen=True)
class ArchiveCampaignResponse(Command):
    response_id: str
    expected_version: int | None = None
    restore: bool = False


@dataclass(frozen=True)
class ArchivePipeline(Command):
    pipeline_id: str
    expected_version: int | None = None
    restore: bool = False


@dataclass(frozen=True)
class ArchiveDocument(Command):
    document_id: str
    expected_version: int | None = None
    restore: bool = False


@dataclass(frozen=True)
class ArchiveDeal(Command):
    deal_id: str
    expected_version: int | None = None
    restore: bool = False


@dataclass(frozen=True)
class ArchiveCampaign(Command):
    campaign_id: str
    expected_version: int | None = None
    restore: bool = False


@dataclass(frozen=True, kw_only=True)
class RecordCampaignResponse(Command):
    """Either a known counterparty or a prospect (name, and e-mail or phone if known)."""

    campaign_id: str
    kind: str
    counterparty_id: str | None
    prospect_name: str | None
    prospect_email: str | None
    prospect_phone: str | None
    note: str | None


@dataclass(frozen=True, kw_only=True)
class ConvertCampaignResponse(Command):
    response_id: str
    pipeline_id: str | None
    title: str | None
    owner_id: str | None

    def opening(
        self, pipeline_id: str, title: str, counterparty_id: str, campaign_id: str
    ) -> CreateDeal:
        """The deal the response becomes, in the pipeline and under the title decided for it:
        said here, beside CreateDeal, so that a new deal field is filled in for it too."""
        return CreateDeal(
            pipeline_id=pipeline_id,
            title=self.title or title,
            counterparty_id=counterparty_id,
            amount=None,
            currency=None,
            expected_close_date=None,
            owner_id=self.owner_id,
            campaign_id=campaign_id,
            source_id=None,
        )


# -- the ERP -------------------------------------------------------------------------------
@dataclass(frozen=True)
class CounterpartyReference:
    """How the ERP named a document's counterparty: `field` as sent, `lookup` as asked."""

    field: str
    lookup: str  # id | tax_id | external_id
    value: str


@dataclass
class ReceivedErpDocument:
    """One document of a batch as read off the wire. Its counterparty is still to be found:
    a document that names one it does not have is rejected for that first, then for `errors`
    (the problems found after the counterparty was read), as it always was."""

    kind: str
    external_id: str
    document: erp.ErpDocument | None
    reference: CounterpartyReference | None
    errors: list[FieldError]


@dataclass(frozen=True)
class IngestErpBatch(Command):
    documents: list[ReceivedErpDocument]


@dataclass(frozen=True)
class SetTimeZone(Command):
    """The company counts its days (due, overdue, birthdays) in this time zone from now on."""

    time_zone: str
    expected_version: int | None = None
