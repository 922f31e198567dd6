"""A history in pages, newest first, from the services that keep it: each answers the entries
older than the cursor (a moment and a key that breaks ties, crmkit.paging.Before), and the pages
are merged in that one order, so that no entry is skipped or shown twice, however long."""

from __future__ import annotations

import base64
import binascii
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from crm.deals.v1 import deals_pb2
from gateway.errors import ApiError
from gateway.schemas.contacts import Timeline, TimelineEntry


@dataclass(frozen=True)
class Step:
    """One entry of a history, with the key its service orders it by within a moment."""

    entry: TimelineEntry
    key: str


def before(cursor: str | None) -> tuple[str | None, str | None]:
    """(before_at, before_key) of a cursor; a malformed one is a 422 on `cursor`."""
    if cursor is None:
        return None, None
    try:
        at, key = base64.urlsafe_b64decode(cursor.encode()).decode().split("|", 1)
        datetime.fromisoformat(at)
    except (ValueError, binascii.Error, UnicodeDecodeError):
        raise ApiError.invalid("cursor", "is not the next_cursor of a page") from None
    return at, key


def _cursor(step: Step) -> str:
    return base64.urlsafe_b64encode(f"{step.entry.at.isoformat()}|{step.key}".encode()).decode()


def merged(pages: Iterable[Iterable[Step]], limit: int) -> Timeline:
    """The newest `limit` of the services' pages (each asked for `limit` + 1), and the cursor
    of the rest."""
    steps = sorted(
        (step for page in pages for step in page),
        key=lambda step: (step.entry.at, step.key),
        reverse=True,
    )
    shown = steps[:limit]
    return Timeline(
        items=[step.entry for step in shown],
        next_cursor=_cursor(shown[-1]) if len(steps) > limit else None,
    )


def deal_steps(reply: deals_pb2.Timeline) -> list[Step]:
    """Deals' projection of a history, as steps."""
    return [
        Step(
            TimelineEntry(
                kind=e.kind,
                at=datetime.fromisoformat(e.at),
                title=e.title,
                ref_id=e.ref_id,
                params=dict(e.params),
            ),
            e.key,
        )
        for e in reply.items
    ]
