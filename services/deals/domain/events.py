"""What happened in the deals service, for the rest of the suite to hear. Each carries the
domain object as it is when the event is published; `adapters/proto.py` gives each its wire
type and payload."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from crmkit.domain import Event
from services.deals.domain import erp, model


@dataclass(frozen=True)
class DealOpened(Event):
    deal: model.Deal


@dataclass(frozen=True)
class DealChanged(Event):
    deal: model.Deal


@dataclass(frozen=True)
class DealStageChanged(Event):
    deal: model.Deal
    from_stage_id: str | None  # None: the deal's first stage
    to_stage: model.Stage
    automatic: bool  # moved by the business process, not by hand
    at: datetime


@dataclass(frozen=True)
class DealWon(Event):
    deal: model.Deal


@dataclass(frozen=True)
class DealLost(Event):
    deal: model.Deal


@dataclass(frozen=True)
class DealReopened(Event):
    deal: model.Deal


@dataclass(frozen=True)
class TaskCreated(Event):
    task: model.Task


@dataclass(frozen=True)
class TaskCompleted(Event):
    task: model.Task


@dataclass(frozen=True)
class ParticipantAdded(Event):
    participant: model.Participant


@dataclass(frozen=True)
class PipelineCreated(Event):
    pipeline: model.Pipeline


@dataclass(frozen=True)
class PipelineChanged(Event):
    pipeline: model.Pipeline


@dataclass(frozen=True)
class DocumentAdded(Event):
    document: model.Document


@dataclass(frozen=True)
class CampaignCreated(Event):
    campaign: model.Campaign


@dataclass(frozen=True)
class CampaignResponseRecorded(Event):
    response: model.CampaignResponse


@dataclass(frozen=True)
class CampaignResponseConverted(Event):
    response: model.CampaignResponse


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
