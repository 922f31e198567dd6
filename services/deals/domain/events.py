"""What happened in the deals service, for the rest of the suite to hear. Each carries the
domain object as it is when the event is published; `adapters/proto.py` gives each its wire
type and payload."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from crmkit.domain import Audit, Event, FieldChanges, described, from_nothing
from services.deals.domain import erp, model

DEAL_CARD = (
    "title", "pipeline_id", "counterparty_id", "stage_id", "amount", "currency",
    "expected_close_date", "owner_id", "campaign_id", "source_id", "probability",
)  # fmt: skip
TASK_CARD = ("title", "assignee_id", "due_date", "deal_id", "counterparty_id", "note")


@dataclass(frozen=True)
class DealOpened(Event):
    deal: model.Deal

    def audit(self) -> Audit:
        return Audit("deal", self.deal.id, "created", described(self.deal, DEAL_CARD))


@dataclass(frozen=True)
class DealChanged(Event):
    """Changed, archived or restored: the deal as it is now."""

    deal: model.Deal
    changes: FieldChanges = field(default_factory=dict)
    action: str = "updated"

    def audit(self) -> Audit:
        return Audit("deal", self.deal.id, self.action, self.changes)


@dataclass(frozen=True)
class DealStageChanged(Event):
    deal: model.Deal
    from_stage_id: str | None  # None: the deal's first stage
    to_stage: model.Stage
    automatic: bool  # moved by the business process, not by hand
    at: datetime

    def audit(self) -> Audit | None:
        if self.from_stage_id is None:
            return None  # its first stage: told by its creation
        action = "moved_by_process" if self.automatic else "moved"
        return Audit(
            "deal", self.deal.id, action, {"stage_id": (self.from_stage_id, self.to_stage.id)}
        )


@dataclass(frozen=True)
class DealWon(Event):
    deal: model.Deal

    def audit(self) -> Audit:
        return Audit("deal", self.deal.id, "won", {"status": ("open", "won")})


@dataclass(frozen=True)
class DealLost(Event):
    deal: model.Deal

    def audit(self) -> Audit:
        d = self.deal
        changes: FieldChanges = {
            "status": ("open", "lost"),
            "lost_reason_id": (None, d.lost_reason_id),
        }
        if d.lost_to_competitor_id:
            changes["lost_to_competitor_id"] = (None, d.lost_to_competitor_id)
        if d.lost_comment:
            changes["lost_comment"] = (None, d.lost_comment)
        return Audit("deal", d.id, "lost", changes)


@dataclass(frozen=True)
class DealReopened(Event):
    deal: model.Deal
    was: str = "lost"  # won or lost

    def audit(self) -> Audit:
        return Audit("deal", self.deal.id, "reopened", {"status": (self.was, "open")})


@dataclass(frozen=True)
class TaskCreated(Event):
    task: model.Task

    def audit(self) -> Audit:
        return Audit("task", self.task.id, "created", described(self.task, TASK_CARD))


@dataclass(frozen=True)
class TaskCompleted(Event):
    task: model.Task
    changes: FieldChanges = field(default_factory=dict)

    def audit(self) -> Audit:
        return Audit("task", self.task.id, "done", self.changes)


@dataclass(frozen=True)
class TaskChanged(Event):
    """Changed, reassigned, commented on, archived or restored: the task as it is now."""

    task: model.Task
    changes: FieldChanges
    action: str = "updated"

    def audit(self) -> Audit:
        return Audit("task", self.task.id, self.action, self.changes)


@dataclass(frozen=True)
class ParticipantAdded(Event):
    participant: model.Participant

    def audit(self) -> Audit:
        p = self.participant
        card = ("deal_id", "counterparty_id", "role", "influence", "attitude", "note")
        return Audit("participant", p.id, "created", described(p, card))


@dataclass(frozen=True)
class ParticipantChanged(Event):
    """Changed, archived or restored: the participant as it is now."""

    participant: model.Participant
    changes: FieldChanges
    action: str = "updated"

    def audit(self) -> Audit:
        return Audit("participant", self.participant.id, self.action, self.changes)


@dataclass(frozen=True)
class PipelineCreated(Event):
    pipeline: model.Pipeline

    def audit(self) -> Audit:
        outline = self.pipeline.outline()
        return Audit("pipeline", self.pipeline.id, "created", from_nothing(outline))


@dataclass(frozen=True)
class PipelineChanged(Event):
    """Edited, archived or restored: the pipeline as it is now."""

    pipeline: model.Pipeline
    changes: FieldChanges = field(default_factory=dict)
    action: str = "updated"

    def audit(self) -> Audit:
        return Audit("pipeline", self.pipeline.id, self.action, self.changes)


DOCUMENT_CARD = ("title", "kind", "filename", "content_type", "size", "pipeline_id")


@dataclass(frozen=True)
class DocumentAdded(Event):
    document: model.Document

    def audit(self) -> Audit:
        return Audit(
            "document", self.document.id, "created", described(self.document, DOCUMENT_CARD)
        )


@dataclass(frozen=True)
class DocumentChanged(Event):
    """Archived or restored: the document as it is now."""

    document: model.Document
    changes: FieldChanges
    action: str

    def audit(self) -> Audit:
        return Audit("document", self.document.id, self.action, self.changes)


FILE_CARD = ("title", "filename", "content_type", "size", "sha256", "deal_id", "counterparty_id")


@dataclass(frozen=True)
class FileAttached(Event):
    file: model.File
    counterparty_id: str | None  # whose timeline it joins: its own, or its deal's counterparty

    def audit(self) -> Audit:
        return Audit("file", self.file.id, "created", described(self.file, FILE_CARD))


@dataclass(frozen=True)
class FileChanged(Event):
    """Retitled, archived or restored: the file as it is now."""

    file: model.File
    counterparty_id: str | None
    changes: FieldChanges
    action: str = "updated"

    def audit(self) -> Audit:
        return Audit("file", self.file.id, self.action, self.changes)


@dataclass(frozen=True)
class CampaignCreated(Event):
    campaign: model.Campaign

    def audit(self) -> Audit:
        c = self.campaign
        card = ("name", "channel", "cost", "currency", "start_date", "end_date")
        return Audit("campaign", c.id, "created", described(c, card))


@dataclass(frozen=True)
class CampaignChanged(Event):
    """Changed, archived or restored: the campaign as it is now."""

    campaign: model.Campaign
    changes: FieldChanges
    action: str = "updated"

    def audit(self) -> Audit:
        return Audit("campaign", self.campaign.id, self.action, self.changes)


@dataclass(frozen=True)
class CampaignResponseRecorded(Event):
    response: model.CampaignResponse

    def audit(self) -> Audit:
        card = described(self.response, RESPONSE_CARD)
        return Audit("campaign_response", self.response.id, "created", card)


@dataclass(frozen=True)
class CampaignResponseConverted(Event):
    response: model.CampaignResponse

    def audit(self) -> Audit:
        changes: FieldChanges = {"deal_id": (None, self.response.deal_id)}
        return Audit("campaign_response", self.response.id, "converted", changes)


@dataclass(frozen=True)
class CampaignResponseChanged(Event):
    """Corrected, archived or restored: the response as it is now."""

    response: model.CampaignResponse
    changes: FieldChanges
    action: str = "updated"

    def audit(self) -> Audit:
        return Audit("campaign_response", self.response.id, self.action, self.changes)


RESPONSE_CARD = ("campaign_id", "kind", "counterparty_id", "prospect_name", "prospect_email", "prospect_phone", "note")  # fmt: skip


@dataclass(frozen=True)
class ErpDocumentPosted(Event):
    """An order, invoice or shipment the ERP sent for the first time."""

    document: erp.ErpDocument


@dataclass(frozen=True)
class ErpDocumentUpdated(Event):
    document: erp.ErpDocument


@dataclass(frozen=True)
class InvoicePaid(Event):
    invoice: erp.ErpDocument


@dataclass(frozen=True)
class InvoiceOverdue(Event):
    invoice: erp.ErpDocument


@dataclass(frozen=True)
class EntryChanged(Event):
    """An entry of a catalogue the company keeps (a list item, a lost reason) was added, renamed,
    archived or restored: the entry as it is now."""

    entry: model.CatalogueEntry
    changes: FieldChanges
    action: str

    def audit(self) -> Audit:
        kind = "list_item" if isinstance(self.entry, model.ListItem) else "lost_reason"
        return Audit(kind, self.entry.id, self.action, self.changes)


@dataclass(frozen=True)
class CompanySettingsChanged(Event):
    """The company's settings changed (its time zone): as they are now."""

    settings: model.CompanySettings
    changes: FieldChanges

    def audit(self) -> Audit:
        return Audit("company_settings", self.settings.id, "updated", self.changes)
