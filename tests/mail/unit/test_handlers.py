"""The mail service layer on in-memory fakes: who may use a mailbox, assignments, mailings and
rule mails, with no database and no mail server."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from email.message import EmailMessage

import pytest

from crmkit.errors import Forbidden, InvalidInput, NotFound
from crmkit.identity import Identity
from crmkit.paging import Page
from services.mail.adapters.templates import JinjaTemplates
from services.mail.domain import commands, events, model
from services.mail.service_layer import assignments, correspondence, mailboxes, mailings, rules
from services.mail.service_layer.ports import TemplateFailed
from tests.mail.unit.fakes import (
    FakeBulkSender,
    FakeMailSource,
    FakeSecrets,
    FakeSender,
    FakeUnitOfWork,
)

ADMIN = Identity("u-admin", frozenset({"admin"}))
SALES = Identity("u-sales", frozenset({"manager"}), groups=frozenset({"g-sales"}))
OUTSIDER = Identity("u-other", frozenset({"manager"}), groups=frozenset({"g-buying"}))
SERVER = commands.ServerSettings("mail.example.vn", 993, "ssl", "info", "secret")
NOW = datetime(2026, 11, 26, 9, 0, tzinfo=UTC)


def a_shared_mailbox(uow: FakeUnitOfWork, *permissions: model.Permission) -> model.Mailbox:
    command = commands.CreateMailbox("Bán hàng", "shared", "Sales@AnPhat.vn", None, SERVER, SERVER)
    mailbox, _ = mailboxes.create_mailbox(command, uow, FakeSecrets(), ADMIN)  # type: ignore[arg-type]
    put = commands.PutPermissions(mailbox.id, permissions)
    mailboxes.put_permissions(put, uow, ADMIN)  # type: ignore[arg-type]
    return mailbox


def a_message(uow: FakeUnitOfWork, mailbox: model.Mailbox) -> model.Message:
    message = model.Message(
        "m-1", mailbox.id, "in", "INBOX", "order-1@khach.vn", "order-1@khach.vn", None,
        "lan@khach.vn", "Lan", [mailbox.address], [], "Đơn hàng", NOW, "Xin báo giá", None,
        [], [], [], None, NOW,
    )  # fmt: skip
    uow.messages.items[message.id] = message
    return message


def test_a_shared_mailbox_is_read_only_through_a_group_permission_and_hidden_from_others() -> None:
    uow = FakeUnitOfWork()
    mailbox = a_shared_mailbox(uow, model.Permission("g-sales", read=True))
    assert mailbox.address == "sales@anphat.vn"
    assert mailboxes.get_mailbox(uow, mailbox.id, SALES)[0].id == mailbox.id  # type: ignore[arg-type]
    with pytest.raises(NotFound):
        mailboxes.get_mailbox(uow, mailbox.id, OUTSIDER)  # type: ignore[arg-type]
    listed, total = mailboxes.list_mailboxes(uow, OUTSIDER, Page())  # type: ignore[arg-type]
    assert (listed, total) == ([], 0)
    with pytest.raises(Forbidden):  # reading is not managing
        put = commands.PutPermissions(mailbox.id, ())
        mailboxes.put_permissions(put, uow, SALES)  # type: ignore[arg-type]


def test_a_manager_who_makes_a_shared_mailbox_sees_it_and_manages_it_through_his_groups() -> None:
    uow = FakeUnitOfWork()
    command = commands.CreateMailbox("Bán hàng", "shared", "sales@anphat.vn", None, SERVER, SERVER)
    mailbox, _ = mailboxes.create_mailbox(command, uow, FakeSecrets(), SALES)  # type: ignore[arg-type]
    assert mailbox.permissions == (model.Permission("g-sales", read=True, send=True, manage=True),)
    with pytest.raises(NotFound):
        mailboxes.get_mailbox(uow, mailbox.id, OUTSIDER)  # type: ignore[arg-type]
    shared = (model.Permission("g-sales", manage=True), model.Permission("g-buying"))
    mailboxes.put_permissions(commands.PutPermissions(mailbox.id, shared), uow, SALES)  # type: ignore[arg-type]
    assert mailboxes.get_mailbox(uow, mailbox.id, OUTSIDER)[0].id == mailbox.id  # type: ignore[arg-type]


def test_a_shared_mailbox_is_refused_to_someone_in_no_group_before_anything_is_saved() -> None:
    uow = FakeUnitOfWork()
    loner = Identity("u-lone", frozenset({"manager"}))
    command = commands.CreateMailbox("Bán hàng", "shared", "sales@anphat.vn", None, SERVER, SERVER)
    with pytest.raises(InvalidInput) as refused:
        mailboxes.create_mailbox(command, uow, FakeSecrets(), loner)  # type: ignore[arg-type]
    assert refused.value.errors[0].field == "kind"
    assert mailboxes.list_mailboxes(uow, ADMIN, Page())[1] == 0  # type: ignore[arg-type]


def test_a_mailbox_password_is_kept_sealed() -> None:
    uow = FakeUnitOfWork()
    mailbox = a_shared_mailbox(uow)
    assert mailbox.imap_password == "sealed:secret" and mailbox.imap.username == "info"


def test_a_message_assigned_to_a_performer_is_open_for_them_until_they_mark_it_done() -> None:
    uow = FakeUnitOfWork()
    mailbox = a_shared_mailbox(uow, model.Permission("g-sales", read=True))
    message = a_message(uow, mailbox)
    due = date(2026, 11, 30)
    assign = commands.AssignMessage(message.id, SALES.user_id, due, "gọi lại cho khách")
    assigned = assignments.assign(assign, uow, ADMIN)  # type: ignore[arg-type]
    assert (assigned.assignee_id, assigned.due_date, assigned.assignment) == (
        SALES.user_id, due, "open"
    )  # fmt: skip
    told = events.MessageAssigned(message.id, mailbox.id, "Đơn hàng", SALES.user_id, due, ADMIN.user_id)  # fmt: skip
    assert uow.published[-1] == told  # the performer hears of it (deals makes the notification)
    open_ones, _ = assignments.assigned(uow, [SALES.user_id], None, Page())  # type: ignore[arg-type]
    assert [m.id for m in open_ones] == [message.id]
    done = assignments.finish(commands.FinishAssignment(message.id), uow, SALES)  # type: ignore[arg-type]
    assert done.assignment == "done"
    assert assignments.assigned(uow, [SALES.user_id], None, Page()) == ([], 0)  # type: ignore[arg-type]


def test_only_the_assignee_or_a_manager_of_the_mailbox_marks_an_assignment_done() -> None:
    uow = FakeUnitOfWork()
    mailbox = a_shared_mailbox(
        uow, model.Permission("g-sales", read=True), model.Permission("g-buying", read=True)
    )
    message = a_message(uow, mailbox)
    assign = commands.AssignMessage(message.id, SALES.user_id, date(2026, 11, 30))
    assignments.assign(assign, uow, ADMIN)  # type: ignore[arg-type]
    with pytest.raises(Forbidden):
        assignments.finish(commands.FinishAssignment(message.id), uow, OUTSIDER)  # type: ignore[arg-type]


def a_mailing_to_customers(uow: FakeUnitOfWork, suppressed: set[str]) -> str:
    mailbox = a_shared_mailbox(uow)
    for n in range(5):
        owner = f"contact:c{n}"
        uow.addresses.people.append(
            model.Person(owner, f"nguoi{n}@khach.vn", "cp-1", f"c{n}", f"Nguyễn Văn {n}", "Khách")
        )
        uow.addresses.roles[owner] = ",customer," if n < 4 else ",supplier,"
    uow.suppressions.items |= suppressed
    template = mailings.create_template(
        commands.CreateTemplate(
            "Ưu đãi", "Ưu đãi cho {{ counterparty.name }}", "Kính gửi {{ contact.full_name }}"
        ),
        uow,  # type: ignore[arg-type]
        JinjaTemplates(),
        ADMIN,
    )
    group = mailings.create_address_group(
        commands.CreateAddressGroup("Khách hàng", None, {"role": "customer"}),
        uow,
        ADMIN,  # type: ignore[arg-type]
    )
    start = commands.StartMailing(group.id, template.id, mailbox.id, per_minute=60_000)
    return mailings.start_mailing(start, uow, ADMIN)  # type: ignore[arg-type]


def test_a_mailing_skips_suppressed_addresses_and_counts_what_was_sent_and_skipped() -> None:
    uow = FakeUnitOfWork()
    mailing_id = a_mailing_to_customers(uow, {"nguoi1@khach.vn"})
    smtp = FakeBulkSender()
    command = commands.RunMailing(mailing_id, "https://crm.example.vn/unsubscribe")
    done = mailings.run_mailing(command, uow, FakeSecrets(), JinjaTemplates(), smtp)  # type: ignore[arg-type]
    assert [to for to, _ in smtp.delivered] == [
        "nguoi0@khach.vn",
        "nguoi2@khach.vn",
        "nguoi3@khach.vn",
    ]
    assert (done.mailing.status, done.total, done.sent, done.failed, done.skipped) == (
        "done",
        4,
        3,
        0,
        1,
    )
    _, first = smtp.delivered[0]
    assert "Kính gửi Nguyễn Văn 0" in first.get_content()
    assert (
        first["List-Unsubscribe"]
        == "<https://crm.example.vn/unsubscribe/signed:" + mailing_id + ":nguoi0@khach.vn>"
    )
    again = mailings.run_mailing(command, uow, FakeSecrets(), JinjaTemplates(), smtp)  # type: ignore[arg-type]
    assert again.sent == 3 and len(smtp.delivered) == 3  # a finished mailing sends nobody twice


def test_an_unsubscribe_link_suppresses_its_address_and_a_forged_one_is_refused() -> None:
    uow = FakeUnitOfWork()
    email = mailings.unsubscribe(
        commands.Unsubscribe("signed:ml-1:lan@khach.vn"), uow, FakeSecrets()
    )  # type: ignore[arg-type]
    assert email == "lan@khach.vn" and uow.suppressions.items == {"lan@khach.vn"}
    with pytest.raises(NotFound, match="not valid"):
        mailings.unsubscribe(commands.Unsubscribe("ml-1:lan@khach.vn"), uow, FakeSecrets())  # type: ignore[arg-type]


def test_a_rule_mail_goes_out_once_per_occasion_however_often_the_event_comes() -> None:
    uow = FakeUnitOfWork()
    mailbox = a_shared_mailbox(uow)
    uow.addresses.people.append(
        model.Person("counterparty:cp-1", "ketoan@anphat.vn", "cp-1", None, "An Phát", "An Phát")
    )
    template = mailings.create_template(
        commands.CreateTemplate(
            "Nhắc",
            "Nhắc thanh toán {{ event.document.number }}",
            "Kính gửi {{ counterparty.name }}",
        ),
        uow,  # type: ignore[arg-type]
        JinjaTemplates(),
        ADMIN,
    )
    rule = commands.CreateRule("deals.invoice.overdue", template.id, mailbox.id, offset_days=3)
    rules.create_rule(rule, uow, ADMIN)  # type: ignore[arg-type]
    about = {"document": {"id": "inv-1", "number": "HD-0042", "counterparty_id": "cp-1"}}
    event = commands.ScheduleRuleMails("deals.invoice.overdue", "e-1", "inv-1", NOW, about)
    assert rules.schedule_rule_mails(event, uow) == 1  # type: ignore[arg-type]
    assert rules.schedule_rule_mails(event, uow) == 0  # type: ignore[arg-type]  # delivered twice
    smtp = FakeBulkSender()

    def send_due(at: datetime) -> int:
        command = commands.SendDueRuleMails(at)
        return rules.send_due(command, uow, FakeSecrets(), JinjaTemplates(), smtp)  # type: ignore[arg-type]

    assert send_due(NOW) == 0  # not yet: three days later
    assert send_due(NOW + timedelta(days=3)) == 1
    assert send_due(NOW + timedelta(days=4)) == 0
    [(to, sent)] = smtp.delivered
    assert to == "ketoan@anphat.vn" and sent["Subject"] == "Nhắc thanh toán HD-0042"


def test_a_payment_reminder_waiting_for_an_invoice_is_not_sent_once_the_invoice_is_paid() -> None:
    uow = FakeUnitOfWork()
    mailbox = a_shared_mailbox(uow)
    uow.addresses.people.append(
        model.Person("counterparty:cp-1", "ketoan@anphat.vn", "cp-1", None, "An Phát", "An Phát")
    )
    made = commands.CreateTemplate("Nhắc", "Nhắc {{ event.document.number }}", "Kính gửi")
    template = mailings.create_template(made, uow, JinjaTemplates(), ADMIN)  # type: ignore[arg-type]
    rule = commands.CreateRule("deals.invoice.overdue", template.id, mailbox.id, offset_days=3)
    rules.create_rule(rule, uow, ADMIN)  # type: ignore[arg-type]
    for invoice in ("inv-1", "inv-2"):
        about = {"document": {"id": invoice, "number": invoice, "counterparty_id": "cp-1"}}
        overdue = commands.ScheduleRuleMails("deals.invoice.overdue", f"o-{invoice}", invoice, NOW, about)  # fmt: skip
        rules.schedule_rule_mails(overdue, uow)  # type: ignore[arg-type]
    about = {"document": {"id": "inv-1", "number": "inv-1", "counterparty_id": "cp-1"}}
    paid = commands.ScheduleRuleMails("deals.invoice.paid", "p-1", "inv-1", NOW, about)
    rules.schedule_rule_mails(paid, uow)  # type: ignore[arg-type]
    smtp = FakeBulkSender()
    due = commands.SendDueRuleMails(NOW + timedelta(days=3))
    assert rules.send_due(due, uow, FakeSecrets(), JinjaTemplates(), smtp) == 1  # type: ignore[arg-type]
    assert [sent["Subject"] for _, sent in smtp.delivered] == ["Nhắc inv-2"]


def _overdue_rule_on(uow: FakeUnitOfWork) -> None:
    mailbox = a_shared_mailbox(uow)
    uow.addresses.people.append(
        model.Person("counterparty:cp-1", "ketoan@anphat.vn", "cp-1", None, "An Phát", "An Phát")
    )
    made = commands.CreateTemplate("Nhắc", "Nhắc {{ event.document.number }}", "Kính gửi")
    template = mailings.create_template(made, uow, JinjaTemplates(), ADMIN)  # type: ignore[arg-type]
    rule = commands.CreateRule("deals.invoice.overdue", template.id, mailbox.id, offset_days=3)
    rules.create_rule(rule, uow, ADMIN)  # type: ignore[arg-type]


def _reminders_sent_after(uow: FakeUnitOfWork, *heard: commands.ScheduleRuleMails) -> list[object]:
    for event in heard:
        rules.schedule_rule_mails(event, uow)  # type: ignore[arg-type]
    smtp = FakeBulkSender()
    due = commands.SendDueRuleMails(NOW + timedelta(days=3))
    rules.send_due(due, uow, FakeSecrets(), JinjaTemplates(), smtp)  # type: ignore[arg-type]
    return list(smtp.delivered)


def test_a_payment_heard_of_before_the_invoice_is_overdue_event_still_stops_the_reminder() -> None:
    """Events of different types may arrive in any order (a relay's lease ran out, competing
    consumers): the payment is kept, and the overdue event that comes after it schedules none."""
    uow = FakeUnitOfWork()
    _overdue_rule_on(uow)
    about = {"document": {"id": "inv-1", "number": "inv-1", "counterparty_id": "cp-1"}}
    paid = commands.ScheduleRuleMails("deals.invoice.paid", "p-1", "inv-1", NOW, about)
    overdue = commands.ScheduleRuleMails("deals.invoice.overdue", "o-1", "inv-1", NOW, about)
    assert _reminders_sent_after(uow, paid, overdue) == []


def test_an_invoice_the_erp_cancelled_gets_no_payment_reminder_whichever_event_comes_first() -> (
    None
):
    for cancelled_first in (True, False):
        uow = FakeUnitOfWork()
        _overdue_rule_on(uow)
        document = {"id": "inv-2", "number": "inv-2", "counterparty_id": "cp-1"}
        overdue = commands.ScheduleRuleMails("deals.invoice.overdue", "o-2", "inv-2", NOW, {"document": document})  # fmt: skip
        cancelled = commands.ScheduleRuleMails("deals.invoice.updated", "u-2", "inv-2", NOW, {"document": document | {"status": "cancelled"}})  # fmt: skip
        heard = (cancelled, overdue) if cancelled_first else (overdue, cancelled)
        assert _reminders_sent_after(uow, *heard) == [], cancelled_first
    uow = FakeUnitOfWork()
    _overdue_rule_on(uow)
    updated = commands.ScheduleRuleMails("deals.invoice.updated", "u-3", "inv-3", NOW, {"document": {"id": "inv-3", "number": "inv-3", "counterparty_id": "cp-1", "status": "posted"}})  # fmt: skip
    overdue = commands.ScheduleRuleMails("deals.invoice.overdue", "o-3", "inv-3", NOW, {"document": {"id": "inv-3", "number": "inv-3", "counterparty_id": "cp-1"}})  # fmt: skip
    assert len(_reminders_sent_after(uow, updated, overdue)) == 1  # an update that cancels nothing


def test_a_template_naming_a_value_the_recipient_lacks_renders_it_empty() -> None:
    context = {"contact": {"full_name": "Lan"}}
    assert JinjaTemplates().render("Chào {{ contact.nickname }}{{ title }}!", context) == "Chào !"


def test_a_template_reaching_into_something_missing_fails_with_the_reason() -> None:
    with pytest.raises(TemplateFailed, match="'contact' is undefined"):
        JinjaTemplates().render("Kính gửi {{ contact.full_name }}", {})


def test_a_template_that_would_build_something_huge_is_refused_naming_the_field() -> None:
    uow = FakeUnitOfWork()
    with pytest.raises(InvalidInput) as refused:
        command = commands.CreateTemplate("Lớn", "Chào", "{{ 'x' * 10**9 }}")
        mailings.create_template(command, uow, JinjaTemplates(), ADMIN)  # type: ignore[arg-type]
    assert refused.value.errors[0].field == "body"
    assert uow.templates.items == {}


def an_order(n: int, reply_to: str | None = None) -> bytes:
    message = EmailMessage()
    message["From"] = "Lan <lan@khach.vn>"
    message["To"] = "sales@anphat.vn"
    message["Subject"] = f"Đơn hàng {n}"
    message["Message-ID"] = f"<order-{n}@khach.vn>"
    if reply_to:
        message["In-Reply-To"] = f"<{reply_to}>"
    message.set_content(f"Đơn hàng số {n}")
    return message.as_bytes()


def test_a_sync_imports_each_message_once_linked_and_tells_the_suite_it_was_received() -> None:
    uow = FakeUnitOfWork()
    mailbox = a_shared_mailbox(uow)
    uow.addresses.people.append(
        model.Person("contact:c-1", "lan@khach.vn", "cp-1", "c-1", "Lan", "Khách")
    )
    server = FakeMailSource([an_order(1), an_order(2), an_order(1)])  # the same one twice
    command = commands.SyncMailbox(mailbox.id)
    assert correspondence.sync_mailbox(command, uow, FakeSecrets(), server) == 2  # type: ignore[arg-type]
    assert correspondence.sync_mailbox(command, uow, FakeSecrets(), server) == 0  # type: ignore[arg-type]
    assert uow.folders.position(mailbox.id, "INBOX") == (7, 3)
    received = [e for e in uow.published if isinstance(e, events.MailReceived)]
    assert [e.subject for e in received] == ["Đơn hàng 1", "Đơn hàng 2"]
    assert received[0].counterparty_ids == ("cp-1",) and received[0].contact_ids == ("c-1",)
    assert mailbox.last_error is None and mailbox.last_sync_at is not None


def test_a_reply_sent_from_a_mailbox_answers_the_assignment_and_is_logged_as_sent() -> None:
    uow = FakeUnitOfWork()
    mailbox = a_shared_mailbox(uow, model.Permission("g-sales", send=True))
    question = a_message(uow, mailbox)
    assign = commands.AssignMessage(question.id, SALES.user_id, date(2026, 11, 30))
    assignments.assign(assign, uow, ADMIN)  # type: ignore[arg-type]
    smtp = FakeSender()
    reply = commands.SendMessage(
        mailbox.id,
        ("lan@khach.vn",),
        subject="Re: Đơn hàng",
        text="Đã nhận",
        in_reply_to=question.id,
    )
    sent = correspondence.send_message(reply, uow, FakeSecrets(), smtp, SALES)  # type: ignore[arg-type]
    [message] = smtp.sent
    assert message["In-Reply-To"] == "<order-1@khach.vn>"
    assert (sent.direction, sent.thread_id) == ("out", "order-1@khach.vn")
    assert uow.messages.items[question.id].assignment == "answered"
    assert isinstance(uow.published[-1], events.MailSent)


def test_nobody_sends_from_a_mailbox_they_may_only_read() -> None:
    uow = FakeUnitOfWork()
    mailbox = a_shared_mailbox(uow, model.Permission("g-sales", read=True))
    smtp = FakeSender()
    with pytest.raises(Forbidden):
        correspondence.send_message(
            commands.SendMessage(mailbox.id, ("lan@khach.vn",)),
            uow,
            FakeSecrets(),
            smtp,
            SALES,  # type: ignore[arg-type]
        )
    logged = [event for event in uow.published if isinstance(event, events.MailLogged)]
    assert smtp.sent == [] and logged == []
