"""The real mail servers that the mail service's integration tests run against."""

from __future__ import annotations

import imaplib
import re
import smtplib
from email.message import EmailMessage
from pathlib import Path

import pytest

from tests.mail_servers import (
    ImapServer,
    ImapUser,
    SmtpServer,
    dovecot_server,
    imap_server,
    imap_user,
    smtp_server,
)

__all__ = ["imap_server", "imap_user", "smtp_server"]  # fixtures, imported for pytest

pytestmark = pytest.mark.integration


def a_message(subject: str, to: str = "buyer@example.com") -> bytes:
    message = EmailMessage()
    message["From"] = "seller@example.com"
    message["To"] = to
    message["Subject"] = subject
    message["Message-ID"] = f"<{subject.replace(' ', '-')}@example.com>"
    message.set_content(f"About {subject}.")
    return bytes(message)


def uidvalidity(client: imaplib.IMAP4, folder: str) -> int:
    status, data = client.status(f'"{folder}"', "(UIDVALIDITY)")
    assert status == "OK", data
    found = re.search(rb"UIDVALIDITY (\d+)", data[0])
    assert found is not None, data
    return int(found.group(1))


def uids(client: imaplib.IMAP4, folder: str) -> list[int]:
    client.select(f'"{folder}"', readonly=True)
    status, data = client.uid("SEARCH", "ALL")
    assert status == "OK", data
    return [int(uid) for uid in data[0].split()]


def test_a_message_appended_for_a_user_is_listed_in_their_inbox_with_uid_and_uidvalidity(
    imap_server: ImapServer, imap_user: ImapUser
) -> None:
    uid = imap_server.append(
        imap_user.name, imap_user.password, "INBOX", a_message("Offer 42"), flags=[r"\Seen"]
    )

    with imap_server.connect(imap_user.name, imap_user.password) as client:
        assert uidvalidity(client, "INBOX") > 0
        assert uids(client, "INBOX") == [uid]
        status, data = client.uid("FETCH", str(uid), "(FLAGS BODY.PEEK[HEADER.FIELDS (SUBJECT)])")
    assert status == "OK"
    assert rb"\Seen" in data[0][0]
    assert b"Subject: Offer 42" in data[0][1]


def test_a_folder_is_created_when_a_message_is_appended_to_it(
    imap_server: ImapServer, imap_user: ImapUser
) -> None:
    first = imap_server.append(imap_user.name, imap_user.password, "Archive", a_message("One"))
    second = imap_server.append(imap_user.name, imap_user.password, "Archive", a_message("Two"))

    with imap_server.connect(imap_user.name, imap_user.password) as client:
        assert uids(client, "Archive") == [first, second]
        assert uids(client, "INBOX") == []


def test_a_second_user_sees_nothing_of_the_first_users_mail(
    imap_server: ImapServer, imap_user: ImapUser
) -> None:
    imap_server.append(imap_user.name, imap_user.password, "INBOX", a_message("Private"))
    imap_server.append(imap_user.name, imap_user.password, "Deals", a_message("Also private"))
    other = imap_server.new_user("other")

    with imap_server.connect(other.name, other.password) as client:
        assert uids(client, "INBOX") == []
        status, folders = client.list()
    assert status == "OK"
    assert [line for line in folders if b"Deals" in line] == []


def test_a_wrong_password_is_refused(imap_server: ImapServer, imap_user: ImapUser) -> None:
    with (
        pytest.raises(imaplib.IMAP4.error, match="AUTHENTICATIONFAILED"),
        imap_server.connect(imap_user.name, "not " + imap_user.password),
    ):
        pass


def test_resetting_uidvalidity_gives_the_same_messages_under_a_new_uidvalidity(
    imap_server: ImapServer, imap_user: ImapUser
) -> None:
    for folder in ("INBOX", "Archive"):
        for subject in ("First", "Second"):
            imap_server.append(imap_user.name, imap_user.password, folder, a_message(subject))
    with imap_server.connect(imap_user.name, imap_user.password) as client:
        before = {folder: uidvalidity(client, folder) for folder in ("INBOX", "Archive")}

    imap_server.reset_uidvalidity(imap_user.name, "INBOX")
    imap_server.reset_uidvalidity(imap_user.name, "Archive")

    with imap_server.connect(imap_user.name, imap_user.password) as client:
        after = {folder: uidvalidity(client, folder) for folder in ("INBOX", "Archive")}
        assert len(uids(client, "INBOX")) == 2
        assert len(uids(client, "Archive")) == 2
    assert after["INBOX"] != before["INBOX"]
    assert after["Archive"] != before["Archive"]


def test_mail_sent_without_login_is_kept_with_its_envelope(smtp_server: SmtpServer) -> None:
    smtp_server.clear()
    with smtplib.SMTP(smtp_server.host, smtp_server.port, timeout=10) as client:
        client.sendmail(
            "seller@example.com",
            ["buyer@example.com", "cfo@example.com"],
            a_message("Quote"),
        )

    assert smtp_server.count() == 1
    [received] = smtp_server.messages
    assert received.mail_from == "seller@example.com"
    assert received.recipients == ("buyer@example.com", "cfo@example.com")
    assert b"Subject: Quote" in received.raw
    assert received.login is None


def test_mail_sent_after_login_is_kept_with_who_logged_in(smtp_server: SmtpServer) -> None:
    smtp_server.clear()
    with smtplib.SMTP(smtp_server.host, smtp_server.port, timeout=10) as client:
        client.login("seller@example.com", "any password")
        client.send_message(EmailMessage(), "seller@example.com", ["buyer@example.com"])
        client.sendmail("seller@example.com", ["buyer@example.com"], a_message("Invoice"))

    assert smtp_server.count() == 2
    assert [m.login for m in smtp_server.messages] == ["seller@example.com"] * 2
    smtp_server.clear()
    assert smtp_server.count() == 0


def running_processes_of(server: ImapServer) -> list[str]:
    """The dovecot master started with this server's configuration, and its children."""
    found = []
    for entry in Path("/proc").iterdir():
        try:
            command = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()
        except OSError:
            continue
        if str(server.root / "dovecot.conf") in command or command.startswith(
            f"dovecot-{server.instance_name}/"
        ):
            found.append(command)
    return found


def test_a_stopped_dovecot_leaves_no_process_and_frees_its_port(tmp_path: Path) -> None:
    with dovecot_server(tmp_path / "dovecot") as server:
        user = server.new_user()
        server.append(user.name, user.password, "INBOX", a_message("Last"))
        assert running_processes_of(server)

    assert running_processes_of(server) == []
    with pytest.raises(ConnectionRefusedError):
        imaplib.IMAP4(server.host, server.port, timeout=2)
