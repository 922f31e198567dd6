"""What every service's FakeUnitOfWork shares: a transaction that keeps the domain events
published inside it once it commits, and drops them, as a rollback would, when it ends without."""

from __future__ import annotations

from typing import Self

from crmkit.domain import Audit, Audited, Event


class FakeTransaction:
    def __init__(self) -> None:
        self.pending: list[Event] = []
        self.published: list[Event] = []
        self.commits = 0

    @property
    def audited(self) -> list[Audit]:
        """What the committed changes wrote into the audit, as a real unit of work does."""
        entries = [event.audit() for event in self.published if isinstance(event, Audited)]
        return [entry for entry in entries if entry is not None]

    @property
    def committed(self) -> bool:
        return self.commits > 0

    def __enter__(self) -> Self:
        self.pending = []
        return self

    def __exit__(self, *exc: object) -> None:
        self.pending = []

    def publish(self, event: Event) -> None:
        self.pending.append(event)

    def flush(self) -> None:
        self.published += self.pending
        self.pending = []

    def commit(self) -> None:
        self.flush()
        self.commits += 1
