"""The one translation between the deals domain and its wire forms (protos/crm/deals and the
deals events): requests into commands and filters, domain objects and events into messages.
Every field is named here once per direction."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import fields as fields_of
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import TypeVar

from crm.deals.v1 import deals_pb2 as pb
from crm.events.v1 import deals_pb2 as wire_events
from crmkit.domain import Event
from crmkit.errors import FieldError, InvalidInput
from crmkit.paging import Before, history_size
from crmkit.protobuf import parse_date, parse_decimal, parse_time, sent_paths
from crmkit.unit_of_work import OutboundEvent
from services.deals.domain import commands, erp, events, model
from services.deals.domain.commands import NOT_SENT, NotSent
from services.deals.service_layer.unit_of_work import TimelineFact, TimelineQuery

T = TypeVar("T")


def _iso(value: date | datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def _decimal(value: Decimal | None) -> str | None:
    return str(value) if value is not None else None


# -- domain to wire ------------------------------------------------------------------------
def stage_to_proto(stage: model.Stage) -> pb.Stage:
    message = pb.Stage(
        id=stage.id,
        name=stage.name,
        probability=stage.probability,
        archived=stage.archived,
        position=stage.position,
        stall_after_days=stage.stall_after_days,
    )
    for template in stage.task_templates:
        message.task_templates.add(
            title=template["title"],
            due_in_days=int(template.get("due_in_days", 0)),
            assignee=template.get("assignee") or model.DEAL_OWNER,
        )
    return message


def pipeline_to_proto(pipeline: model.Pipeline) -> pb.Pipeline:
    message = pb.Pipeline(
        id=pipeline.id,
        name=pipeline.name,
        mode=pipeline.mode,
        created_at=pipeline.created_at.isoformat(),
        version=pipeline.version,
        archived_at=_iso(pipeline.archived_at),
    )
    message.stages.extend(
        stage_to_proto(stage) for stage in sorted(pipeline.stages, key=lambda s: s.position)
    )
    return message


def deal_to_proto(deal: model.Deal) -> pb.Deal:
    return pb.Deal(
        id=deal.id,
        title=deal.title,
        pipeline_id=deal.pipeline_id,
        counterparty_id=deal.counterparty_id,
        amount=_decimal(deal.amount),
        currency=deal.currency,
        expected_close_date=_iso(deal.expected_close_date),
        owner_id=deal.owner_id,
        campaign_id=deal.campaign_id,
        source_id=deal.source_id,
        stage_id=deal.stage_id,
        status=deal.status,
        probability=deal.probability,
        probability_manual=deal.probability_manual,
        created_at=deal.created_at.isoformat(),
        closed_at=_iso(deal.closed_at),
        lost_reason_id=deal.lost_reason_id,
        lost_to_competitor_id=deal.lost_to_competitor_id,
        lost_comment=deal.lost_comment,
        updated_at=deal.updated_at.isoformat(),
        win_probability=deal.win_probability,
        version=deal.version,
        archived_at=_iso(deal.archived_at),
    )


def stage_visit_to_proto(visit: model.StageVisit) -> pb.StageVisit:
    return pb.StageVisit(
        stage_id=visit.stage_id,
        entered_at=visit.entered_at.isoformat(),
        left_at=_iso(visit.left_at),
    )


def task_to_proto(task: model.Task) -> pb.Task:
    return pb.Task(
        id=task.id,
        title=task.title,
        assignee_id=task.assignee_id,
        due_date=task.due_date.isoformat(),
        status=task.status,
        deal_id=task.deal_id,
        counterparty_id=task.counterparty_id,
        stage_id=task.stage_id,
        created_at=task.created_at.isoformat(),
        completed_at=_iso(task.completed_at),
        note=task.note,
        version=task.version,
        archived_at=_iso(task.archived_at),
    )


def task_comment_to_proto(comment: model.TaskComment) -> pb.TaskComment:
    return pb.TaskComment(
        id=comment.id,
        task_id=comment.task_id,
        author_id=comment.author_id,
        text=comment.text,
        created_at=comment.created_at.isoformat(),
    )


def participant_to_proto(participant: model.Participant) -> pb.Participant:
    return pb.Participant(
        id=participant.id,
        deal_id=participant.deal_id,
        counterparty_id=participant.counterparty_id,
        role=participant.role,
        influence=participant.influence,
        attitude=participant.attitude,
        note=participant.note,
        version=participant.version,
        archived_at=_iso(participant.archived_at),
    )


def link_to_proto(link: model.ParticipantLink) -> pb.ParticipantLink:
    return pb.ParticipantLink(
        id=link.id,
        deal_id=link.deal_id,
        from_participant_id=link.from_participant_id,
        to_participant_id=link.to_participant_id,
        kind=link.kind,
    )


def lost_reason_to_proto(reason: model.LostReason) -> pb.LostReason:
    return pb.LostReason(
        id=reason.id,
        name=reason.name,
        kind=reason.kind,
        version=reason.version,
        archived_at=_iso(reason.archived_at),
    )


def company_settings_to_proto(settings: model.CompanySettings) -> pb.CompanySettings:
    return pb.CompanySettings(time_zone=settings.time_zone, version=settings.version)


def set_time_zone(request: pb.SetTimeZoneRequest) -> commands.SetTimeZone:
    expected = request.expected_version if request.HasField("expected_version") else None
    return commands.SetTimeZone(request.time_zone, expected)


def list_item_to_proto(item: model.ListItem) -> pb.ListItem:
    return pb.ListItem(
        id=item.id,
        list=item.list,
        name=item.name,
        version=item.version,
        archived_at=_iso(item.archived_at),
    )


def campaign_to_proto(campaign: model.Campaign) -> pb.Campaign:
    return pb.Campaign(
        id=campaign.id,
        name=campaign.name,
        channel=campaign.channel,
        cost=_decimal(campaign.cost),
        currency=campaign.currency,
        start_date=_iso(campaign.start_date),
        end_date=_iso(campaign.end_date),
        version=campaign.version,
        archived_at=_iso(campaign.archived_at),
    )


def response_to_proto(response: model.CampaignResponse) -> pb.CampaignResponse:
    prospect = None
    if response.prospect_name is not None:
        prospect = pb.Prospect(
            name=response.prospect_name,
            email=response.prospect_email,
            phone=response.prospect_phone,
        )
    return pb.CampaignResponse(
        id=response.id,
        campaign_id=response.campaign_id,
        counterparty_id=response.counterparty_id,
        prospect=prospect,
        kind=response.kind,
        note=response.note,
        deal_id=response.deal_id,
        created_at=response.created_at.isoformat(),
        version=response.version,
        archived_at=_iso(response.archived_at),
    )


def document_to_proto(document: model.Document) -> pb.Document:
    return pb.Document(
        id=document.id,
        pipeline_id=document.pipeline_id,
        title=document.title,
        kind=document.kind,
        filename=document.filename,
        content_type=document.content_type,
        size=document.size,
        sha256=document.sha256,
        created_at=document.created_at.isoformat(),
        version=document.version,
        archived_at=_iso(document.archived_at),
    )


def file_to_proto(file: model.File) -> pb.File:
    return pb.File(
        id=file.id,
        deal_id=file.deal_id,
        counterparty_id=file.counterparty_id,
        title=file.title,
        filename=file.filename,
        content_type=file.content_type,
        size=file.size,
        sha256=file.sha256,
        uploaded_by=file.uploaded_by,
        uploaded_at=file.uploaded_at.isoformat(),
        version=file.version,
        archived_at=_iso(file.archived_at),
    )


def _file_event(
    event_type: str, file: model.File, counterparty_id: str | None, action: str
) -> OutboundEvent:
    message = wire_events.FileChanged(
        file=file_to_proto(file), counterparty_id=counterparty_id, action=action
    )
    return OutboundEvent(event_type, file.id, message)


def erp_document_to_proto(document: erp.ErpDocument) -> pb.ErpDocument:
    """The event and list form of a stored document (its lines' figures computed here)."""
    fields = document.fields
    message = pb.ErpDocument(
        kind=document.kind,
        id=document.id,
        external_id=document.external_id,
        number=document.number,
        date=document.date.isoformat(),
        counterparty_id=document.counterparty_id,
        deal_id=fields.get("deal_id"),
        currency=fields.get("currency"),
        order_kind=fields.get("order_kind"),
        status=fields.get("status"),
        failure_reason_id=fields.get("failure_reason_id"),
        due_date=_iso(fields.get("due_date")),
        order_external_id=fields.get("order_external_id"),
        paid_at=_iso(fields.get("paid_at")),
        invoice_external_id=fields.get("invoice_external_id"),
        owner_id=document.owner_id,
        created_at=_iso(document.created_at) or "",
        updated_at=_iso(document.updated_at) or "",
    )
    for line in document.lines:
        message.lines.add(
            sku=line.sku,
            name=line.name,
            quantity=str(line.quantity),
            price=str(line.price),
            cost=str(line.cost),
            discount=str(line.discount),
            revenue=str(line.revenue),
            gross_profit=str(line.gross_profit),
        )
    return message


def erp_batch_result(outcomes: list[erp.Outcome]) -> pb.ErpBatchResult:
    reply = pb.ErpBatchResult()
    for o in outcomes:
        result = reply.results.add(
            index=o.index, kind=o.kind, external_id=o.external_id, outcome=o.outcome, id=o.id
        )
        for error in o.errors:
            result.errors.add(field=error.field, message=error.message)
    return reply


# -- events --------------------------------------------------------------------------------
def deal_dimensions(deal: model.Deal) -> dict[str, str]:
    """The deal's dimensions as analytics sees them: what its reports group and filter by.
    A deal field listed here reaches the funnel's filters and the deal outcomes report."""
    dimensions = {"owner": deal.owner_id, "campaign": deal.campaign_id, "source": deal.source_id}
    return {name: value for name, value in dimensions.items() if value is not None}


def _deal_event(event_type: str, deal: model.Deal) -> OutboundEvent:
    message = wire_events.DealChanged(deal=deal_to_proto(deal), dimensions=deal_dimensions(deal))
    return OutboundEvent(event_type, deal.id, message)


def _task_event(event_type: str, task: model.Task) -> OutboundEvent:
    return OutboundEvent(event_type, task.id, wire_events.TaskChanged(task=task_to_proto(task)))


def _pipeline_event(event_type: str, pipeline: model.Pipeline) -> OutboundEvent:
    message = wire_events.PipelineChanged(pipeline=pipeline_to_proto(pipeline))
    return OutboundEvent(event_type, pipeline.id, message)


def _response_event(event_type: str, response: model.CampaignResponse) -> OutboundEvent:
    message = wire_events.CampaignResponded(response=response_to_proto(response))
    return OutboundEvent(event_type, response.id, message)


def _erp_event(event_type: str, document: erp.ErpDocument) -> OutboundEvent:
    message = wire_events.ErpDocumentChanged(document=erp_document_to_proto(document))
    return OutboundEvent(event_type, document.id, message)


def _stage_changed(event: events.DealStageChanged) -> OutboundEvent:
    message = wire_events.DealStageChanged(
        deal=deal_to_proto(event.deal),
        from_stage_id=event.from_stage_id or "",
        to_stage_id=event.to_stage.id,
        to_stage_name=event.to_stage.name,
        automatic=event.automatic,
        at=event.at.isoformat(),
        dimensions=deal_dimensions(event.deal),
    )
    return OutboundEvent("deals.deal.stage_changed", event.deal.id, message)


def to_outbound(event: Event) -> OutboundEvent:
    """A domain event as it leaves through the outbox: its registered type and payload."""
    match event:
        case events.DealOpened(deal):
            return _deal_event("deals.deal.created", deal)
        case events.DealChanged(deal):
            return _deal_event("deals.deal.updated", deal)
        case events.DealWon(deal):
            return _deal_event("deals.deal.won", deal)
        case events.DealLost(deal):
            return _deal_event("deals.deal.lost", deal)
        case events.DealReopened(deal):
            return _deal_event("deals.deal.reopened", deal)
        case events.DealStageChanged():
            return _stage_changed(event)
        case events.TaskCreated(task):
            return _task_event("deals.task.created", task)
        case events.TaskCompleted(task):
            return _task_event("deals.task.completed", task)
        case events.TaskChanged(task):  # reassigned, commented on, archived, restored too
            return _task_event("deals.task.updated", task)
        case events.EntryChanged(model.ListItem() as item, _, action):
            item_out = wire_events.ListItemChanged(item=list_item_to_proto(item), action=action)
            return OutboundEvent("deals.list_item.changed", item.id, item_out)
        case events.EntryChanged(model.LostReason() as reason, _, action):
            reason_out = wire_events.LostReasonChanged(
                reason=lost_reason_to_proto(reason), action=action
            )
            return OutboundEvent("deals.lost_reason.changed", reason.id, reason_out)
        case events.CompanySettingsChanged(settings):
            settings_out = wire_events.CompanySettingsChanged(
                settings=company_settings_to_proto(settings)
            )
            return OutboundEvent("deals.company.settings_changed", settings.id, settings_out)
        case events.ParticipantAdded(participant):
            added = wire_events.ParticipantAdded(participant=participant_to_proto(participant))
            return OutboundEvent("deals.participant.added", participant.id, added)
        case events.ParticipantChanged(participant):  # archived and restored too
            now = wire_events.ParticipantAdded(participant=participant_to_proto(participant))
            return OutboundEvent("deals.participant.updated", participant.id, now)
        case events.DocumentAdded(document):
            message = wire_events.DocumentAdded(document=document_to_proto(document))
            return OutboundEvent("deals.document.added", document.id, message)
        case events.FileAttached(file, counterparty_id):
            return _file_event("deals.file.attached", file, counterparty_id, "attached")
        case events.FileChanged(file, counterparty_id, _, action):  # archived, restored too
            return _file_event("deals.file.updated", file, counterparty_id, action)
        case events.PipelineCreated(pipeline):
            return _pipeline_event("deals.pipeline.created", pipeline)
        case events.PipelineChanged(pipeline):  # archived and restored too
            return _pipeline_event("deals.pipeline.updated", pipeline)
        case events.DocumentChanged(document):  # archived and restored
            message = wire_events.DocumentAdded(document=document_to_proto(document))
            return OutboundEvent("deals.document.updated", document.id, message)
        case events.CampaignCreated(campaign):
            changed = wire_events.CampaignChanged(campaign=campaign_to_proto(campaign))
            return OutboundEvent("deals.campaign.created", campaign.id, changed)
        case events.CampaignChanged(campaign):  # archived and restored too
            campaign_now = wire_events.CampaignChanged(campaign=campaign_to_proto(campaign))
            return OutboundEvent("deals.campaign.updated", campaign.id, campaign_now)
        case events.CampaignResponseRecorded(response):
            return _response_event("deals.campaign.response", response)
        case events.CampaignResponseConverted(response):
            return _response_event("deals.campaign.response_converted", response)
        case events.CampaignResponseChanged(response):  # corrected, archived, restored
            return _response_event("deals.campaign.response_updated", response)
        case events.ErpDocumentPosted(document):
            return _erp_event(f"deals.{document.kind}.posted", document)
        case events.ErpDocumentUpdated(document):
            return _erp_event(f"deals.{document.kind}.updated", document)
        case events.InvoicePaid(invoice):
            return _erp_event("deals.invoice.paid", invoice)
        case events.InvoiceOverdue(invoice):
            return _erp_event("deals.invoice.overdue", invoice)
    raise TypeError(f"deals has no wire form for {type(event).__name__}")


# -- wire to domain ------------------------------------------------------------------------
def _given(present: bool, value: str) -> str | None:
    """An optional field's value; None when it was not sent."""
    return value if present else None


def _or_none(value: str) -> str | None:
    """A field without presence: empty is not given."""
    return value or None


def create_deal(request: pb.Deal) -> commands.CreateDeal:
    r = request
    return commands.CreateDeal(
        pipeline_id=r.pipeline_id,
        title=r.title,
        counterparty_id=r.counterparty_id,
        amount=parse_decimal(_given(r.HasField("amount"), r.amount), "amount"),
        currency=_given(r.HasField("currency"), r.currency),
        expected_close_date=parse_date(
            _given(r.HasField("expected_close_date"), r.expected_close_date),
            "expected_close_date",
        ),
        owner_id=_given(r.HasField("owner_id"), r.owner_id),
        campaign_id=_given(r.HasField("campaign_id"), r.campaign_id),
        source_id=_given(r.HasField("source_id"), r.source_id),
    )


EDITABLE = frozenset(field.name for field in fields_of(commands.DealChanges))
VersionedRequest = (
    pb.UpdateDealRequest
    | pb.UpdateResponseRequest
    | pb.UpdatePipelineRequest
    | pb.UpdateTaskRequest
    | pb.UpdateParticipantRequest
    | pb.UpdateCampaignRequest
    | pb.ArchiveRequest
    | pb.RenameRequest
    | pb.RetitleFileRequest
)
TASK_EDITABLE = frozenset(field.name for field in fields_of(commands.TaskChanges))


def change_deal(request: pb.UpdateDealRequest) -> commands.ChangeDeal:
    """The mask's paths are the fields sent; a path that names no editable field is refused."""
    paths = sent_paths(request.update_mask.paths, EDITABLE)
    d = request.deal

    def given(name: str, value: str | None) -> str | NotSent | None:
        return value if name in paths else NOT_SENT

    amount = d.amount if d.HasField("amount") else None
    close = d.expected_close_date if d.HasField("expected_close_date") else None
    probability = request.probability if request.HasField("probability") else None
    changes = commands.DealChanges(
        title=given("title", _or_none(d.title)),
        counterparty_id=given("counterparty_id", _or_none(d.counterparty_id)),
        amount=parse_decimal(amount, "amount") if "amount" in paths else NOT_SENT,
        currency=given("currency", _given(d.HasField("currency"), d.currency)),
        expected_close_date=(
            parse_date(close, "expected_close_date") if "expected_close_date" in paths else NOT_SENT
        ),
        owner_id=given("owner_id", _given(d.HasField("owner_id"), d.owner_id)),
        campaign_id=given("campaign_id", _given(d.HasField("campaign_id"), d.campaign_id)),
        source_id=given("source_id", _given(d.HasField("source_id"), d.source_id)),
        probability=probability if "probability" in paths else NOT_SENT,
    )
    return commands.ChangeDeal(request.id, changes, expected_version(request))


def expected_version(request: VersionedRequest) -> int | None:
    """The version the caller read (If-Match), if he said."""
    return request.expected_version if request.HasField("expected_version") else None


def change_task(request: pb.UpdateTaskRequest) -> commands.ChangeTask:
    paths = sent_paths(request.update_mask.paths, TASK_EDITABLE)
    t = request.task

    def given(name: str, value: str | None) -> str | NotSent | None:
        return value if name in paths else NOT_SENT

    due = parse_date(_or_none(t.due_date), "due_date") if "due_date" in paths else NOT_SENT
    changes = commands.TaskChanges(
        title=given("title", _or_none(t.title)),
        assignee_id=given("assignee_id", _or_none(t.assignee_id)),
        due_date=due,
        note=given("note", _given(t.HasField("note"), t.note)),
    )
    return commands.ChangeTask(request.id, changes, expected_version(request))


def deal_filter(request: pb.ListDealsRequest) -> model.DealFilter:
    r = request
    return model.DealFilter(
        pipeline_id=_given(r.HasField("pipeline_id"), r.pipeline_id),
        stage_id=_given(r.HasField("stage_id"), r.stage_id),
        status=_given(r.HasField("status"), r.status),
        owner_id=_given(r.HasField("owner_id"), r.owner_id),
        counterparty_id=_given(r.HasField("counterparty_id"), r.counterparty_id),
        campaign_id=_given(r.HasField("campaign_id"), r.campaign_id),
        source_id=_given(r.HasField("source_id"), r.source_id),
        close_from=parse_date(_given(r.HasField("close_from"), r.close_from), "close_from"),
        close_to=parse_date(_given(r.HasField("close_to"), r.close_to), "close_to"),
        q=_given(r.HasField("q"), r.q),
        archived=r.archived,
    )


def task_filter(request: pb.ListTasksRequest, today: date) -> model.TaskFilter:
    r = request
    return model.TaskFilter(
        assignee_ids=tuple(r.assignee_ids),
        status=_given(r.HasField("status"), r.status),
        due_to=parse_date(_given(r.HasField("due_to"), r.due_to), "due_to"),
        deal_id=_given(r.HasField("deal_id"), r.deal_id),
        overdue_on=today if r.overdue else None,
        archived=r.archived,
    )


def stages(request: pb.Pipeline) -> tuple[commands.StageSpec, ...]:
    return tuple(
        commands.StageSpec(
            id=stage.id or None,
            name=stage.name,
            probability=stage.probability,
            archived=stage.archived,
            stall_after_days=stage.stall_after_days if stage.HasField("stall_after_days") else None,
            task_templates=tuple(
                commands.TaskTemplate(
                    title=t.title,
                    due_in_days=t.due_in_days,
                    assignee=t.assignee or model.DEAL_OWNER,
                )
                for t in stage.task_templates
            ),
        )
        for stage in request.stages
    )


def add_document(request: pb.Document) -> commands.AddDocument:
    return commands.AddDocument(
        pipeline_id=request.pipeline_id,
        title=request.title,
        kind=request.kind,
        filename=request.filename or "document",
        content_type=request.content_type or "application/octet-stream",
        content=request.content,
    )


def attach_file(request: pb.File) -> commands.AttachFile:
    r = request
    return commands.AttachFile(
        deal_id=r.deal_id if r.HasField("deal_id") else None,
        counterparty_id=r.counterparty_id if r.HasField("counterparty_id") else None,
        title=_or_none(r.title),
        filename=r.filename or "file",
        content_type=r.content_type or "application/octet-stream",
        content=r.content,
    )


def retitle_file(request: pb.RetitleFileRequest) -> commands.RetitleFile:
    return commands.RetitleFile(request.id, request.title, expected_version(request))


def add_participant(request: pb.Participant) -> commands.AddParticipant:
    return commands.AddParticipant(
        deal_id=request.deal_id,
        counterparty_id=request.counterparty_id,
        role=request.role,
        influence=request.influence,
        attitude=request.attitude or "neutral",
        note=_given(request.HasField("note"), request.note),
    )


def link_participants(request: pb.ParticipantLink) -> commands.LinkParticipants:
    return commands.LinkParticipants(
        deal_id=request.deal_id,
        from_participant_id=request.from_participant_id,
        to_participant_id=request.to_participant_id,
        kind=request.kind,
    )


def create_task(request: pb.Task) -> commands.CreateTask:
    due = parse_date(request.due_date, "due_date")
    if due is None:
        raise InvalidInput.required("due_date")
    return commands.CreateTask(
        title=request.title,
        assignee_id=request.assignee_id,
        due_date=due,
        deal_id=_given(request.HasField("deal_id"), request.deal_id),
        counterparty_id=_given(request.HasField("counterparty_id"), request.counterparty_id),
        note=_given(request.HasField("note"), request.note),
    )


def create_campaign(request: pb.Campaign) -> commands.CreateCampaign:
    r = request
    return commands.CreateCampaign(
        name=r.name,
        channel=_given(r.HasField("channel"), r.channel),
        cost=parse_decimal(_given(r.HasField("cost"), r.cost), "cost"),
        currency=_given(r.HasField("currency"), r.currency),
        start_date=parse_date(_given(r.HasField("start_date"), r.start_date), "start_date"),
        end_date=parse_date(_given(r.HasField("end_date"), r.end_date), "end_date"),
    )


def record_campaign_response(request: pb.CampaignResponse) -> commands.RecordCampaignResponse:
    prospect = request.prospect if request.HasField("prospect") else None
    return commands.RecordCampaignResponse(
        campaign_id=request.campaign_id,
        kind=request.kind,
        counterparty_id=_given(request.HasField("counterparty_id"), request.counterparty_id),
        prospect_name=prospect.name if prospect else None,
        prospect_email=_given(prospect.HasField("email"), prospect.email) if prospect else None,
        prospect_phone=_given(prospect.HasField("phone"), prospect.phone) if prospect else None,
        note=_given(request.HasField("note"), request.note),
    )


def convert_campaign_response(request: pb.ConvertRequest) -> commands.ConvertCampaignResponse:
    r = request
    return commands.ConvertCampaignResponse(
        response_id=r.response_id,
        pipeline_id=_given(r.HasField("pipeline_id"), r.pipeline_id),
        title=_given(r.HasField("title"), r.title),
        owner_id=_given(r.HasField("owner_id"), r.owner_id),
    )


def erp_filter(request: pb.ListErpRequest) -> erp.ErpFilter:
    r = request
    return erp.ErpFilter(
        kind=r.kind,
        counterparty_id=_given(r.HasField("counterparty_id"), r.counterparty_id),
        deal_id=_given(r.HasField("deal_id"), r.deal_id),
        date_from=parse_date(_given(r.HasField("date_from"), r.date_from), "date_from"),
        date_to=parse_date(_given(r.HasField("date_to"), r.date_to), "date_to"),
    )


# -- ERP documents, read off the wire -----------------------------------------------------
def ingest_erp_batch(request: pb.ErpBatch) -> commands.IngestErpBatch:
    return commands.IngestErpBatch([received_erp_document(m) for m in request.documents])


def received_erp_document(message: pb.ErpDocument) -> commands.ReceivedErpDocument:
    """Read in the order its problems were always reported: kind, required fields, date, the
    kind's fields, counterparty, lines; the first problem found rejects it."""
    received = commands.ReceivedErpDocument(message.kind, message.external_id, None, None, [])
    try:
        when, fields = _erp_heading(message)
        received.reference = _counterparty_reference(message)
        lines = _erp_lines(message)
    except erp.DocumentRejected as rejected:
        received.errors = rejected.errors
        return received
    received.document = erp.ErpDocument(
        message.kind, message.external_id, message.number, when, "", fields, lines
    )
    return received


def _erp_heading(message: pb.ErpDocument) -> tuple[date, dict[str, object]]:
    if message.kind not in erp.KINDS:
        raise erp.DocumentRejected([FieldError("kind", "must be order, invoice or shipment")])
    required = (
        ("external_id", message.external_id),
        ("number", message.number),
        ("date", message.date),
    )
    missing = [FieldError(name, "is required", "required") for name, value in required if not value]
    if missing:
        raise erp.DocumentRejected(missing)
    when = _rejecting(parse_date, message.date, "date")
    assert when is not None
    return when, _erp_kind_fields(message)


def _rejecting(
    parse: Callable[[str | None, str], T | None], value: str | None, name: str
) -> T | None:
    try:
        return parse(value, name)
    except InvalidInput as error:
        raise erp.DocumentRejected(error.errors) from None


def _erp_kind_fields(m: pb.ErpDocument) -> dict[str, object]:
    common: dict[str, object] = {
        "deal_id": _given(m.HasField("deal_id"), m.deal_id),
        "currency": _given(m.HasField("currency"), m.currency),
    }
    if m.kind == "order":
        return common | {
            "order_kind": _given(m.HasField("order_kind"), m.order_kind) or "customer",
            "status": _given(m.HasField("status"), m.status) or "open",
            "failure_reason_id": _given(m.HasField("failure_reason"), m.failure_reason),
        }
    if m.kind == "invoice":
        due = _given(m.HasField("due_date"), m.due_date)
        paid = _given(m.HasField("paid_at"), m.paid_at)
        return common | {
            "due_date": _rejecting(parse_date, due, "due_date"),
            "order_external_id": _given(m.HasField("order_external_id"), m.order_external_id),
            "paid_at": _rejecting(parse_time, paid, "paid_at"),
            "status": _given(m.HasField("status"), m.status) or "posted",
        }
    return common | {
        "invoice_external_id": _given(m.HasField("invoice_external_id"), m.invoice_external_id)
    }


def _counterparty_reference(m: pb.ErpDocument) -> commands.CounterpartyReference:
    if m.HasField("counterparty_id"):
        return commands.CounterpartyReference("counterparty_id", "id", m.counterparty_id)
    if m.HasField("counterparty_tax_id"):
        return commands.CounterpartyReference(
            "counterparty_tax_id", "tax_id", m.counterparty_tax_id
        )
    if m.HasField("counterparty_external_id"):
        return commands.CounterpartyReference(
            "counterparty_external_id", "external_id", m.counterparty_external_id
        )
    message = "name the counterparty by id, tax id or external id"
    raise erp.DocumentRejected([FieldError("counterparty_id", message)])


def _erp_lines(message: pb.ErpDocument) -> list[erp.Line]:
    lines = []
    for index, line in enumerate(message.lines):
        try:
            quantity, price, cost, discount = (
                Decimal(v or "0") for v in (line.quantity, line.price, line.cost, line.discount)
            )
        except InvalidOperation:
            raise erp.DocumentRejected([_bad_amount(index, line)]) from None
        lines.append(erp.Line(line.sku, quantity, line.name, price, cost, discount))
    return lines


def _bad_amount(index: int, line: pb.ErpLine) -> FieldError:
    if not line.quantity:
        return FieldError(f"lines.{index}.quantity", "is required", "required")
    amounts = (
        ("quantity", line.quantity),
        ("price", line.price),
        ("cost", line.cost),
        ("discount", line.discount),
    )
    for name, value in amounts:
        try:
            parse_decimal(value or None, name)
        except InvalidInput:
            return FieldError(f"lines.{index}.{name}", f"must be a decimal number; got {value!r}")
    return FieldError(f"lines.{index}", "has an amount that is not a number")


def notification_to_proto(notification: model.Notification) -> pb.Notification:
    message = pb.Notification(
        id=notification.id,
        user_id=notification.user_id,
        kind=notification.kind,
        title=notification.title,
        ref_id=notification.ref_id,
        created_at=notification.created_at.isoformat(),
        params=notification.params,
    )
    if notification.read_at is not None:
        message.read_at = notification.read_at.isoformat()
    if notification.due_at is not None:
        message.due_at = notification.due_at.isoformat()
    return message


def timeline_query(request: pb.TimelineRequest) -> TimelineQuery:
    r = request
    return TimelineQuery(
        deal_id=_given(r.HasField("deal_id"), r.deal_id),
        counterparty_id=_given(r.HasField("counterparty_id"), r.counterparty_id),
        exclude_kinds=tuple(r.exclude_kinds),
        before=Before.asked(_given(r.HasField("before_at"), r.before_at), r.before_key),
        limit=history_size(r.limit),
    )


def timeline_to_proto(facts: Iterable[TimelineFact]) -> pb.Timeline:
    return pb.Timeline(
        items=[
            pb.TimelineEntry(
                kind=f.kind,
                at=f.at.isoformat(),
                title=f.title,
                ref_id=f.ref_id,
                params=f.params,
                key=f.event_id,
            )
            for f in facts
        ]
    )


PARTICIPANT_EDITABLE = frozenset(field.name for field in fields_of(commands.ParticipantChanges))


def change_participant(request: pb.UpdateParticipantRequest) -> commands.ChangeParticipant:
    paths = sent_paths(request.update_mask.paths, PARTICIPANT_EDITABLE)
    m = request.participant

    def given(name: str, value: T) -> T | NotSent:
        return value if name in paths else NOT_SENT

    changes = commands.ParticipantChanges(
        role=given("role", _or_none(m.role)),
        influence=given("influence", m.influence),
        attitude=given("attitude", _or_none(m.attitude)),
        note=given("note", _given(m.HasField("note"), m.note)),
    )
    return commands.ChangeParticipant(request.id, changes, expected_version(request))


CAMPAIGN_EDITABLE = frozenset(field.name for field in fields_of(commands.CampaignChanges))


RESPONSE_EDITABLE = frozenset(field.name for field in fields_of(commands.ResponseChanges))


def change_response(request: pb.UpdateResponseRequest) -> commands.ChangeCampaignResponse:
    paths = sent_paths(request.update_mask.paths, RESPONSE_EDITABLE)
    m = request.response
    changes = commands.ResponseChanges(
        kind=_or_none(m.kind) if "kind" in paths else NOT_SENT,
        note=_given(m.HasField("note"), m.note) if "note" in paths else NOT_SENT,
    )
    return commands.ChangeCampaignResponse(request.id, changes, expected_version(request))


def change_campaign(request: pb.UpdateCampaignRequest) -> commands.ChangeCampaign:
    paths = sent_paths(request.update_mask.paths, CAMPAIGN_EDITABLE)
    m = request.campaign

    def given(name: str, value: T) -> T | NotSent:
        return value if name in paths else NOT_SENT

    def optional(name: str, present: bool, value: str) -> str | NotSent | None:
        return given(name, _given(present, value))

    start = m.start_date if m.HasField("start_date") else None
    end = m.end_date if m.HasField("end_date") else None
    changes = commands.CampaignChanges(
        name=given("name", _or_none(m.name)),
        channel=optional("channel", m.HasField("channel"), m.channel),
        cost=given("cost", parse_decimal(_given(m.HasField("cost"), m.cost), "cost")),
        currency=optional("currency", m.HasField("currency"), m.currency),
        start_date=given("start_date", parse_date(start, "start_date")),
        end_date=given("end_date", parse_date(end, "end_date")),
    )
    return commands.ChangeCampaign(request.id, changes, expected_version(request))
