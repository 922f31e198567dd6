"""The deals gRPC service: translates each call into one handler call and back."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

import grpc
from google.protobuf.message import Message

from crm.deals.v1 import deals_pb2 as pb
from crm.deals.v1 import deals_pb2_grpc as pb_grpc
from crmkit.errors import InvalidInput
from crmkit.identity import current_identity
from crmkit.paging import Page
from crmkit.protobuf import parse_date, parse_decimal
from services.deals.adapters import proto
from services.deals.adapters.repository import DealFilter, TaskFilter
from services.deals.bootstrap import Deals
from services.deals.domain import model
from services.deals.service_layer import campaigns, deals, erp, pipelines, reminders, tasks


def _page(request: pb.PageRequest) -> Page:
    return Page.of(request.page, request.page_size)


def _opt(message: Message, name: str) -> Any:
    return getattr(message, name) if message.HasField(name) else None


def _stages(message: pb.Pipeline) -> list[dict[str, Any]]:
    return [
        {
            "id": stage.id or None,
            "name": stage.name,
            "probability": stage.probability,
            "archived": stage.archived,
            "stall_after_days": _opt(stage, "stall_after_days"),
            "task_templates": [
                {
                    "title": t.title,
                    "due_in_days": t.due_in_days,
                    "assignee": t.assignee or model.DEAL_OWNER,
                }
                for t in stage.task_templates
            ],
        }
        for stage in message.stages
    ]


def _deal_fields(message: pb.Deal, names: Iterable[str]) -> dict[str, Any]:
    fields = {
        name: _opt(message, name)
        if message.DESCRIPTOR.fields_by_name[name].has_presence
        else getattr(message, name) or None
        for name in names
    }
    if "amount" in fields:
        fields["amount"] = parse_decimal(fields["amount"], "amount")
    if "expected_close_date" in fields:
        fields["expected_close_date"] = parse_date(
            fields["expected_close_date"], "expected_close_date"
        )
    return fields


class DealsServicer(pb_grpc.DealsServicer):
    def __init__(self, app: Deals) -> None:
        self.app = app

    def uow(self) -> Any:
        return self.app.uow()

    # pipelines and documents
    def CreatePipeline(self, request: pb.Pipeline, context: Any) -> pb.Pipeline:
        created = pipelines.create_pipeline(
            self.uow(), request.name, request.mode, _stages(request), current_identity()
        )
        return proto.pipeline_to_proto(created)

    def UpdatePipeline(self, request: pb.Pipeline, context: Any) -> pb.Pipeline:
        updated = pipelines.update_pipeline(
            self.uow(), request.id, request.name, request.mode, _stages(request), current_identity()
        )
        return proto.pipeline_to_proto(updated)

    def GetPipeline(self, request: pb.IdRequest, context: Any) -> pb.Pipeline:
        return proto.pipeline_to_proto(pipelines.get_pipeline(self.uow(), request.id))

    def ListPipelines(self, request: pb.PageRequest, context: Any) -> pb.PipelinePage:
        items, total = pipelines.list_pipelines(self.uow(), _page(request))
        return pb.PipelinePage(items=[proto.pipeline_to_proto(p) for p in items], total=total)

    def AddDocument(self, request: pb.Document, context: Any) -> pb.Document:
        document = model.Document(
            pipeline_id=request.pipeline_id,
            title=request.title,
            kind=request.kind,
            filename=request.filename or "document",
            content_type=request.content_type or "application/octet-stream",
            size=0,
            sha256="",
        )
        added = pipelines.add_document(
            self.uow(), self.app.files, document, request.content, current_identity()
        )
        return proto.document_to_proto(added)

    def ListDocuments(self, request: pb.ListByParentRequest, context: Any) -> pb.DocumentPage:
        items, total = pipelines.list_documents(self.uow(), request.parent_id, _page(request.page))
        return pb.DocumentPage(items=[proto.document_to_proto(d) for d in items], total=total)

    def GetDocument(self, request: pb.IdRequest, context: Any) -> pb.Document:
        document = pipelines.get_document(self.uow(), request.id)
        message = proto.document_to_proto(document)
        message.content = self.app.files.read(document.sha256)
        return message

    # deals
    def CreateDeal(self, request: pb.Deal, context: Any) -> pb.Deal:
        fields = _deal_fields(request, deals.DEAL_FIELDS)
        created = deals.create_deal(
            self.uow(), self.app.directory, request.pipeline_id, fields, current_identity()
        )
        return proto.deal_to_proto(created)

    def GetDeal(self, request: pb.IdRequest, context: Any) -> pb.Deal:
        return proto.deal_to_proto(deals.get_deal(self.uow(), request.id))

    def UpdateDeal(self, request: pb.UpdateDealRequest, context: Any) -> pb.Deal:
        paths = list(request.update_mask.paths)
        unknown = [p for p in paths if p not in (*deals.DEAL_FIELDS, "probability")]
        if unknown:
            raise InvalidInput.field(unknown[0], "cannot be changed")
        changes = _deal_fields(request.deal, [p for p in paths if p != "probability"])
        if "probability" in paths:
            changes["probability"] = _opt(request, "probability")
        updated = deals.update_deal(
            self.uow(), self.app.directory, request.id, changes, current_identity()
        )
        return proto.deal_to_proto(updated)

    def ListDeals(self, request: pb.ListDealsRequest, context: Any) -> pb.DealPage:
        names = ("pipeline_id", "stage_id", "status", "owner_id", "counterparty_id")
        wanted = DealFilter(
            **{name: _opt(request, name) for name in names},
            close_from=parse_date(_opt(request, "close_from"), "close_from"),
            close_to=parse_date(_opt(request, "close_to"), "close_to"),
            q=_opt(request, "q"),
        )
        items, total = deals.list_deals(self.uow(), wanted, _page(request.page))
        return pb.DealPage(items=[proto.deal_to_proto(d) for d in items], total=total)

    def MoveDeal(self, request: pb.MoveDealRequest, context: Any) -> pb.Deal:
        return proto.deal_to_proto(
            deals.move_deal(self.uow(), request.id, request.stage_id, current_identity())
        )

    def WinDeal(self, request: pb.IdRequest, context: Any) -> pb.Deal:
        return proto.deal_to_proto(deals.win_deal(self.uow(), request.id, current_identity()))

    def LoseDeal(self, request: pb.LoseDealRequest, context: Any) -> pb.Deal:
        lost = deals.lose_deal(
            self.uow(),
            request.id,
            request.reason_id,
            _opt(request, "competitor_id"),
            _opt(request, "comment"),
            current_identity(),
        )
        return proto.deal_to_proto(lost)

    def ReopenDeal(self, request: pb.IdRequest, context: Any) -> pb.Deal:
        return proto.deal_to_proto(deals.reopen_deal(self.uow(), request.id, current_identity()))

    def GetStageHistory(self, request: pb.IdRequest, context: Any) -> pb.StageHistory:
        visits = deals.stage_history(self.uow(), request.id)
        return pb.StageHistory(
            items=[
                proto.fill(pb.StageVisit(), v, ("stage_id", "entered_at", "left_at"))
                for v in visits
            ]
        )

    # environment
    def AddParticipant(self, request: pb.Participant, context: Any) -> pb.Participant:
        participant = model.Participant(
            deal_id=request.deal_id,
            counterparty_id=request.counterparty_id,
            role=request.role,
            influence=request.influence,
            attitude=request.attitude or "neutral",
            note=_opt(request, "note"),
        )
        added = deals.add_participant(
            self.uow(), self.app.directory, participant, current_identity()
        )
        return proto.participant_to_proto(added)

    def ListParticipants(self, request: pb.ListByParentRequest, context: Any) -> pb.ParticipantPage:
        items, total = deals.list_participants(self.uow(), request.parent_id, _page(request.page))
        return pb.ParticipantPage(items=[proto.participant_to_proto(p) for p in items], total=total)

    def LinkParticipants(self, request: pb.ParticipantLink, context: Any) -> pb.ParticipantLink:
        link = model.ParticipantLink(
            request.deal_id, request.from_participant_id, request.to_participant_id, request.kind
        )
        return proto.link_to_proto(deals.link_participants(self.uow(), link, current_identity()))

    def ListParticipantLinks(
        self, request: pb.ListByParentRequest, context: Any
    ) -> pb.ParticipantLinkPage:
        items, total = deals.list_links(self.uow(), request.parent_id, _page(request.page))
        return pb.ParticipantLinkPage(
            items=[proto.link_to_proto(link) for link in items], total=total
        )

    # tasks and planner
    def CreateTask(self, request: pb.Task, context: Any) -> pb.Task:
        due = parse_date(request.due_date, "due_date")
        if due is None:
            raise InvalidInput.field("due_date", "is required")
        task = model.Task(
            title=request.title,
            assignee_id=request.assignee_id,
            due_date=due,
            deal_id=_opt(request, "deal_id"),
            counterparty_id=_opt(request, "counterparty_id"),
            note=_opt(request, "note"),
        )
        return proto.task_to_proto(tasks.create_task(self.uow(), task, current_identity()))

    def CompleteTask(self, request: pb.IdRequest, context: Any) -> pb.Task:
        return proto.task_to_proto(tasks.complete_task(self.uow(), request.id, current_identity()))

    def GetTask(self, request: pb.IdRequest, context: Any) -> pb.Task:
        return proto.task_to_proto(tasks.get_task(self.uow(), request.id))

    def ListTasks(self, request: pb.ListTasksRequest, context: Any) -> pb.TaskPage:
        wanted = TaskFilter(
            assignee_ids=tuple(request.assignee_ids),
            status=_opt(request, "status"),
            due_to=parse_date(_opt(request, "due_to"), "due_to"),
            deal_id=_opt(request, "deal_id"),
            overdue_on=model.utcnow().date() if request.overdue else None,
        )
        items, total = tasks.list_tasks(self.uow(), wanted, _page(request.page))
        return pb.TaskPage(items=[proto.task_to_proto(t) for t in items], total=total)

    def GetPlanner(self, request: pb.PlannerRequest, context: Any) -> pb.Planner:
        first, last = parse_date(request.date_from, "from"), parse_date(request.date_to, "to")
        if first is None or last is None:
            raise InvalidInput.field("from" if first is None else "to", "is required")
        reply = pb.Planner(user_id=request.user_id)
        for day in tasks.planner(self.uow(), request.user_id, first, last):
            entry = reply.days.add(date=day.day.isoformat())
            entry.tasks.extend(proto.task_to_proto(t) for t in day.tasks)
            for i in day.interactions:
                planned = entry.interactions.add(
                    id=i.id,
                    counterparty_id=i.counterparty_id,
                    kind=i.kind,
                    subject=i.subject,
                    planned_at=i.planned_at.isoformat(),
                )
                if i.deal_id is not None:
                    planned.deal_id = i.deal_id
        return reply

    # lost reasons and campaigns
    def CreateLostReason(self, request: pb.LostReason, context: Any) -> pb.LostReason:
        reason = campaigns.create_lost_reason(
            self.uow(), request.name, request.kind, current_identity()
        )
        return pb.LostReason(id=reason.id, name=reason.name, kind=reason.kind)

    def ListLostReasons(
        self, request: pb.ListLostReasonsRequest, context: Any
    ) -> pb.LostReasonPage:
        items, total = campaigns.list_lost_reasons(
            self.uow(), _opt(request, "kind"), _page(request.page)
        )
        return pb.LostReasonPage(
            items=[pb.LostReason(id=r.id, name=r.name, kind=r.kind) for r in items], total=total
        )

    def CreateCampaign(self, request: pb.Campaign, context: Any) -> pb.Campaign:
        campaign = model.Campaign(
            name=request.name,
            channel=_opt(request, "channel"),
            cost=parse_decimal(_opt(request, "cost"), "cost"),
            currency=_opt(request, "currency"),
            start_date=parse_date(_opt(request, "start_date"), "start_date"),
            end_date=parse_date(_opt(request, "end_date"), "end_date"),
        )
        return proto.campaign_to_proto(
            campaigns.create_campaign(self.uow(), campaign, current_identity())
        )

    def ListCampaigns(self, request: pb.PageRequest, context: Any) -> pb.CampaignPage:
        items, total = campaigns.list_campaigns(self.uow(), _page(request))
        return pb.CampaignPage(items=[proto.campaign_to_proto(c) for c in items], total=total)

    def AddCampaignResponse(
        self, request: pb.CampaignResponse, context: Any
    ) -> pb.CampaignResponse:
        prospect = request.prospect if request.HasField("prospect") else None
        response = model.CampaignResponse(
            campaign_id=request.campaign_id,
            kind=request.kind,
            counterparty_id=_opt(request, "counterparty_id"),
            prospect_name=prospect.name if prospect else None,
            prospect_email=_opt(prospect, "email") if prospect else None,
            prospect_phone=_opt(prospect, "phone") if prospect else None,
            note=_opt(request, "note"),
        )
        added = campaigns.add_response(self.uow(), self.app.directory, response, current_identity())
        return proto.response_to_proto(added)

    def ListCampaignResponses(
        self, request: pb.ListByParentRequest, context: Any
    ) -> pb.CampaignResponsePage:
        items, total = campaigns.list_responses(self.uow(), request.parent_id, _page(request.page))
        return pb.CampaignResponsePage(
            items=[proto.response_to_proto(r) for r in items], total=total
        )

    def ConvertCampaignResponse(self, request: pb.ConvertRequest, context: Any) -> pb.Deal:
        deal = campaigns.convert_response(
            self.uow(),
            self.app.directory,
            request.response_id,
            _opt(request, "pipeline_id"),
            _opt(request, "title"),
            _opt(request, "owner_id"),
            current_identity(),
        )
        return proto.deal_to_proto(deal)

    # notifications and timeline
    def ListNotifications(
        self, request: pb.ListNotificationsRequest, context: Any
    ) -> pb.NotificationPage:
        items, total = reminders.list_notifications(
            self.uow(), request.user_id, request.unread_only, _page(request.page)
        )
        return pb.NotificationPage(
            items=[proto.notification_to_proto(n) for n in items], total=total
        )

    def MarkNotificationRead(
        self, request: pb.NotificationReadRequest, context: Any
    ) -> pb.Notification:
        return proto.notification_to_proto(
            reminders.mark_read(self.uow(), request.id, request.user_id)
        )

    def IngestErpDocuments(self, request: pb.ErpBatch, context: Any) -> pb.ErpBatchResult:
        outcomes = erp.ingest(
            self.uow(), self.app.directory, list(request.documents), current_identity()
        )
        return _erp_reply(outcomes)

    def ListErpDocuments(self, request: pb.ListErpRequest, context: Any) -> pb.ErpPage:
        rows, total = erp.list_documents(
            self.uow(),
            request.kind,
            _opt(request, "counterparty_id"),
            _opt(request, "deal_id"),
            parse_date(_opt(request, "date_from"), "date_from"),
            parse_date(_opt(request, "date_to"), "date_to"),
            _page(request.page),
        )
        return pb.ErpPage(items=[erp.document_message(row) for row in rows], total=total)

    def GetTimeline(self, request: pb.TimelineRequest, context: Any) -> pb.Timeline:
        rows = deals.timeline(
            self.uow(),
            _opt(request, "deal_id"),
            _opt(request, "counterparty_id"),
            list(request.exclude_kinds),
        )
        return pb.Timeline(
            items=[
                pb.TimelineEntry(
                    kind=r.kind,
                    at=r.at.isoformat(),
                    title=r.title,
                    ref_id=r.ref_id,
                    params=r.params,
                )
                for r in rows
            ]
        )


def _erp_reply(outcomes: list[erp.Outcome]) -> pb.ErpBatchResult:
    reply = pb.ErpBatchResult()
    for o in outcomes:
        result = reply.results.add(
            index=o.index, kind=o.kind, external_id=o.external_id, outcome=o.outcome, id=o.id
        )
        for error in o.errors:
            result.errors.add(field=error.field, message=error.message)
    return reply


def registrar(app: Deals) -> Callable[[grpc.Server], Iterable[str]]:
    def register(server: grpc.Server) -> Iterable[str]:
        pb_grpc.add_DealsServicer_to_server(DealsServicer(app), server)
        return [pb.DESCRIPTOR.services_by_name["Deals"].full_name]

    return register
