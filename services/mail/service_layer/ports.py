"""What the mail service layer needs besides its unit of work, as ports the composition root
fills in (`bootstrap.py`) and a test can fake."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from email.message import EmailMessage
from types import TracebackType
from typing import Protocol, Self

from services.mail.domain.model import Fetched, ServerAccount


class Secrets(Protocol):
    """Mailbox passwords sealed at rest, and tokens only this service could have signed."""

    def seal(self, plain: str) -> str: ...

    def open(self, sealed: str) -> str: ...

    def sign(self, text: str) -> str: ...

    def verify(self, token: str) -> str | None: ...


class TemplateFailed(Exception):
    """A template that cannot be filled in with these values."""


class TemplateRenderer(Protocol):
    """Mail templates, kept from exhausting the worker that fills them in."""

    def check(self, text: str) -> str | None:
        """Why the text cannot be a template (tried on a sample where any name may be
        missing), or None when it can."""
        ...

    def render(self, text: str, context: Mapping[str, object]) -> str:
        """Raises TemplateFailed when the values make it fail."""
        ...


class ServerSession(Protocol):
    """One connection to a mail server, open inside `with`."""

    def __enter__(self) -> Self: ...

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None: ...


class MailSource(ServerSession, Protocol):
    def fetch_new(
        self, folder: str, uidvalidity: int | None, last_uid: int, limit: int = 500
    ) -> tuple[int, list[Fetched]]: ...


class Sender(Protocol):
    def send(self, message: EmailMessage) -> None: ...


class BulkSender(ServerSession, Protocol):
    def deliver(
        self, message: EmailMessage, recipient: str, record: Callable[[], bool]
    ) -> bool: ...


class Files(Protocol):
    """The content-addressed store attachments are kept in."""

    def put(self, content: bytes) -> str: ...

    def read(self, digest: str) -> bytes: ...


Servers = Callable[[ServerAccount], MailSource]
Senders = Callable[[ServerAccount], Sender]
BulkSenders = Callable[[ServerAccount], BulkSender]
