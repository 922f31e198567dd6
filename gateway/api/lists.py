"""The lists a company keeps itself (where deals come from, ...): each one declared once in
`gateway.schemas.deals.MANAGED_LISTS` and served here at its own path, kept by deals; and the
lifecycle of every catalogue's entries (those lists' and the lost reasons'), declared once."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, NamedTuple

from flask import Blueprint, Response
from google.protobuf.message import Message
from pydantic import BaseModel

from crm.deals.v1 import deals_pb2 as pb
from crm.deals.v1.deals_pb2_grpc import DealsStub
from gateway.api import spec
from gateway.api.convert import from_message, page_of, page_request
from gateway.api.render import created
from gateway.context import gateway
from gateway.schemas import deals as s
from gateway.schemas.common import ArchivedQuery
from gateway.versions import expected_version

bp = Blueprint("lists", __name__)
AREA = "deals"


def _deals() -> DealsStub:
    return gateway().clients.deals


class EntryCalls(NamedTuple):
    """The owner's calls for one catalogue's entries."""

    get: Callable[[pb.IdRequest], Message]
    rename: Callable[[pb.RenameRequest], Message]
    archive: Callable[[pb.ArchiveRequest], Message]
    restore: Callable[[pb.IdRequest], Message]


def serve_entries(
    path: str,
    item: str,
    model: type[s.ListItem] | type[s.LostReason],
    calls: Callable[[], EntryCalls],
) -> None:
    """GET, PATCH (a new name), DELETE (archive: no longer offered; what names it keeps it) and
    POST .../restore of one entry of a catalogue the company keeps, at `path`/{entry_id}."""
    one = f"{path}/<entry_id>"
    tag = item.replace(" ", "_")

    def read(entry_id: str) -> BaseModel:
        return from_message(model, calls().get(pb.IdRequest(id=entry_id)))

    def rename(entry_id: str, body: s.Rename) -> BaseModel:
        asked = pb.RenameRequest(id=entry_id, name=body.name, expected_version=expected_version())
        return from_message(model, calls().rename(asked))

    def archive(entry_id: str) -> None:
        calls().archive(pb.ArchiveRequest(id=entry_id, expected_version=expected_version()))

    def restore(entry_id: str) -> BaseModel:
        return from_message(model, calls().restore(pb.IdRequest(id=entry_id)))

    for view, verb in (
        (read, "get"),
        (rename, "rename"),
        (archive, "archive"),
        (restore, "restore"),
    ):
        view.__name__ = f"{verb}_{tag}"
    write = {"area": AREA, "write": True}
    spec.route(bp, one, "GET", summary=f"One {item}", response=model, area=AREA)(read)
    spec.route(
        bp, one, "PATCH", summary=f"Rename a {item}", body=s.Rename, response=model,
        versioned=True, **write,
    )(rename)  # fmt: skip
    spec.route(
        bp, one, "DELETE", summary=f"Archive a {item}: no longer offered, kept where it is named",
        versioned=True, **write,
    )(archive)  # fmt: skip
    spec.route(
        bp, f"{one}/restore", "POST", summary=f"Bring an archived {item} back", response=model,
        **write,
    )(restore)  # fmt: skip


def _list_item_calls() -> EntryCalls:
    deals = _deals()
    return EntryCalls(
        deals.GetListItem, deals.RenameListItem, deals.ArchiveListItem, deals.RestoreListItem
    )


def _lost_reason_calls() -> EntryCalls:
    deals = _deals()
    return EntryCalls(
        deals.GetLostReason,
        deals.RenameLostReason,
        deals.ArchiveLostReason,
        deals.RestoreLostReason,
    )


def serve(managed: s.ManagedList) -> None:
    """POST adds an entry to the list, GET lists its entries in the order they were added."""

    def add(body: s.ListItemIn) -> Response:
        reply = _deals().AddListItem(pb.ListItem(list=managed.name, name=body.name))
        return created(from_message(s.ListItem, reply), f"/api/v1{managed.path}")

    def entries(query: ArchivedQuery) -> dict[str, Any]:
        request = pb.ListItemsRequest(
            list=managed.name, page=page_request(query, pb.PageRequest), archived=query.archived
        )
        return page_of(s.ListItem, _deals().ListListItems(request), query)

    add.__name__, entries.__name__ = f"add_{managed.name}", f"list_{managed.name}"
    spec.route(
        bp,
        managed.path,
        "POST",
        summary=f"Add a {managed.item}",
        body=s.ListItemIn,
        response=s.ListItem,
        status=201,
        area=AREA,
        write=True,
        idempotent=True,
    )(add)
    spec.route(
        bp,
        managed.path,
        "GET",
        summary=f"The {managed.item} list, in the order it was set up",
        query=ArchivedQuery,
        response=s.ListItemPage,
        area=AREA,
    )(entries)
    serve_entries(managed.path, managed.item, s.ListItem, _list_item_calls)


for managed_list in s.MANAGED_LISTS:
    serve(managed_list)
serve_entries("/lost-reasons", "lost reason", s.LostReason, _lost_reason_calls)
