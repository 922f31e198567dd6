"""One business transaction: a service's repositories and its outbox share one session.

Handlers take `(command, uow)` and speak only domain: they `publish` domain events, and the unit
of work turns them into outbox rows (through the service's translator, its one wire mapper for
events) in the same transaction as the change, at `commit`. An event is translated when it is
published: the aggregate may change again in the same transaction (a deal opened and moved on),
and each event tells it as it was then.

An event that changed a record (`crmkit.domain.Audited`) is also written into the service's audit
table, in the same transaction; a record changed meanwhile by someone else (its version moved on
under this one) makes the whole transaction a `Stale` error, not a silent overwrite."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from types import TracebackType
from typing import Protocol, Self

from google.protobuf.message import Message
from sqlalchemy import Table
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from crmkit import audit
from crmkit.domain import Audit, Audited, Event
from crmkit.errors import Stale
from crmkit.events import check_payload
from crmkit.outbox import Outbox


@dataclass(frozen=True)
class OutboundEvent:
    """A domain event as it leaves: its registered type, its aggregate and its message."""

    event_type: str
    aggregate_id: str
    payload: Message


Translator = Callable[[Event], OutboundEvent]


class UnitOfWork(Protocol):
    """What every handler needs of a transaction; each service's own Protocol adds its
    repositories."""

    def __enter__(self) -> Self: ...

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None: ...

    def commit(self) -> None: ...

    def publish(self, event: Event) -> None: ...


class EventLog(Protocol):
    def add(self, event_type: str, aggregate_id: str, payload: Message) -> None: ...

    def add_many(self, events: list[tuple[str, str, Message]]) -> None: ...


class SessionEvents:
    """Events written into the outbox inside the unit of work's transaction."""

    def __init__(self, session: Session, outbox: Outbox) -> None:
        self.session = session
        self.outbox = outbox

    def add(self, event_type: str, aggregate_id: str, payload: Message) -> None:
        self.add_many([(event_type, aggregate_id, payload)])

    def add_many(self, events: list[tuple[str, str, Message]]) -> None:
        for event_type, _aggregate_id, payload in events:
            check_payload(event_type, payload)
        self.outbox.add_many(self.session, events)


class SqlAlchemyUnitOfWork:
    """Subclasses add their repositories in `open_repositories`."""

    def __init__(
        self,
        sessions: Callable[[], Session],  # a sessionmaker, or one open session for a consumer
        outbox: Table,
        producer: str,
        translate: Translator | None = None,
        audit_entries: Table | None = None,
    ) -> None:
        self.sessions = sessions
        self.outbox = Outbox(outbox, producer)
        self.translate = translate
        self.audit_entries = audit_entries
        self.pending: list[OutboundEvent] = []
        self.audits: list[Audit] = []

    def __enter__(self) -> Self:
        self.session = self.sessions()
        self.events: EventLog = SessionEvents(self.session, self.outbox)
        self.pending, self.audits = [], []
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
        self.pending, self.audits = [], []
        self.session.close()
        if isinstance(error, StaleDataError):  # flushed before the commit
            raise _stale(error) from error

    def publish(self, event: Event) -> None:
        if self.translate is None:
            raise TypeError(f"{type(self).__name__} has no translator for domain events")
        self.pending.append(self.translate(event))
        entry = event.audit() if isinstance(event, Audited) else None
        if entry is not None:
            self.audits.append(entry)

    def write_pending_events(self) -> None:
        """The published domain events into the outbox, in the order they were published, and
        what they changed into the audit."""
        outbound, self.pending = self.pending, []
        if outbound:
            self.events.add_many([(o.event_type, o.aggregate_id, o.payload) for o in outbound])
        audits, self.audits = self.audits, []
        if audits and self.audit_entries is not None:
            audit.write(self.session, self.audit_entries, audits, datetime.now(UTC))

    def commit(self) -> None:
        self.write_pending_events()
        try:
            self.session.commit()
        except StaleDataError as error:
            raise _stale(error) from error


def _stale(error: StaleDataError) -> Stale:
    """Its version moved on between our read and our write: another change came in between."""
    return Stale(f"a record was changed meanwhile; read it again and repeat the change ({error})")


class SessionBoundUnitOfWork:
    """Mixin for consumers: run a handler inside the inbox's transaction, so that the event
    and its effect commit together (the inbox commits; this only writes and flushes)."""

    session: Session
    write_pending_events: Callable[[], None]  # from the unit of work it is mixed into

    def __exit__(self, *exc: object) -> None:
        pass

    def commit(self) -> None:
        self.write_pending_events()
        self.session.flush()
