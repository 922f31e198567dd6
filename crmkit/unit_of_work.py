"""One business transaction: a service's repositories and its outbox share one session."""

from __future__ import annotations

from types import TracebackType
from typing import Protocol, Self

from google.protobuf.message import Message
from sqlalchemy import Table
from sqlalchemy.orm import Session, sessionmaker

from crmkit.outbox import Outbox


class EventLog(Protocol):
    def add(self, event_type: str, aggregate_id: str, payload: Message) -> None: ...

    def add_many(self, events: list[tuple[str, str, Message]]) -> None: ...


class SessionEvents:
    """Events written into the outbox inside the unit of work's transaction."""

    def __init__(self, session: Session, outbox: Outbox) -> None:
        self.session = session
        self.outbox = outbox

    def add(self, event_type: str, aggregate_id: str, payload: Message) -> None:
        self.outbox.add(self.session, event_type, aggregate_id, payload)

    def add_many(self, events: list[tuple[str, str, Message]]) -> None:
        self.outbox.add_many(self.session, events)


class SqlAlchemyUnitOfWork:
    """Subclasses add their repositories in `open_repositories`."""

    def __init__(self, sessions: sessionmaker[Session], outbox: Table, producer: str) -> None:
        self.sessions = sessions
        self.outbox = Outbox(outbox, producer)

    def __enter__(self) -> Self:
        self.session = self.sessions()
        self.events: EventLog = SessionEvents(self.session, self.outbox)
        self.open_repositories(self.session)
        return self

    def open_repositories(self, session: Session) -> None:
        raise NotImplementedError

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        # Closing rolls back whatever was not committed; loaded objects stay readable.
        self.session.close()

    def commit(self) -> None:
        self.session.commit()


class SessionBoundUnitOfWork:
    """Mixin for consumers: run a handler inside the inbox's transaction, so that the event
    and its effect commit together (the inbox commits; this only flushes)."""

    session: Session

    def __exit__(self, *exc: object) -> None:
        pass

    def commit(self) -> None:
        self.session.flush()
