"""The mail servers of a mailbox: reading folders over IMAP (imapclient), sending over SMTP.

Every failure leaves as `MailServerError`, naming the server and the step that failed, so the
sync health of a mailbox can show it to a person; the password never appears in it.
"""

from __future__ import annotations

import imaplib
import smtplib
import ssl
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from email.message import EmailMessage
from types import TracebackType
from typing import Any

from imapclient import IMAPClient

from services.mail.domain.model import SECURITY, Fetched, MailServerError, ServerAccount

_UNSELECTABLE = frozenset({b"\\noselect", b"\\nonexistent"})
SECURITY_MODES = SECURITY


class RecipientsRefused(MailServerError):
    """The SMTP server refused some recipients; `refused` maps each to the server's reply."""

    def __init__(self, message: str, refused: dict[str, str]) -> None:
        super().__init__(message)
        self.refused = refused


@contextmanager
def _failures(protocol: str, account: ServerAccount, step: str) -> Iterator[None]:
    """Turn the errors of one step into a `MailServerError` that names the server and the step."""
    try:
        yield
    except MailServerError:
        raise
    # UnicodeError: a host name the resolver cannot even encode (IDNA) reaches no server either
    except (OSError, UnicodeError, imaplib.IMAP4.error, smtplib.SMTPException) as exc:
        detail = str(exc) or type(exc).__name__
        leaked = bool(account.password) and account.password in detail
        if leaked:
            detail = detail.replace(account.password, "***")
        error = MailServerError(
            f"{protocol} server {account.host}:{account.port} ({account.security}): "
            f"{step} failed: {detail}"
        )
        raise error from (None if leaked else exc)


class ImapMailbox:
    """One IMAP session: connects and logs in on enter, logs out on exit."""

    def __init__(self, account: ServerAccount, timeout: float = 30.0) -> None:
        self._account = account
        self._timeout = timeout
        self._client: Any = None

    def __enter__(self) -> ImapMailbox:
        account = self._account
        with _failures("IMAP", account, "connecting"):
            client = IMAPClient(
                account.host,
                port=account.port,
                ssl=account.security == "ssl",
                ssl_context=ssl.create_default_context(),
                timeout=self._timeout,
            )
        try:
            if account.security == "starttls":
                with _failures("IMAP", account, "STARTTLS"):
                    client.starttls(ssl.create_default_context())
            with _failures("IMAP", account, f"login as {account.username!r}"):
                client.login(account.username, account.password)
        except MailServerError:
            _close_quietly(client)
            raise
        self._client = client
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        client, self._client = self._client, None
        if client is None:
            return
        try:
            client.logout()
        except (OSError, imaplib.IMAP4.error):
            _close_quietly(client)

    def folders(self) -> list[str]:
        with _failures("IMAP", self._account, "listing folders"):
            listed = self._session().list_folders()
        names = [
            str(name)
            for flags, _, name in listed
            if not _UNSELECTABLE.intersection(flag.lower() for flag in flags)
        ]
        return sorted(names, key=lambda name: name.upper() != "INBOX")

    def fetch_new(
        self, folder: str, uidvalidity: int | None, last_uid: int, limit: int = 500
    ) -> tuple[int, list[Fetched]]:
        """The folder's current UIDVALIDITY, and messages with UID > last_uid in UID order
        (at most `limit`); when the given uidvalidity is None or differs from the server's,
        from the first UID (the caller then dedupes by Message-ID)."""
        client = self._session()
        with _failures("IMAP", self._account, f"selecting folder {folder!r}"):
            current = int(client.select_folder(folder, readonly=True)[b"UIDVALIDITY"])
        after = last_uid if uidvalidity == current else 0
        with _failures("IMAP", self._account, f"searching folder {folder!r}"):
            # "n:*" also matches the highest UID when it is below n, hence the filter.
            found = client.search(["UID", f"{after + 1}:*"])
        uids = sorted(uid for uid in found if uid > after)[: max(limit, 0)]
        if not uids:
            return current, []
        with _failures("IMAP", self._account, f"fetching from folder {folder!r}"):
            bodies = client.fetch(uids, ["BODY.PEEK[]"])
        return current, [
            Fetched(folder, current, uid, bytes(bodies[uid][b"BODY[]"]))
            for uid in uids
            if uid in bodies  # a message expunged between SEARCH and FETCH is simply gone
        ]

    def append(self, folder: str, raw: bytes, flags: tuple[str, ...] = ("\\Seen",)) -> None:
        client = self._session()
        with _failures("IMAP", self._account, f"creating folder {folder!r}"):
            if not client.folder_exists(folder):
                client.create_folder(folder)
        with _failures("IMAP", self._account, f"appending to folder {folder!r}"):
            client.append(folder, raw, flags=flags)

    def _session(self) -> Any:
        if self._client is None:
            raise MailServerError(
                f"IMAP server {self._account.host}:{self._account.port}: "
                "not connected (use ImapMailbox as a context manager)"
            )
        return self._client


def _close_quietly(client: Any) -> None:
    # The connection may already be gone, which is all we wanted.
    with suppress(OSError, imaplib.IMAP4.error):
        client.shutdown()


def open_smtp(account: ServerAccount, timeout: float) -> smtplib.SMTP:
    """A connection ready to send: TLS as the account says, logged in when it has a username."""
    with _failures("SMTP", account, "connecting"):
        if account.security == "ssl":
            smtp: smtplib.SMTP = smtplib.SMTP_SSL(
                account.host, account.port, timeout=timeout, context=ssl.create_default_context()
            )
        else:
            smtp = smtplib.SMTP(account.host, account.port, timeout=timeout)
    try:
        if account.security == "starttls":
            with _failures("SMTP", account, "STARTTLS"):
                smtp.starttls(context=ssl.create_default_context())
        if account.username:
            with _failures("SMTP", account, f"login as {account.username!r}"):
                smtp.login(account.username, account.password)
    except MailServerError:
        close_smtp(smtp)
        raise
    return smtp


def close_smtp(smtp: smtplib.SMTP) -> None:
    try:
        smtp.quit()
    except (OSError, smtplib.SMTPException):
        smtp.close()


class SmtpSender:
    """Sends one message per connection; logs in only when the account has a username."""

    def __init__(self, account: ServerAccount, timeout: float = 30.0) -> None:
        self._account = account
        self._timeout = timeout

    def send(self, message: EmailMessage) -> None:
        with self._connection() as smtp, _failures("SMTP", self._account, "sending"):
            try:
                refused = smtp.send_message(message)
            except smtplib.SMTPRecipientsRefused as exc:
                raise self._refused(exc.recipients, accepted_others=False) from exc
            if refused:
                raise self._refused(refused, accepted_others=True)

    @contextmanager
    def _connection(self) -> Iterator[smtplib.SMTP]:
        smtp = open_smtp(self._account, self._timeout)
        try:
            yield smtp
        finally:
            close_smtp(smtp)

    def _refused(
        self, recipients: dict[str, tuple[int, bytes]], accepted_others: bool
    ) -> RecipientsRefused:
        refused = {
            address: f"{code} {reply.decode('utf-8', 'replace')}"
            for address, (code, reply) in recipients.items()
        }
        named = "; ".join(f"{address} ({reply})" for address, reply in refused.items())
        outcome = "sent to the other recipients" if accepted_others else "not sent"
        return RecipientsRefused(
            f"SMTP server {self._account.host}:{self._account.port} refused {named}: "
            f"message {outcome}",
            refused,
        )
