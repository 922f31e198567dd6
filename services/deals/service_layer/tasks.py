"""Tasks, the business process that runs on them, and the planner."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from crmkit.errors import InvalidInput, found
from crmkit.identity import Identity
from crmkit.paging import Page
from crmkit.time_zones import day_in, midnight_in
from services.deals.domain import commands, events, model
from services.deals.service_layer.company import settings_of
from services.deals.service_layer.deals import deal_of, enter_stage
from services.deals.service_layer.pipelines import AREA, pipeline_of
from services.deals.service_layer.unit_of_work import Listed, PlannedInteraction, UnitOfWork

MAX_PLANNER_DAYS = 92


def create_task(command: commands.CreateTask, uow: UnitOfWork, actor: Identity) -> model.Task:
    task = model.Task(
        title=command.title,
        assignee_id=command.assignee_id,
        due_date=command.due_date,
        deal_id=command.deal_id,
        counterparty_id=command.counterparty_id,
        note=command.note,
    )
    actor.require_writer(AREA)
    with uow:
        if task.deal_id is not None:
            deal = uow.deals.get(task.deal_id)
            if deal is None:
                raise InvalidInput.field(
                    "deal_id", f"deal {task.deal_id!r} does not exist", "not_found"
                )
            if deal.archived:
                raise InvalidInput.field("deal_id", f"deal {deal.title!r} is archived", "archived")
            task.counterparty_id = task.counterparty_id or deal.counterparty_id
        uow.tasks.add(task)
        uow.publish(events.TaskCreated(task))
        uow.commit()
    return task


def task_of(uow: UnitOfWork, task_id: str) -> model.Task:
    return found(uow.tasks.get(task_id), "task", task_id)


def complete_task(command: commands.CompleteTask, uow: UnitOfWork, actor: Identity) -> model.Task:
    """Done. In a business process, the last open task of the deal's current stage moves the
    deal to the next stage, which creates that stage's tasks."""
    actor.require_writer(AREA)
    with uow:
        task = _active_task(uow, command.task_id, None)
        now = model.utcnow()
        changes = task.complete(now)
        uow.publish(events.TaskCompleted(task, changes))
        _advance_if_stage_done(uow, task, now)
        uow.commit()
    return task


def _advance_if_stage_done(uow: UnitOfWork, task: model.Task, now: datetime) -> None:
    if task.deal_id is None or task.stage_id is None:
        return
    deal = deal_of(uow, task.deal_id)
    pipeline = pipeline_of(uow, deal.pipeline_id)
    if (
        pipeline.mode != "business_process"
        or deal.archived
        or deal.status != "open"
        or deal.stage_id != task.stage_id
    ):
        return
    if uow.tasks.open_for_stage(deal.id, task.stage_id):
        return
    following = pipeline.stage_after(task.stage_id)
    if following is not None:
        enter_stage(uow, deal, pipeline, following, automatic=True, at=now)


def _active_task(uow: UnitOfWork, task_id: str, version: int | None) -> model.Task:
    task = task_of(uow, task_id)
    task.expect(version)
    task.require_current()
    return task


def change_task(command: commands.ChangeTask, uow: UnitOfWork, actor: Identity) -> model.Task:
    """Its title, note or due date; a new assignee reassigns it."""
    actor.require_writer(AREA)
    with uow:
        task = _active_task(uow, command.task_id, command.expected_version)
        changes = task.change(command.changes)
        if changes:
            action = "reassigned" if set(changes) == {"assignee_id"} else "updated"
            uow.publish(events.TaskChanged(task, changes, action))
        uow.commit()
    return task


def comment_on_task(
    command: commands.CommentOnTask, uow: UnitOfWork, actor: Identity
) -> model.TaskComment:
    actor.require_writer(AREA)
    comment = model.TaskComment(command.task_id, actor.person_id, command.text)
    with uow:
        task = _active_task(uow, command.task_id, None)
        uow.task_comments.add(comment)
        uow.publish(events.TaskChanged(task, {"comment": (None, comment.text)}, "commented"))
        uow.commit()
    return comment


def list_comments(uow: UnitOfWork, task_id: str, page: Page) -> Listed[model.TaskComment]:
    with uow:
        task_of(uow, task_id)
        return uow.task_comments.of_task(task_id, page)


def archive_task(command: commands.ArchiveTask, uow: UnitOfWork, actor: Identity) -> None:
    """It leaves the lists, the planner and the timelines; restored, it comes back."""
    actor.require_writer(AREA)
    with uow:
        task = task_of(uow, command.task_id)
        changes = task.archive(command.expected_version)
        if changes:
            uow.publish(events.TaskChanged(task, changes, "archived"))
        uow.commit()


def restore_task(command: commands.RestoreTask, uow: UnitOfWork, actor: Identity) -> model.Task:
    actor.require_writer(AREA)
    with uow:
        task = task_of(uow, command.task_id)
        changes = task.restore()
        if changes:
            uow.publish(events.TaskChanged(task, changes, "restored"))
        uow.commit()
    return task


def get_task(uow: UnitOfWork, task_id: str) -> model.Task:
    with uow:
        return task_of(uow, task_id)


def list_tasks(uow: UnitOfWork, wanted: model.TaskFilter, page: Page) -> Listed[model.Task]:
    with uow:
        return uow.views.tasks(wanted, page)


@dataclass
class PlannerDay:
    day: date
    tasks: list[model.Task] = field(default_factory=list)
    interactions: list[PlannedInteraction] = field(default_factory=list)


def planner(
    uow: UnitOfWork, user_id: str, first: date, last: date, zone: str | None = None
) -> list[PlannerDay]:
    """A user's tasks and planned interactions, day by day. Who may see it is the gateway's call:
    only the user and their supervisors know of each other. Days are the reader's (`zone`), or
    the company's when he has none."""
    if last < first:
        raise InvalidInput.field("to", "comes before from", "before_period_from")
    if (last - first).days >= MAX_PLANNER_DAYS:
        raise InvalidInput.field("to", f"the planner shows at most {MAX_PLANNER_DAYS} days")
    days: dict[date, PlannerDay] = defaultdict(lambda: PlannerDay(date.min))
    with uow:
        zone = zone or settings_of(uow).time_zone
        for task in uow.views.tasks_of_user_between(user_id, first, last):
            days[task.due_date].tasks.append(task)
        start, end = midnight_in(zone, first), midnight_in(zone, last + timedelta(days=1))
        for interaction in uow.projections.planned_interactions(user_id, start, end):
            days[day_in(zone, interaction.planned_at)].interactions.append(interaction)
    for day, content in days.items():
        content.day = day
    return [days[day] for day in sorted(days)]
