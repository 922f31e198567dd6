"""Translation between the deals domain and the protobuf contract in protos/crm/deals."""

from __future__ import annotations

from google.protobuf.message import Message

from crm.deals.v1 import deals_pb2 as pb
from crmkit.protobuf import as_text
from services.deals.domain import model


def fill(message: Message, source: object, names: tuple[str, ...]) -> Message:
    """Copies attributes that are set; scalars keep their type, the rest become text."""
    for name in names:
        value = getattr(source, name)
        if value is None:
            continue
        setattr(message, name, value if isinstance(value, bool | int | float) else as_text(value))
    return message


def stage_to_proto(stage: model.Stage) -> pb.Stage:
    message = pb.Stage(
        id=stage.id,
        name=stage.name,
        probability=stage.probability,
        archived=stage.archived,
        position=stage.position,
    )
    if stage.stall_after_days is not None:
        message.stall_after_days = stage.stall_after_days
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
    )
    message.stages.extend(
        stage_to_proto(stage) for stage in sorted(pipeline.stages, key=lambda s: s.position)
    )
    return message


DEAL_FIELDS = (
    "id", "title", "pipeline_id", "counterparty_id", "amount", "currency", "expected_close_date",
    "owner_id", "campaign_id", "stage_id", "status", "probability", "probability_manual",
    "created_at", "closed_at", "lost_reason_id", "lost_to_competitor_id", "lost_comment", "updated_at",
    "win_probability",
)  # fmt: skip


def deal_to_proto(deal: model.Deal) -> pb.Deal:
    return fill(pb.Deal(), deal, DEAL_FIELDS)  # type: ignore[return-value]


TASK_FIELDS = (
    "id", "title", "assignee_id", "due_date", "status", "deal_id", "counterparty_id", "stage_id",
    "created_at", "completed_at", "note",
)  # fmt: skip


def task_to_proto(task: model.Task) -> pb.Task:
    return fill(pb.Task(), task, TASK_FIELDS)  # type: ignore[return-value]


def participant_to_proto(participant: model.Participant) -> pb.Participant:
    names = ("id", "deal_id", "counterparty_id", "role", "influence", "attitude", "note")
    return fill(pb.Participant(), participant, names)  # type: ignore[return-value]


def link_to_proto(link: model.ParticipantLink) -> pb.ParticipantLink:
    names = ("id", "deal_id", "from_participant_id", "to_participant_id", "kind")
    return fill(pb.ParticipantLink(), link, names)  # type: ignore[return-value]


def campaign_to_proto(campaign: model.Campaign) -> pb.Campaign:
    names = ("id", "name", "channel", "cost", "currency", "start_date", "end_date")
    return fill(pb.Campaign(), campaign, names)  # type: ignore[return-value]


def response_to_proto(response: model.CampaignResponse) -> pb.CampaignResponse:
    names = ("id", "campaign_id", "counterparty_id", "kind", "note", "deal_id", "created_at")
    message = fill(pb.CampaignResponse(), response, names)
    if response.prospect_name is not None:
        prospect = message.prospect  # type: ignore[attr-defined]
        prospect.name = response.prospect_name
        if response.prospect_email is not None:
            prospect.email = response.prospect_email
        if response.prospect_phone is not None:
            prospect.phone = response.prospect_phone
    return message  # type: ignore[return-value]


def document_to_proto(document: model.Document) -> pb.Document:
    names = (
        "id",
        "pipeline_id",
        "title",
        "kind",
        "filename",
        "content_type",
        "size",
        "sha256",
        "created_at",
    )
    return fill(pb.Document(), document, names)  # type: ignore[return-value]


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
