"""Tasks, the planner and notifications."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response

from crm.deals.v1 import deals_pb2 as pb
from crm.deals.v1.deals_pb2_grpc import DealsStub
from crmkit.identity import current_identity
from gateway import accounts
from gateway.api import spec
from gateway.api.convert import from_message, page_of, page_request, patch_of, set_present
from gateway.api.owners import check_owner
from gateway.api.render import created
from gateway.api.visibility import planner_owner, visible_assignees
from gateway.context import gateway
from gateway.errors import ApiError
from gateway.schemas import deals as s
from gateway.schemas.common import PageQuery
from gateway.versions import expected_version

bp = Blueprint("tasks", __name__)
AREA = "deals"


def _deals() -> DealsStub:
    return gateway().clients.deals


@spec.route(
    bp,
    "/tasks",
    "POST",
    summary="Give someone a task",
    body=s.TaskIn,
    response=s.Task,
    status=201,
    area=AREA,
    write=True,
    idempotent=True,
)
def create_task(body: s.TaskIn) -> Response:
    check_owner(body.assignee_id, "assignee_id")
    reply = _deals().CreateTask(set_present(pb.Task(), body.model_dump()))
    return created(from_message(s.Task, reply), f"/api/v1/tasks/{reply.id}")


@spec.route(
    bp,
    "/tasks",
    "GET",
    summary="Tasks: your own and your subordinates' (directors and admins: everyone's)",
    query=s.TaskQuery,
    response=s.TaskPage,
    area=AREA,
)
def list_tasks(query: s.TaskQuery) -> dict[str, Any]:
    wanted = {"status": query.status, "due_to": query.due_to, "deal_id": query.deal_id}
    page = page_request(query, pb.PageRequest)
    request = set_present(
        pb.ListTasksRequest(page=page, overdue=query.overdue, archived=query.archived), wanted
    )
    request.assignee_ids.extend(visible_assignees(query.assignee_id))
    return page_of(s.Task, _deals().ListTasks(request), query)


@spec.route(bp, "/tasks/<task_id>", "GET", summary="One task", response=s.Task, area=AREA)
def get_task(task_id: str) -> s.Task:
    return visible_task(task_id)


def visible_task(task_id: str) -> s.Task:
    """A task whose assignee the caller may not see does not exist for them."""
    task = from_message(s.Task, _deals().GetTask(pb.IdRequest(id=task_id)))
    try:
        visible_assignees(task.assignee_id)
    except ApiError:
        raise ApiError(404, f"task {task_id!r} does not exist") from None
    return task


@spec.route(
    bp,
    "/tasks/<task_id>/complete",
    "POST",
    summary="Mark a task done (in a business process this may move the deal on)",
    body=s.Empty,
    body_optional=True,
    response=s.Task,
    area=AREA,
    write=True,
)
def complete_task(task_id: str, body: s.Empty) -> s.Task:
    visible_task(task_id)
    return from_message(s.Task, _deals().CompleteTask(pb.IdRequest(id=task_id)))


@spec.route(
    bp,
    "/tasks/<task_id>",
    "PATCH",
    summary="Change a task: its title, note or due date; a new assignee reassigns it",
    body=s.TaskPatch,
    response=s.Task,
    area=AREA,
    write=True,
    versioned=True,
)
def update_task(task_id: str, body: s.TaskPatch) -> s.Task:
    visible_task(task_id)
    if "assignee_id" in body.model_fields_set:
        check_owner(body.assignee_id, "assignee_id")
    task, mask = patch_of(body, pb.Task())
    request = pb.UpdateTaskRequest(
        id=task_id, task=task, update_mask=mask, expected_version=expected_version()
    )
    return from_message(s.Task, _deals().UpdateTask(request))


@spec.route(
    bp,
    "/tasks/<task_id>",
    "DELETE",
    summary="Archive a task: it leaves the lists, the planner and the timelines",
    area=AREA,
    write=True,
    versioned=True,
)
def archive_task(task_id: str) -> None:
    visible_task(task_id)
    _deals().ArchiveTask(pb.ArchiveRequest(id=task_id, expected_version=expected_version()))


@spec.route(
    bp,
    "/tasks/<task_id>/restore",
    "POST",
    summary="Bring an archived task back",
    response=s.Task,
    area=AREA,
    write=True,
)
def restore_task(task_id: str) -> s.Task:
    visible_task(task_id)
    return from_message(s.Task, _deals().RestoreTask(pb.IdRequest(id=task_id)))


@spec.route(
    bp,
    "/tasks/<task_id>/comments",
    "POST",
    summary="Say something on a task",
    body=s.TaskCommentIn,
    response=s.TaskComment,
    status=201,
    area=AREA,
    write=True,
    idempotent=True,
)
def comment_on_task(task_id: str, body: s.TaskCommentIn) -> Response:
    visible_task(task_id)
    reply = _deals().CommentOnTask(pb.TaskComment(task_id=task_id, text=body.text))
    return created(from_message(s.TaskComment, reply), f"/api/v1/tasks/{task_id}/comments")


@spec.route(
    bp,
    "/tasks/<task_id>/comments",
    "GET",
    summary="What was said on a task, oldest first",
    query=PageQuery,
    response=s.TaskCommentPage,
    area=AREA,
)
def list_task_comments(task_id: str, query: PageQuery) -> dict[str, Any]:
    visible_task(task_id)
    request = pb.ListTaskCommentsRequest(task_id=task_id, page=page_request(query, pb.PageRequest))
    return page_of(s.TaskComment, _deals().ListTaskComments(request), query)


@spec.route(
    bp,
    "/planner",
    "GET",
    summary="A user's tasks and planned interactions by day; a supervisor may ask for a subordinate",
    query=s.PlannerQuery,
    response=s.Planner,
    area=AREA,
)
def planner(query: s.PlannerQuery) -> s.Planner:
    user_id = planner_owner(query.user_id)
    with gateway().engine.connect() as conn:  # the reader's days, or the company's
        zone = accounts.own_time_zone(conn, current_identity().user_id) or ""
    request = pb.PlannerRequest(
        user_id=user_id,
        date_from=query.date_from.isoformat(),
        date_to=query.date_to.isoformat(),
        time_zone=zone,
    )
    return from_message(s.Planner, _deals().GetPlanner(request))


@spec.route(
    bp,
    "/notifications",
    "GET",
    summary="Your reminders: upcoming contacts, due and overdue tasks, birthdays",
    query=s.NotificationQuery,
    response=s.NotificationPage,
    area=AREA,
)
def list_notifications(query: s.NotificationQuery) -> dict[str, Any]:
    request = pb.ListNotificationsRequest(
        page=page_request(query, pb.PageRequest),
        user_id=current_identity().user_id,
        unread_only=query.unread_only,
    )
    return page_of(s.Notification, _deals().ListNotifications(request), query)


@spec.route(
    bp,
    "/notifications/<notification_id>/read",
    "POST",
    summary="Mark one of your notifications read",
    body=s.Empty,
    body_optional=True,
    response=s.Notification,
    area=AREA,
)
def mark_read(notification_id: str, body: s.Empty) -> s.Notification:
    request = pb.NotificationReadRequest(id=notification_id, user_id=current_identity().user_id)
    return from_message(s.Notification, _deals().MarkNotificationRead(request))


@spec.route(
    bp,
    "/notifications/read",
    "POST",
    summary="Mark all your notifications read",
    body=s.Empty,
    body_optional=True,
    response=s.AllRead,
    area=AREA,
)
def mark_all_read(body: s.Empty) -> s.AllRead:
    request = pb.AllReadRequest(user_id=current_identity().user_id)
    return from_message(s.AllRead, _deals().MarkAllNotificationsRead(request))
