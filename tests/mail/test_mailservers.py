"""The mail-server adapters against a real dovecot and a real aiosmtpd on loopback."""

from __future__ import annotations

from email import message_from_bytes, policy
from email.message import EmailMessage

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session

from services.mail.adapters.mailservers import (
    ImapMailbox,
    MailServerError,
    RecipientsRefused,
    ServerAccount,
    SmtpSender,
)
from services.mail.adapters.messages import compose, parse
from tests.mail_servers import (
    ImapServer,
    ImapUser,
    SmtpServer,
    free_port,
    imap_server,
    imap_user,
    smtp_server,
)

__all__ = ["imap_server", "imap_user", "smtp_server"]  # fixtures, imported for pytest

pytestmark = pytest.mark.integration


def account_of(server: ImapServer, user: ImapUser, password: str | None = None) -> ServerAccount:
    return ServerAccount(server.host, server.port, "none", user.name, password or user.password)


def raw_mail(number: int) -> bytes:
    return (
        f"From: khach{number}@example.vn\r\n"
        f"Subject: =?utf-8?q?=C4=90=C6=A1n_h=C3=A0ng_{number}?=\r\n"
        f"Message-ID: <order-{number}@example.vn>\r\n\r\n"
        f"order {number}\r\n"
    ).encode()


def fill_inbox(server: ImapServer, user: ImapUser, count: int) -> list[int]:
    return [server.append(user.name, user.password, "INBOX", raw_mail(n)) for n in range(count)]


def test_messages_in_the_inbox_come_back_in_uid_order_with_the_uidvalidity(
    imap_server: ImapServer, imap_user: ImapUser
) -> None:
    uids = fill_inbox(imap_server, imap_user, 3)

    with ImapMailbox(account_of(imap_server, imap_user)) as mailbox:
        uidvalidity, fetched = mailbox.fetch_new("INBOX", None, 0)

    assert [m.uid for m in fetched] == uids
    assert {(m.folder, m.uidvalidity) for m in fetched} == {("INBOX", uidvalidity)}
    assert [parse(m.raw).subject for m in fetched] == ["Đơn hàng 0", "Đơn hàng 1", "Đơn hàng 2"]


def test_a_second_fetch_from_the_last_uid_returns_nothing(
    imap_server: ImapServer, imap_user: ImapUser
) -> None:
    fill_inbox(imap_server, imap_user, 2)

    with ImapMailbox(account_of(imap_server, imap_user)) as mailbox:
        uidvalidity, first = mailbox.fetch_new("INBOX", None, 0)
        again_validity, again = mailbox.fetch_new("INBOX", uidvalidity, first[-1].uid)

    assert len(first) == 2
    assert again_validity == uidvalidity
    assert again == []


def test_the_limit_is_respected_and_the_next_fetch_continues(
    imap_server: ImapServer, imap_user: ImapUser
) -> None:
    uids = fill_inbox(imap_server, imap_user, 5)

    with ImapMailbox(account_of(imap_server, imap_user)) as mailbox:
        uidvalidity, first = mailbox.fetch_new("INBOX", None, 0, limit=2)
        _, second = mailbox.fetch_new("INBOX", uidvalidity, first[-1].uid, limit=2)
        _, third = mailbox.fetch_new("INBOX", uidvalidity, second[-1].uid, limit=2)

    assert [[m.uid for m in batch] for batch in (first, second, third)] == [
        uids[:2],
        uids[2:4],
        uids[4:],
    ]


def test_a_new_uidvalidity_is_returned_and_all_messages_come_again(
    imap_server: ImapServer, imap_user: ImapUser
) -> None:
    fill_inbox(imap_server, imap_user, 3)
    account = account_of(imap_server, imap_user)
    with ImapMailbox(account) as mailbox:
        old_validity, before = mailbox.fetch_new("INBOX", None, 0)

    imap_server.reset_uidvalidity(imap_user.name, "INBOX")
    with ImapMailbox(account) as mailbox:
        new_validity, after = mailbox.fetch_new("INBOX", old_validity, before[-1].uid)

    assert new_validity != old_validity
    assert {m.uidvalidity for m in after} == {new_validity}
    assert [parse(m.raw).message_id for m in after] == [parse(m.raw).message_id for m in before]


def test_a_wrong_password_is_refused_without_the_password_in_the_error(
    imap_server: ImapServer, imap_user: ImapUser
) -> None:
    wrong = "Sai-mat-khau-8472"

    with (
        pytest.raises(MailServerError) as refused,
        ImapMailbox(account_of(imap_server, imap_user, password=wrong)),
    ):
        pass

    message = str(refused.value)
    assert wrong not in message and imap_user.password not in message
    assert f"{imap_server.host}:{imap_server.port}" in message
    assert "login" in message
    assert wrong not in repr(account_of(imap_server, imap_user, password=wrong))


def test_a_closed_port_is_reported_as_a_mail_server_error() -> None:
    port = free_port()
    account = ServerAccount("127.0.0.1", port, "none", "someone", "secret-123")

    with pytest.raises(MailServerError, match=f"127.0.0.1:{port}.*connecting"):
        ImapMailbox(account, timeout=5).__enter__()
    with pytest.raises(MailServerError, match=f"127.0.0.1:{port}.*connecting"):
        SmtpSender(account, timeout=5).send(hello_message())


def test_a_host_name_that_is_no_host_name_is_reported_as_a_mail_server_error() -> None:
    account = ServerAccount("mail\x93.example", 25, "none", "someone", "secret-123")

    with pytest.raises(MailServerError, match="connecting"):
        ImapMailbox(account, timeout=5).__enter__()
    with pytest.raises(MailServerError, match="connecting"):
        SmtpSender(account, timeout=5).send(hello_message())


def test_the_smtp_sender_delivers_to_every_recipient(smtp_server: SmtpServer) -> None:
    smtp_server.clear()
    message = hello_message()
    for username in ("", "sales@hoa-crm.vn"):
        account = ServerAccount(smtp_server.host, smtp_server.port, "none", username, "pw")
        SmtpSender(account, timeout=5).send(message)

    anonymous, logged_in = smtp_server.messages
    assert smtp_server.count() == 2
    assert sorted(anonymous.recipients) == ["an@example.vn", "binh@example.vn", "kho@example.vn"]
    assert anonymous.login is None and logged_in.login == "sales@hoa-crm.vn"
    delivered = parse(anonymous.raw)
    assert delivered.message_id == str(message["Message-ID"]).strip("<>")
    assert delivered.subject == "Chào anh An"


def test_a_refused_recipient_is_named_in_the_error() -> None:
    refusing = Controller(RefuseKho(), hostname="127.0.0.1", port=free_port())
    refusing.start()
    try:
        account = ServerAccount("127.0.0.1", refusing.port, "none", "", "")
        with pytest.raises(
            RecipientsRefused, match=r"kho@example\.vn.*sent to the other"
        ) as refused:
            SmtpSender(account, timeout=5).send(hello_message())
    finally:
        refusing.stop()

    assert list(refused.value.refused) == ["kho@example.vn"]
    assert refused.value.refused["kho@example.vn"].startswith("550")


class RefuseKho:
    async def handle_RCPT(
        self, server: SMTP, session: Session, envelope: Envelope, address: str, options: list[str]
    ) -> str:
        if address == "kho@example.vn":
            return "550 5.1.1 no such mailbox"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        return "250 OK"


def test_appending_to_sent_creates_the_folder(imap_server: ImapServer, imap_user: ImapUser) -> None:
    raw = hello_message().as_bytes()

    with ImapMailbox(account_of(imap_server, imap_user)) as mailbox:
        assert "Sent" not in mailbox.folders()
        mailbox.append("Sent", raw)
        mailbox.append("Sent", raw)
        folders = mailbox.folders()
        _, stored = mailbox.fetch_new("Sent", None, 0)

    assert folders[0] == "INBOX" and "Sent" in folders
    assert len(stored) == 2
    copy = message_from_bytes(stored[0].raw, policy=policy.default)
    assert str(copy["Subject"]) == "Chào anh An"


def hello_message() -> EmailMessage:
    return compose(
        from_address="sales@hoa-crm.vn",
        from_name="Phòng Kinh doanh",
        to=["an@example.vn", "binh@example.vn"],
        cc=["kho@example.vn"],
        subject="Chào anh An",
        text="Xin chào",
        html="<p>Xin chào</p>",
        in_reply_to=None,
        references=[],
        domain="hoa-crm.vn",
    )
