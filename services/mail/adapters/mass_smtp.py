"""One SMTP connection kept open for a mass mailing, and a delivery the server completes only
after the mailing has recorded it: a crash can then cost at most the one message in flight,
never a second copy to anyone (the server drops a message whose final dot never came)."""

from __future__ import annotations

import re
import smtplib
import socket
from collections.abc import Callable
from email.message import EmailMessage
from types import TracebackType

from services.mail.adapters.mailservers import (
    MailServerError,
    ServerAccount,
    close_smtp,
    open_smtp,
)

CRLF = b"\r\n"


def _wire(message: EmailMessage) -> bytes:
    data = re.sub(rb"(?:\r\n|\n|\r(?!\n))", CRLF, message.as_bytes())
    data = re.sub(rb"(?m)^\.", b"..", data)
    return data if data.endswith(CRLF) else data + CRLF


class SmtpSession:
    def __init__(self, account: ServerAccount, timeout: float = 30.0) -> None:
        self.account = account
        self.timeout = timeout
        self.smtp: smtplib.SMTP | None = None

    def __enter__(self) -> SmtpSession:
        self._connect()
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self.smtp is not None:
            close_smtp(self.smtp)

    def _connect(self) -> None:
        self.smtp = open_smtp(self.account, self.timeout)
        if self.smtp.sock is not None:  # the final dot goes alone: no Nagle wait for it
            self.smtp.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def deliver(self, message: EmailMessage, recipient: str, record: Callable[[], bool]) -> bool:
        """Sends `message` to `recipient`; `record` is called once the server holds the whole
        message and before it is told so; when `record` says no (taken by someone else), the
        message is abandoned. Returns whether the server accepted it."""
        if self.smtp is None:
            self._connect()
        assert self.smtp is not None
        smtp = self.smtp
        try:
            smtp.ehlo_or_helo_if_needed()
            code, answer = smtp.mail(str(message["From"]))
            if code != 250:
                raise MailServerError(f"SMTP refused the sender: {code} {answer!r}")
            code, answer = smtp.rcpt(recipient)
            if code not in (250, 251):
                smtp.rset()
                return False
            code, answer = smtp.docmd("DATA")
            if code != 354:
                raise MailServerError(f"SMTP refused DATA: {code} {answer!r}")
            smtp.send(_wire(message))
            if not record():
                smtp.close()  # the server drops the unfinished message
                self.smtp = None
                return False
            smtp.send(b"." + CRLF)
            code, answer = smtp.getreply()
            return code == 250
        except (smtplib.SMTPException, OSError) as error:
            self.smtp = None
            raise MailServerError(f"SMTP delivery to {recipient}: {type(error).__name__}") from None
