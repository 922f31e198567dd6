"""Reminders: upcoming planned contacts, planned contacts whose time passed without being done,
due and overdue tasks and birthdays become notifications for the responsible user, each exactly
once however often the scan runs. A day is the company's day (its time zone), and a time is
said as the company's clock reads it."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from crmkit.errors import NotFound
from crmkit.paging import Page
from crmkit.time_zones import clock_in, day_in
from services.deals.domain import model
from services.deals.service_layer.company import settings_of
from services.deals.service_layer.erp import announce_overdue_invoices
from services.deals.service_layer.unit_of_work import PlannedInteraction, UnitOfWork

LOOK_AHEAD = timedelta(hours=24)
MISSED_AFTER = timedelta(hours=1)  # a call may run late; an hour on, it was missed or not logged
LOOK_BACK = timedelta(days=7)


def scan(uow: UnitOfWork, now: datetime) -> int:
    """Creates what is due now and was not created before; returns how many were new."""
    with uow:
        zone = settings_of(uow).time_zone
        wanted = (
            _due_tasks(uow, day_in(zone, now))
            + _upcoming_contacts(uow, now, zone)
            + _missed_contacts(uow, now, zone)
            + _birthdays(uow, day_in(zone, now))
        )
        created = sum(uow.notifications.add_once(notification) for notification in wanted)
        uow.commit()
    return created + announce_overdue_invoices(uow, now)


def _due_tasks(uow: UnitOfWork, today: date) -> list[model.Notification]:
    found = []
    for task in uow.tasks.due_by(today + timedelta(days=1)):
        overdue = task.due_date < today
        kind = "task_overdue" if overdue else "task_due"
        params = {"title": task.title, "due_date": task.due_date.isoformat()} | _where(task)
        title = "Overdue since {due_date}: {title}" if overdue else "Due {due_date}: {title}"
        key = f"{kind}:{task.id}" if overdue else f"{kind}:{task.id}:{task.due_date}"
        found.append(
            model.Notification(
                task.assignee_id, kind, title.format(**params), task.id, key, params=params
            )
        )
    return found


def _upcoming_contacts(uow: UnitOfWork, now: datetime, zone: str) -> list[model.Notification]:
    found = []
    for planned in uow.projections.planned_interactions(None, now, now + LOOK_AHEAD):
        if planned.owner_id:
            at = planned.planned_at
            title = f"{planned.kind.title()} at {clock_in(zone, at)}: {planned.subject}"
            params = _planned_facts(planned)
            key = f"interaction:{planned.id}:{at.isoformat()}"
            found.append(
                model.Notification(
                    planned.owner_id,
                    "interaction_upcoming",
                    title,
                    planned.id,
                    key,
                    due_at=at,
                    params=params,
                )
            )
    return found


def _missed_contacts(uow: UnitOfWork, now: datetime, zone: str) -> list[model.Notification]:
    """Planned, its time passed, nobody said it was done: mark it done or plan it anew."""
    found = []
    for planned in uow.projections.planned_interactions(None, now - LOOK_BACK, now - MISSED_AFTER):
        if planned.owner_id:
            at = planned.planned_at
            title = f"Not logged: {planned.kind} planned at {clock_in(zone, at)}: {planned.subject}"
            params = _planned_facts(planned)
            key = f"interaction_missed:{planned.id}:{at.isoformat()}"
            found.append(
                model.Notification(
                    planned.owner_id, "interaction_missed", title, planned.id, key, params=params
                )
            )
    return found


def _birthdays(uow: UnitOfWork, today: date) -> list[model.Notification]:
    found = []
    for person in uow.projections.birthdays(today.strftime("%m-%d")):
        params = {
            "name": person.full_name,
            "counterparty": person.counterparty_name,
            "counterparty_id": person.counterparty_id,
        }
        title = "Birthday today: {name} ({counterparty})".format(**params)
        key = f"birthday:{person.id}:{today.year}"
        found.append(
            model.Notification(person.owner_id, "birthday", title, person.id, key, params=params)
        )
    return found


def _where(record: model.Task | PlannedInteraction) -> dict[str, str]:
    """Where a notification opens: the deal and the counterparty it is about, those it has."""
    found = {"deal_id": record.deal_id, "counterparty_id": record.counterparty_id}
    return {name: value for name, value in found.items() if value}


def _planned_facts(planned: PlannedInteraction) -> dict[str, str]:
    facts = {"kind": planned.kind, "subject": planned.subject, "at": planned.planned_at.isoformat()}
    return facts | _where(planned)


def list_notifications(
    uow: UnitOfWork, user_id: str, unread_only: bool, page: Page
) -> tuple[list[model.Notification], int]:
    with uow:
        return uow.notifications.of_user(user_id, unread_only, page)


def mark_all_read(uow: UnitOfWork, user_id: str) -> int:
    with uow:
        marked = uow.notifications.mark_all_read(user_id, model.utcnow())
        uow.commit()
    return marked


def mark_read(uow: UnitOfWork, notification_id: str, user_id: str) -> model.Notification:
    with uow:
        notification: model.Notification | None = uow.notifications.get(notification_id)
        if notification is None or notification.user_id != user_id:
            raise NotFound.of("notification", notification_id)
        notification.read_at = notification.read_at or model.utcnow()
        uow.commit()
    return notification
