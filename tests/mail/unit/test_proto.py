"""Mail's wire mapper for the records people change: their events leave as the messages the
event registry declares (never with a password), and a change carries exactly the fields its
mask names."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from crm.mail.v1 import mail_pb2 as pb
from crmkit.errors import InvalidInput
from crmkit.events import check_payload
from services.mail.adapters import proto
from services.mail.domain import commands, events, model
from services.mail.domain.commands import NOT_SENT

NOW = datetime(2026, 12, 4, 9, 0, tzinfo=UTC)
SERVER = model.Server("mail.anphat.vn", 993, "ssl", "sales")


def test_every_change_of_a_mail_record_leaves_as_the_message_the_registry_declares() -> None:
    box = model.Mailbox(
        "mb-1", "Bán hàng", "shared", "sales@anphat.vn", None, SERVER, SERVER,
        "sealed-imap-secret", "sealed-smtp-secret", NOW,
    )  # fmt: skip
    template = model.Template("t-1", "Chào", "Chào {{ counterparty.name }}", "Kính gửi", NOW)
    group = model.AddressGroup("g-1", "VIP", None, {"role": "customer"}, NOW)
    rule = model.Rule("r-1", "contact.birthday", 0, "t-1", "mb-1", True, NOW)
    every_event = [
        events.MailboxChanged(box, {}, "created"),
        events.MailboxChanged(box, {"name": ("Cũ", "Bán hàng")}),
        events.TemplateChanged(template, {}, "created"),
        events.TemplateChanged(template, {}, "archived"),
        events.AddressGroupChanged(group, {}, "created"),
        events.AddressGroupChanged(group, {}, "restored"),
        events.RuleChanged(rule, {}, "created"),
        events.RuleChanged(rule, {"enabled": (True, False)}),
    ]
    outbound = [proto.to_outbound(event) for event in every_event]
    for message in outbound:
        check_payload(message.event_type, message.payload)
    assert [message.event_type for message in outbound] == [
        "mail.mailbox.created", "mail.mailbox.updated", "mail.template.created",
        "mail.template.updated", "mail.address_group.created", "mail.address_group.updated",
        "mail.rule.created", "mail.rule.updated",
    ]  # fmt: skip
    assert b"secret" not in outbound[0].payload.SerializeToString()


def test_a_mailbox_change_carries_exactly_the_server_fields_its_mask_names() -> None:
    request = pb.UpdateMailboxRequest(
        id="mb-1", mailbox=pb.Mailbox(name="Mới", imap=pb.Server(port=143, password="p"))
    )
    request.update_mask.paths.extend(["name", "imap.port", "imap.password"])
    command = proto.change_mailbox(request)
    assert command.changes.name == "Mới" and command.changes.address is NOT_SENT
    assert command.changes.imap == commands.ServerChanges(port=143, password="p")
    assert command.changes.smtp == commands.ServerChanges()


@pytest.mark.parametrize("path", ["version", "archived_at", "imap.sealed", "messages"])
def test_a_mask_naming_a_field_that_cannot_be_changed_is_refused_by_name(path: str) -> None:
    request = pb.UpdateMailboxRequest(id="mb-1")
    request.update_mask.paths.append(path)
    with pytest.raises(InvalidInput) as refused:
        proto.change_mailbox(request)
    assert refused.value.errors[0].field == path
