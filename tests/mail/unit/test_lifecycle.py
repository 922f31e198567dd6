"""Mailboxes, templates, address groups and rules changed, archived and restored on in-memory
fakes: only what was sent changes, every change in the history (never a password), an archived
record refuses changes and is chosen for nothing new, a switched-off rule sends nothing."""

from __future__ import annotations

from datetime import timedelta

import pytest

from crmkit.errors import Conflict, InvalidInput, NotFound, Stale
from crmkit.identity import Identity
from services.mail.adapters.templates import JinjaTemplates
from services.mail.domain import commands, model
from services.mail.service_layer import correspondence, mailboxes, mailings, rules
from tests.mail.unit.fakes import FakeBulkSender, FakeSecrets, FakeSender, FakeUnitOfWork
from tests.mail.unit.test_handlers import ADMIN, NOW, SALES, SERVER, a_shared_mailbox

LAN = Identity("u-lan", frozenset({"manager"}), groups=frozenset({"g-sales"}))


def test_a_mailbox_changes_only_what_was_sent_and_its_history_tells_no_password() -> None:
    uow = FakeUnitOfWork()
    mailbox = a_shared_mailbox(uow)
    imap = commands.ServerChanges(host="imap.anphat.vn", password="mật-khẩu-mới")
    change = commands.ChangeMailbox(mailbox.id, commands.MailboxChanges(imap=imap), 1)
    changed, _ = mailboxes.change_mailbox(change, uow, FakeSecrets(), ADMIN)  # type: ignore[arg-type]
    assert (changed.name, changed.imap.host, changed.imap.port, changed.version) == (
        "Bán hàng",
        "imap.anphat.vn",
        993,
        2,
    )
    assert changed.imap_password == "sealed:mật-khẩu-mới"
    assert changed.smtp_password == "sealed:secret"
    entry = uow.audited[-1]
    assert (entry.entity, entry.action) == ("mailbox", "updated")
    assert entry.changes == {
        "imap.host": ("mail.example.vn", "imap.anphat.vn"),
        "imap.password": (None, None),
    }
    assert "secret" not in repr(uow.audited) and "mật-khẩu" not in repr(uow.audited)


def test_a_mailbox_changed_on_a_version_read_before_another_change_is_refused() -> None:
    uow = FakeUnitOfWork()
    mailbox = a_shared_mailbox(uow)
    rename = commands.MailboxChanges(name="Kinh doanh")
    mailboxes.change_mailbox(
        commands.ChangeMailbox(mailbox.id, rename, 1), uow, FakeSecrets(), ADMIN
    )  # type: ignore[arg-type]
    again = commands.ChangeMailbox(mailbox.id, commands.MailboxChanges(name="Bán lẻ"), 1)
    with pytest.raises(Stale):
        mailboxes.change_mailbox(again, uow, FakeSecrets(), ADMIN)  # type: ignore[arg-type]
    assert uow.mailboxes.items[mailbox.id].name == "Kinh doanh"


def test_a_manager_gives_his_personal_mailbox_to_nobody_else() -> None:
    uow = FakeUnitOfWork()
    made = commands.CreateMailbox("Của Lan", "personal", "lan@anphat.vn", None, SERVER, SERVER)
    mailbox, _ = mailboxes.create_mailbox(made, uow, FakeSecrets(), LAN)  # type: ignore[arg-type]
    give = commands.ChangeMailbox(mailbox.id, commands.MailboxChanges(owner_id="u-sales"))
    with pytest.raises(InvalidInput) as refused:
        mailboxes.change_mailbox(give, uow, FakeSecrets(), LAN)  # type: ignore[arg-type]
    assert refused.value.errors[0].field == "owner_id"
    rename = commands.ChangeMailbox(mailbox.id, commands.MailboxChanges(name="Lan"))
    with pytest.raises(NotFound):  # another's personal mailbox does not exist for him
        mailboxes.change_mailbox(rename, uow, FakeSecrets(), SALES)  # type: ignore[arg-type]


def test_an_archived_mailbox_sends_nothing_and_refuses_changes_until_it_is_restored() -> None:
    uow = FakeUnitOfWork()
    mailbox = a_shared_mailbox(uow)
    mailboxes.archive_mailbox(commands.ArchiveRecord(mailbox.id), uow, ADMIN)  # type: ignore[arg-type]
    assert uow.mailboxes.ids() == []  # synced no more
    send = commands.SendMessage(mailbox.id, ("lan@khach.vn",))
    with pytest.raises(Conflict, match="Bán hàng"):
        correspondence.send_message(send, uow, FakeSecrets(), FakeSender(), ADMIN)  # type: ignore[arg-type]
    rename = commands.ChangeMailbox(mailbox.id, commands.MailboxChanges(name="Khác"))
    with pytest.raises(Conflict):
        mailboxes.change_mailbox(rename, uow, FakeSecrets(), ADMIN)  # type: ignore[arg-type]
    restored, _ = mailboxes.archive_mailbox(
        commands.ArchiveRecord(mailbox.id, restore=True),
        uow,  # type: ignore[arg-type]
        ADMIN,
    )
    assert not restored.archived
    assert [e.action for e in uow.audited] == ["created", "archived", "restored"]


def a_template(
    uow: FakeUnitOfWork, body: str = "Kính gửi {{ contact.full_name }}"
) -> model.Template:
    made = commands.CreateTemplate("Chào", "Chào {{ counterparty.name }}", body)
    return mailings.create_template(made, uow, JinjaTemplates(), ADMIN)  # type: ignore[arg-type]


def test_a_template_preview_says_what_a_mail_to_the_counterparty_would_say() -> None:
    uow = FakeUnitOfWork()
    uow.addresses.people += [
        model.Person("counterparty:cp-1", "info@anphat.vn", "cp-1", None, "An Phát", "An Phát"),
        model.Person("contact:c-1", "lan@anphat.vn", "cp-1", "c-1", "Trần Thị Lan", "An Phát"),
    ]
    template = a_template(uow)
    preview = commands.PreviewTemplate(template.id, "cp-1")
    filled = mailings.preview_template(preview, uow, JinjaTemplates())  # type: ignore[arg-type]
    assert filled == ("Chào An Phát", "Kính gửi Trần Thị Lan")
    with pytest.raises(InvalidInput) as refused:
        unknown = commands.PreviewTemplate(template.id, "cp-none")
        mailings.preview_template(unknown, uow, JinjaTemplates())  # type: ignore[arg-type]
    assert refused.value.errors[0].field == "counterparty_id"


def test_an_archived_template_is_chosen_for_no_new_rule_while_its_rule_keeps_sending() -> None:
    uow = FakeUnitOfWork()
    mailbox = a_shared_mailbox(uow)
    uow.addresses.people.append(
        model.Person("counterparty:cp-1", "ketoan@anphat.vn", "cp-1", None, "An Phát", "An Phát")
    )
    template = a_template(uow)
    made = commands.CreateRule("deals.invoice.overdue", template.id, mailbox.id)
    rules.create_rule(made, uow, ADMIN)  # type: ignore[arg-type]
    mailings.archive_template(commands.ArchiveRecord(template.id), uow, ADMIN)  # type: ignore[arg-type]
    with pytest.raises(InvalidInput) as refused:
        rules.create_rule(made, uow, ADMIN)  # type: ignore[arg-type]
    assert refused.value.errors[0].field == "template_id"
    about = {"document": {"id": "inv-1", "counterparty_id": "cp-1"}}
    event = commands.ScheduleRuleMails("deals.invoice.overdue", "e-1", "inv-1", NOW, about)
    rules.schedule_rule_mails(event, uow)  # type: ignore[arg-type]
    smtp = FakeBulkSender()
    sent = rules.send_due(
        commands.SendDueRuleMails(NOW), uow, FakeSecrets(), JinjaTemplates(), smtp
    )  # type: ignore[arg-type]
    assert sent == 1


def test_a_rule_switched_off_sends_nothing_not_even_what_it_had_scheduled() -> None:
    uow = FakeUnitOfWork()
    mailbox = a_shared_mailbox(uow)
    uow.addresses.people.append(
        model.Person("counterparty:cp-1", "ketoan@anphat.vn", "cp-1", None, "An Phát", "An Phát")
    )
    template = a_template(uow)
    made = commands.CreateRule("deals.invoice.overdue", template.id, mailbox.id, offset_days=1)
    rule = rules.create_rule(made, uow, ADMIN)  # type: ignore[arg-type]
    about = {"document": {"id": "inv-1", "counterparty_id": "cp-1"}}
    event = commands.ScheduleRuleMails("deals.invoice.overdue", "e-1", "inv-1", NOW, about)
    assert rules.schedule_rule_mails(event, uow) == 1  # type: ignore[arg-type]
    off = commands.ChangeRule(rule.id, commands.RuleChanges(enabled=False), 1)
    assert rules.change_rule(off, uow, ADMIN).version == 2  # type: ignore[arg-type]
    smtp = FakeBulkSender()
    later = commands.SendDueRuleMails(NOW + timedelta(days=2))
    assert rules.send_due(later, uow, FakeSecrets(), JinjaTemplates(), smtp) == 0  # type: ignore[arg-type]
    second = commands.ScheduleRuleMails("deals.invoice.overdue", "e-2", "inv-2", NOW, about)
    assert rules.schedule_rule_mails(second, uow) == 0  # type: ignore[arg-type]
    on = commands.ChangeRule(rule.id, commands.RuleChanges(enabled=True))
    rules.change_rule(on, uow, ADMIN)  # type: ignore[arg-type]
    assert rules.send_due(later, uow, FakeSecrets(), JinjaTemplates(), smtp) == 1  # type: ignore[arg-type]
    assert uow.audited[-1].changes == {"enabled": (False, True)}


def test_an_address_group_given_criteria_drops_the_members_chosen_by_hand() -> None:
    uow = FakeUnitOfWork()
    made = commands.CreateAddressGroup("VIP", ("c-1", "c-2"), None)
    group = mailings.create_address_group(made, uow, ADMIN)  # type: ignore[arg-type]
    changes = commands.AddressGroupChanges(criteria={"role": "customer"})
    changed = mailings.change_address_group(
        commands.ChangeAddressGroup(group.id, changes),
        uow,  # type: ignore[arg-type]
        ADMIN,
    )
    assert (changed.members, changed.criteria) == (None, {"role": "customer"})
    assert uow.audited[-1].changes == {
        "members": (["c-1", "c-2"], None),
        "criteria": (None, {"role": "customer"}),
    }
    with pytest.raises(InvalidInput) as refused:
        mailings.preview_members(uow, {"colour": "red"})  # type: ignore[arg-type]
    assert refused.value.errors[0].field == "criteria"


def test_a_personal_mailbox_made_shared_by_its_owner_is_managed_by_his_groups() -> None:
    uow = FakeUnitOfWork()
    made = commands.CreateMailbox("Của Lan", "personal", "lan@anphat.vn", None, SERVER, SERVER)
    mailbox, _ = mailboxes.create_mailbox(made, uow, FakeSecrets(), LAN)  # type: ignore[arg-type]
    shared = commands.ChangeMailbox(mailbox.id, commands.MailboxChanges(kind="shared"))
    changed, _ = mailboxes.change_mailbox(shared, uow, FakeSecrets(), LAN)  # type: ignore[arg-type]
    assert (changed.kind, changed.owner_id) == ("shared", None)
    assert changed.permissions == (model.Permission("g-sales", True, True, True),)
    assert mailboxes.get_mailbox(uow, mailbox.id, SALES)[0].id == mailbox.id  # type: ignore[arg-type]
    assert uow.audited[-1].changes == {"kind": ("personal", "shared"), "owner_id": ("u-lan", None)}


def test_an_archived_mailbox_holds_its_rule_mails_and_fails_a_mailing_still_queued() -> None:
    uow = FakeUnitOfWork()
    mailbox = a_shared_mailbox(uow)
    uow.addresses.people.append(
        model.Person("counterparty:cp-1", "ketoan@anphat.vn", "cp-1", None, "An Phát", "An Phát")
    )
    template = a_template(uow)
    made = commands.CreateRule("deals.invoice.overdue", template.id, mailbox.id)
    rules.create_rule(made, uow, ADMIN)  # type: ignore[arg-type]
    about = {"document": {"id": "inv-1", "counterparty_id": "cp-1"}}
    event = commands.ScheduleRuleMails("deals.invoice.overdue", "e-1", "inv-1", NOW, about)
    rules.schedule_rule_mails(event, uow)  # type: ignore[arg-type]
    group = mailings.create_address_group(
        commands.CreateAddressGroup("Tất cả", None, {}),
        uow,  # type: ignore[arg-type]
        ADMIN,
    )
    start = commands.StartMailing(group.id, template.id, mailbox.id, per_minute=60_000)
    mailing_id = mailings.start_mailing(start, uow, ADMIN)  # type: ignore[arg-type]
    mailboxes.archive_mailbox(commands.ArchiveRecord(mailbox.id), uow, ADMIN)  # type: ignore[arg-type]
    smtp = FakeBulkSender()
    due = commands.SendDueRuleMails(NOW)
    assert rules.send_due(due, uow, FakeSecrets(), JinjaTemplates(), smtp) == 0  # type: ignore[arg-type]
    run = commands.RunMailing(mailing_id, "https://crm.example.vn/unsubscribe")
    failed = mailings.run_mailing(run, uow, FakeSecrets(), JinjaTemplates(), smtp)  # type: ignore[arg-type]
    assert (failed.mailing.status, failed.mailing.reason) == (
        "failed",
        "mailbox 'Bán hàng' is archived",
    )
    assert smtp.delivered == []
