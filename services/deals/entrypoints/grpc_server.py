"""The deals gRPC service: each call is translated into one command or query (adapters/proto.py),
handled, and its result translated back."""

from __future__ import annotations

from collections.abc import Callable, Iterable

import grpc

from crm.deals.v1 import deals_pb2 as pb
from crm.deals.v1 import deals_pb2_grpc as pb_grpc
from crmkit.audit import register_audit_log
from crmkit.errors import InvalidInput
from crmkit.event_log import register_event_log
from crmkit.identity import current_identity
from crmkit.paging import Page
from crmkit.protobuf import parse_date
from services.deals.adapters import orm, proto
from services.deals.bootstrap import Deals
from services.deals.domain import commands, model
from services.deals.entrypoints import consumer
from services.deals.service_layer import (
    campaigns,
    company,
    deals,
    erp,
    files,
    lists,
    pipelines,
    reminders,
    tasks,
)
from services.deals.service_layer.unit_of_work import UnitOfWork

Context = grpc.ServicerContext


def _page(request: pb.PageRequest) -> Page:
    return Page.of(request.page, request.page_size)


class DealsServicer(pb_grpc.DealsServicer):
    def __init__(self, app: Deals) -> None:
        self.app = app

    def uow(self) -> UnitOfWork:
        return self.app.uow()

    # pipelines and documents
    def CreatePipeline(self, request: pb.Pipeline, context: Context) -> pb.Pipeline:
        command = commands.CreatePipeline(request.name, request.mode, proto.stages(request))
        created = pipelines.create_pipeline(command, self.uow(), current_identity())
        return proto.pipeline_to_proto(created)

    def UpdatePipeline(self, request: pb.UpdatePipelineRequest, context: Context) -> pb.Pipeline:
        wanted = request.pipeline
        command = commands.ChangePipeline(
            wanted.id,
            wanted.name,
            wanted.mode,
            proto.stages(wanted),
            proto.expected_version(request),
        )
        changed = pipelines.change_pipeline(command, self.uow(), current_identity())
        return proto.pipeline_to_proto(changed)

    def GetPipeline(self, request: pb.IdRequest, context: Context) -> pb.Pipeline:
        return proto.pipeline_to_proto(pipelines.get_pipeline(self.uow(), request.id))

    def ListPipelines(self, request: pb.ListRequest, context: Context) -> pb.PipelinePage:
        items, total = pipelines.list_pipelines(self.uow(), _page(request.page), request.archived)
        return pb.PipelinePage(items=[proto.pipeline_to_proto(p) for p in items], total=total)

    def ArchivePipeline(self, request: pb.ArchiveRequest, context: Context) -> pb.Empty:
        command = commands.ArchivePipeline(request.id, proto.expected_version(request))
        pipelines.archive_pipeline(command, self.uow(), current_identity())
        return pb.Empty()

    def RestorePipeline(self, request: pb.IdRequest, context: Context) -> pb.Pipeline:
        command = commands.ArchivePipeline(request.id, restore=True)
        restored = pipelines.archive_pipeline(command, self.uow(), current_identity())
        return proto.pipeline_to_proto(restored)

    def AddDocument(self, request: pb.Document, context: Context) -> pb.Document:
        added = pipelines.add_document(
            proto.add_document(request), self.uow(), self.app.files, current_identity()
        )
        return proto.document_to_proto(added)

    def ListDocuments(self, request: pb.ListByParentRequest, context: Context) -> pb.DocumentPage:
        page = _page(request.page)
        items, total = pipelines.list_documents(
            self.uow(), request.parent_id, page, request.archived
        )
        return pb.DocumentPage(items=[proto.document_to_proto(d) for d in items], total=total)

    def ArchiveDocument(self, request: pb.ArchiveRequest, context: Context) -> pb.Empty:
        command = commands.ArchiveDocument(request.id, proto.expected_version(request))
        pipelines.archive_document(command, self.uow(), current_identity())
        return pb.Empty()

    def RestoreDocument(self, request: pb.IdRequest, context: Context) -> pb.Document:
        command = commands.ArchiveDocument(request.id, restore=True)
        restored = pipelines.archive_document(command, self.uow(), current_identity())
        return proto.document_to_proto(restored)

    def GetDocument(self, request: pb.IdRequest, context: Context) -> pb.Document:
        document = pipelines.get_document(self.uow(), request.id)
        message = proto.document_to_proto(document)
        message.content = self.app.files.read(document.sha256)
        return message

    # files on deals and counterparties
    def AttachFile(self, request: pb.File, context: Context) -> pb.File:
        command = proto.attach_file(request)
        attached = files.attach_file(
            command, self.uow(), self.app.files, self.app.directory, current_identity()
        )
        return proto.file_to_proto(attached)

    def ListFiles(self, request: pb.ListFilesRequest, context: Context) -> pb.FilePage:
        deal_id = request.deal_id if request.HasField("deal_id") else None
        counterparty_id = request.counterparty_id if request.HasField("counterparty_id") else None
        page = _page(request.page)
        items, total = files.list_files(
            self.uow(), deal_id, counterparty_id, page, request.archived
        )
        return pb.FilePage(items=[proto.file_to_proto(f) for f in items], total=total)

    def GetFile(self, request: pb.IdRequest, context: Context) -> pb.File:
        return proto.file_to_proto(files.get_file(self.uow(), request.id))

    def GetFileContent(self, request: pb.IdRequest, context: Context) -> pb.File:
        file = files.get_file(self.uow(), request.id)
        message = proto.file_to_proto(file)
        message.content = self.app.files.read(file.sha256)
        return message

    def RetitleFile(self, request: pb.RetitleFileRequest, context: Context) -> pb.File:
        command = proto.retitle_file(request)
        return proto.file_to_proto(files.retitle_file(command, self.uow(), current_identity()))

    def ArchiveFile(self, request: pb.ArchiveRequest, context: Context) -> pb.Empty:
        command = commands.ArchiveFile(request.id, proto.expected_version(request))
        files.archive_file(command, self.uow(), current_identity())
        return pb.Empty()

    def RestoreFile(self, request: pb.IdRequest, context: Context) -> pb.File:
        command = commands.ArchiveFile(request.id, restore=True)
        return proto.file_to_proto(files.archive_file(command, self.uow(), current_identity()))

    # deals
    def CreateDeal(self, request: pb.Deal, context: Context) -> pb.Deal:
        created = deals.create_deal(
            proto.create_deal(request), self.uow(), self.app.directory, current_identity()
        )
        return proto.deal_to_proto(created)

    def GetDeal(self, request: pb.IdRequest, context: Context) -> pb.Deal:
        return proto.deal_to_proto(deals.get_deal(self.uow(), request.id))

    def UpdateDeal(self, request: pb.UpdateDealRequest, context: Context) -> pb.Deal:
        changed = deals.change_deal(
            proto.change_deal(request), self.uow(), self.app.directory, current_identity()
        )
        return proto.deal_to_proto(changed)

    def ListDeals(self, request: pb.ListDealsRequest, context: Context) -> pb.DealPage:
        wanted = proto.deal_filter(request)
        items, total = deals.list_deals(self.uow(), wanted, _page(request.page))
        return pb.DealPage(items=[proto.deal_to_proto(d) for d in items], total=total)

    def MoveDeal(self, request: pb.MoveDealRequest, context: Context) -> pb.Deal:
        command = commands.MoveDealToStage(request.id, request.stage_id)
        moved = deals.move_deal_to_stage(command, self.uow(), current_identity())
        return proto.deal_to_proto(moved)

    def WinDeal(self, request: pb.IdRequest, context: Context) -> pb.Deal:
        won = deals.win_deal(commands.WinDeal(request.id), self.uow(), current_identity())
        return proto.deal_to_proto(won)

    def LoseDeal(self, request: pb.LoseDealRequest, context: Context) -> pb.Deal:
        command = commands.LoseDeal(
            request.id,
            request.reason_id,
            request.competitor_id if request.HasField("competitor_id") else None,
            request.comment if request.HasField("comment") else None,
        )
        return proto.deal_to_proto(deals.lose_deal(command, self.uow(), current_identity()))

    def ReopenDeal(self, request: pb.IdRequest, context: Context) -> pb.Deal:
        command = commands.ReopenDeal(request.id)
        return proto.deal_to_proto(deals.reopen_deal(command, self.uow(), current_identity()))

    def ArchiveDeal(self, request: pb.ArchiveRequest, context: Context) -> pb.Empty:
        command = commands.ArchiveDeal(request.id, proto.expected_version(request))
        deals.archive_deal(command, self.uow(), current_identity())
        return pb.Empty()

    def RestoreDeal(self, request: pb.IdRequest, context: Context) -> pb.Deal:
        command = commands.ArchiveDeal(request.id, restore=True)
        return proto.deal_to_proto(deals.archive_deal(command, self.uow(), current_identity()))

    def GetStageHistory(self, request: pb.IdRequest, context: Context) -> pb.StageHistory:
        visits = deals.stage_history(self.uow(), request.id)
        return pb.StageHistory(items=[proto.stage_visit_to_proto(v) for v in visits])

    # environment
    def AddParticipant(self, request: pb.Participant, context: Context) -> pb.Participant:
        added = deals.add_participant(
            proto.add_participant(request), self.uow(), self.app.directory, current_identity()
        )
        return proto.participant_to_proto(added)

    def ListParticipants(
        self, request: pb.ListByParentRequest, context: Context
    ) -> pb.ParticipantPage:
        page = _page(request.page)
        items, total = deals.list_participants(
            self.uow(), request.parent_id, page, request.archived
        )
        return pb.ParticipantPage(items=[proto.participant_to_proto(p) for p in items], total=total)

    def UpdateParticipant(
        self, request: pb.UpdateParticipantRequest, context: Context
    ) -> pb.Participant:
        command = proto.change_participant(request)
        changed = deals.change_participant(command, self.uow(), current_identity())
        return proto.participant_to_proto(changed)

    def ArchiveParticipant(self, request: pb.ArchiveRequest, context: Context) -> pb.Empty:
        command = commands.ArchiveParticipant(request.id, proto.expected_version(request))
        deals.archive_participant(command, self.uow(), current_identity())
        return pb.Empty()

    def RestoreParticipant(self, request: pb.IdRequest, context: Context) -> pb.Participant:
        command = commands.ArchiveParticipant(request.id, restore=True)
        restored = deals.archive_participant(command, self.uow(), current_identity())
        return proto.participant_to_proto(restored)

    def LinkParticipants(self, request: pb.ParticipantLink, context: Context) -> pb.ParticipantLink:
        command = proto.link_participants(request)
        return proto.link_to_proto(deals.link_participants(command, self.uow(), current_identity()))

    def ListParticipantLinks(
        self, request: pb.ListByParentRequest, context: Context
    ) -> pb.ParticipantLinkPage:
        items, total = deals.list_links(self.uow(), request.parent_id, _page(request.page))
        return pb.ParticipantLinkPage(
            items=[proto.link_to_proto(link) for link in items], total=total
        )

    # tasks and planner
    def CreateTask(self, request: pb.Task, context: Context) -> pb.Task:
        created = tasks.create_task(proto.create_task(request), self.uow(), current_identity())
        return proto.task_to_proto(created)

    def CompleteTask(self, request: pb.IdRequest, context: Context) -> pb.Task:
        command = commands.CompleteTask(request.id)
        return proto.task_to_proto(tasks.complete_task(command, self.uow(), current_identity()))

    def GetTask(self, request: pb.IdRequest, context: Context) -> pb.Task:
        return proto.task_to_proto(tasks.get_task(self.uow(), request.id))

    def UpdateTask(self, request: pb.UpdateTaskRequest, context: Context) -> pb.Task:
        command = proto.change_task(request)
        return proto.task_to_proto(tasks.change_task(command, self.uow(), current_identity()))

    def ArchiveTask(self, request: pb.ArchiveRequest, context: Context) -> pb.Empty:
        command = commands.ArchiveTask(request.id, proto.expected_version(request))
        tasks.archive_task(command, self.uow(), current_identity())
        return pb.Empty()

    def RestoreTask(self, request: pb.IdRequest, context: Context) -> pb.Task:
        command = commands.RestoreTask(request.id)
        return proto.task_to_proto(tasks.restore_task(command, self.uow(), current_identity()))

    def CommentOnTask(self, request: pb.TaskComment, context: Context) -> pb.TaskComment:
        command = commands.CommentOnTask(request.task_id, request.text)
        comment = tasks.comment_on_task(command, self.uow(), current_identity())
        return proto.task_comment_to_proto(comment)

    def ListTaskComments(
        self, request: pb.ListTaskCommentsRequest, context: Context
    ) -> pb.TaskCommentPage:
        items, total = tasks.list_comments(self.uow(), request.task_id, _page(request.page))
        return pb.TaskCommentPage(
            items=[proto.task_comment_to_proto(c) for c in items], total=total
        )

    def ListTasks(self, request: pb.ListTasksRequest, context: Context) -> pb.TaskPage:
        wanted = proto.task_filter(request, company.today(self.uow()))
        items, total = tasks.list_tasks(self.uow(), wanted, _page(request.page))
        return pb.TaskPage(items=[proto.task_to_proto(t) for t in items], total=total)

    def GetPlanner(self, request: pb.PlannerRequest, context: Context) -> pb.Planner:
        first, last = parse_date(request.date_from, "from"), parse_date(request.date_to, "to")
        if first is None or last is None:
            raise InvalidInput.required("from" if first is None else "to")
        reply = pb.Planner(user_id=request.user_id)
        zone = request.time_zone or None
        for day in tasks.planner(self.uow(), request.user_id, first, last, zone):
            entry = reply.days.add(date=day.day.isoformat())
            entry.tasks.extend(proto.task_to_proto(t) for t in day.tasks)
            for i in day.interactions:
                entry.interactions.add(
                    id=i.id,
                    counterparty_id=i.counterparty_id,
                    kind=i.kind,
                    subject=i.subject,
                    planned_at=i.planned_at.isoformat(),
                    deal_id=i.deal_id,
                )
        return reply

    # lost reasons and campaigns
    def CreateLostReason(self, request: pb.LostReason, context: Context) -> pb.LostReason:
        command = commands.CreateLostReason(request.name, request.kind)
        reason = campaigns.create_lost_reason(command, self.uow(), current_identity())
        return proto.lost_reason_to_proto(reason)

    def ListLostReasons(
        self, request: pb.ListLostReasonsRequest, context: Context
    ) -> pb.LostReasonPage:
        kind = request.kind if request.HasField("kind") else None
        page = _page(request.page)
        items, total = campaigns.list_lost_reasons(self.uow(), kind, page, request.archived)
        return pb.LostReasonPage(items=[proto.lost_reason_to_proto(r) for r in items], total=total)

    def AddListItem(self, request: pb.ListItem, context: Context) -> pb.ListItem:
        command = commands.AddListItem(request.list, request.name)
        item = lists.add_list_item(command, self.uow(), current_identity())
        return proto.list_item_to_proto(item)

    def ListListItems(self, request: pb.ListItemsRequest, context: Context) -> pb.ListItemPage:
        page = _page(request.page)
        items, total = lists.list_items(self.uow(), request.list, page, request.archived)
        return pb.ListItemPage(items=[proto.list_item_to_proto(i) for i in items], total=total)

    # every catalogue's entries: renamed, archived, restored
    def _rename(self, catalogue: str, request: pb.RenameRequest) -> model.CatalogueEntry:
        command = commands.RenameEntry(
            catalogue, request.id, request.name, proto.expected_version(request)
        )
        return lists.rename_entry(command, self.uow(), current_identity())

    def _archive(self, catalogue: str, request: pb.ArchiveRequest) -> pb.Empty:
        command = commands.ArchiveEntry(catalogue, request.id, proto.expected_version(request))
        lists.archive_entry(command, self.uow(), current_identity())
        return pb.Empty()

    def _restore(self, catalogue: str, request: pb.IdRequest) -> model.CatalogueEntry:
        command = commands.RestoreEntry(catalogue, request.id)
        return lists.restore_entry(command, self.uow(), current_identity())

    def GetListItem(self, request: pb.IdRequest, context: Context) -> pb.ListItem:
        return proto.list_item_to_proto(_item(lists.get_entry(self.uow(), "list_item", request.id)))

    def RenameListItem(self, request: pb.RenameRequest, context: Context) -> pb.ListItem:
        return proto.list_item_to_proto(_item(self._rename("list_item", request)))

    def ArchiveListItem(self, request: pb.ArchiveRequest, context: Context) -> pb.Empty:
        return self._archive("list_item", request)

    def RestoreListItem(self, request: pb.IdRequest, context: Context) -> pb.ListItem:
        return proto.list_item_to_proto(_item(self._restore("list_item", request)))

    def GetLostReason(self, request: pb.IdRequest, context: Context) -> pb.LostReason:
        entry = lists.get_entry(self.uow(), "lost_reason", request.id)
        return proto.lost_reason_to_proto(_reason(entry))

    def RenameLostReason(self, request: pb.RenameRequest, context: Context) -> pb.LostReason:
        return proto.lost_reason_to_proto(_reason(self._rename("lost_reason", request)))

    def ArchiveLostReason(self, request: pb.ArchiveRequest, context: Context) -> pb.Empty:
        return self._archive("lost_reason", request)

    def RestoreLostReason(self, request: pb.IdRequest, context: Context) -> pb.LostReason:
        return proto.lost_reason_to_proto(_reason(self._restore("lost_reason", request)))

    def CreateCampaign(self, request: pb.Campaign, context: Context) -> pb.Campaign:
        command = proto.create_campaign(request)
        created = campaigns.create_campaign(command, self.uow(), current_identity())
        return proto.campaign_to_proto(created)

    def ListCampaigns(self, request: pb.ListCampaignsRequest, context: Context) -> pb.CampaignPage:
        page = _page(request.page)
        items, total = campaigns.list_campaigns(self.uow(), page, request.archived)
        return pb.CampaignPage(items=[proto.campaign_to_proto(c) for c in items], total=total)

    def GetCampaign(self, request: pb.IdRequest, context: Context) -> pb.Campaign:
        return proto.campaign_to_proto(campaigns.get_campaign(self.uow(), request.id))

    def UpdateCampaign(self, request: pb.UpdateCampaignRequest, context: Context) -> pb.Campaign:
        command = proto.change_campaign(request)
        changed = campaigns.change_campaign(command, self.uow(), current_identity())
        return proto.campaign_to_proto(changed)

    def ArchiveCampaign(self, request: pb.ArchiveRequest, context: Context) -> pb.Empty:
        command = commands.ArchiveCampaign(request.id, proto.expected_version(request))
        campaigns.archive_campaign(command, self.uow(), current_identity())
        return pb.Empty()

    def RestoreCampaign(self, request: pb.IdRequest, context: Context) -> pb.Campaign:
        command = commands.ArchiveCampaign(request.id, restore=True)
        restored = campaigns.archive_campaign(command, self.uow(), current_identity())
        return proto.campaign_to_proto(restored)

    def AddCampaignResponse(
        self, request: pb.CampaignResponse, context: Context
    ) -> pb.CampaignResponse:
        added = campaigns.record_campaign_response(
            proto.record_campaign_response(request),
            self.uow(),
            self.app.directory,
            current_identity(),
        )
        return proto.response_to_proto(added)

    def ListCampaignResponses(
        self, request: pb.ListByParentRequest, context: Context
    ) -> pb.CampaignResponsePage:
        page = _page(request.page)
        items, total = campaigns.list_responses(
            self.uow(), request.parent_id, page, request.archived
        )
        return pb.CampaignResponsePage(
            items=[proto.response_to_proto(r) for r in items], total=total
        )

    def UpdateCampaignResponse(
        self, request: pb.UpdateResponseRequest, context: Context
    ) -> pb.CampaignResponse:
        command = proto.change_response(request)
        changed = campaigns.change_campaign_response(command, self.uow(), current_identity())
        return proto.response_to_proto(changed)

    def ArchiveCampaignResponse(self, request: pb.ArchiveRequest, context: Context) -> pb.Empty:
        command = commands.ArchiveCampaignResponse(request.id, proto.expected_version(request))
        campaigns.archive_campaign_response(command, self.uow(), current_identity())
        return pb.Empty()

    def RestoreCampaignResponse(
        self, request: pb.IdRequest, context: Context
    ) -> pb.CampaignResponse:
        command = commands.ArchiveCampaignResponse(request.id, restore=True)
        restored = campaigns.archive_campaign_response(command, self.uow(), current_identity())
        return proto.response_to_proto(restored)

    def ConvertCampaignResponse(self, request: pb.ConvertRequest, context: Context) -> pb.Deal:
        deal = campaigns.convert_campaign_response(
            proto.convert_campaign_response(request),
            self.uow(),
            self.app.directory,
            current_identity(),
        )
        return proto.deal_to_proto(deal)

    # notifications and timeline
    def ListNotifications(
        self, request: pb.ListNotificationsRequest, context: Context
    ) -> pb.NotificationPage:
        items, total = reminders.list_notifications(
            self.uow(), request.user_id, request.unread_only, _page(request.page)
        )
        return pb.NotificationPage(
            items=[proto.notification_to_proto(n) for n in items], total=total
        )

    def MarkNotificationRead(
        self, request: pb.NotificationReadRequest, context: Context
    ) -> pb.Notification:
        return proto.notification_to_proto(
            reminders.mark_read(self.uow(), request.id, request.user_id)
        )

    # the company's settings
    def GetCompanySettings(self, request: pb.Empty, context: Context) -> pb.CompanySettings:
        return proto.company_settings_to_proto(company.company_settings(self.uow()))

    def SetCompanyTimeZone(
        self, request: pb.SetTimeZoneRequest, context: Context
    ) -> pb.CompanySettings:
        changed = company.set_time_zone(
            proto.set_time_zone(request), self.uow(), current_identity()
        )
        return proto.company_settings_to_proto(changed)

    def MarkAllNotificationsRead(self, request: pb.AllReadRequest, context: Context) -> pb.AllRead:
        return pb.AllRead(marked=reminders.mark_all_read(self.uow(), request.user_id))

    def IngestErpDocuments(self, request: pb.ErpBatch, context: Context) -> pb.ErpBatchResult:
        outcomes = erp.ingest(
            proto.ingest_erp_batch(request), self.uow(), self.app.directory, current_identity()
        )
        return proto.erp_batch_result(outcomes)

    def ListErpDocuments(self, request: pb.ListErpRequest, context: Context) -> pb.ErpPage:
        documents, total = erp.list_documents(
            self.uow(), proto.erp_filter(request), _page(request.page)
        )
        return pb.ErpPage(items=[proto.erp_document_to_proto(d) for d in documents], total=total)

    def GetTimeline(self, request: pb.TimelineRequest, context: Context) -> pb.Timeline:
        return proto.timeline_to_proto(deals.timeline(self.uow(), proto.timeline_query(request)))


def _item(entry: model.CatalogueEntry) -> model.ListItem:
    assert isinstance(entry, model.ListItem)
    return entry


def _reason(entry: model.CatalogueEntry) -> model.LostReason:
    assert isinstance(entry, model.LostReason)
    return entry


def registrar(app: Deals) -> Callable[[grpc.Server], Iterable[str]]:
    def register(server: grpc.Server) -> Iterable[str]:
        pb_grpc.add_DealsServicer_to_server(DealsServicer(app), server)
        log = register_event_log(server, app.engine, orm.outbox, consumer.QUEUE.bindings)
        audit_log = register_audit_log(server, app.engine, orm.audit)
        return [pb.DESCRIPTOR.services_by_name["Deals"].full_name, log, audit_log]

    return register
