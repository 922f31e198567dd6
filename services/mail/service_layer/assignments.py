"""Performer assignment: a message handed to someone to answer by a date; done by hand, or
answered by a reply sent from here; the overdue ones listed for them and their supervisors."""

from __future__ import annotations

from datetime import date

from crmkit.errors import Forbidden
from crmkit.identity import Identity
from crmkit.paging import Page
from services.mail.domain import commands, events, model
from services.mail.service_layer.mailboxes import AREA, mailbox_for, message_for
from services.mail.service_layer.unit_of_work import UnitOfWork


def assign(command: commands.AssignMessage, uow: UnitOfWork, actor: Identity) -> model.Message:
    actor.require_writer(AREA)
    with uow:
        message = message_for(uow, command.message_id, actor)
        message.assignee_id = command.assignee_id
        message.due_date = command.due_date
        message.assignment_note = command.note
        message.assignment = "open"
        uow.messages.save_assignment(message)
        uow.publish(
            events.MessageAssigned(
                message.id,
                message.mailbox_id,
                message.subject,
                command.assignee_id,
                command.due_date,
                actor.person_id,
            )
        )
        uow.commit()
    return message


def finish(command: commands.FinishAssignment, uow: UnitOfWork, actor: Identity) -> model.Message:
    """Done by the assignee, or by whoever manages the mailbox."""
    with uow:
        message = message_for(uow, command.message_id, actor)
        mailbox = mailbox_for(uow, message.mailbox_id, actor, "read")
        if message.assignee_id != actor.user_id and not mailbox.access.allows(actor, "manage"):
            raise Forbidden("only the assignee or a manager of the mailbox marks it done")
        message.assignment = "done"
        uow.messages.save_assignment(message)
        uow.commit()
    return message


def assigned(
    uow: UnitOfWork, assignees: list[str], overdue_on: date | None, page: Page
) -> tuple[list[model.Message], int]:
    """Open assignments of these people (the gateway decides whose the caller may see),
    soonest due first; with a date, only those overdue on it."""
    with uow:
        return uow.views.assignments(assignees, overdue_on, page)
