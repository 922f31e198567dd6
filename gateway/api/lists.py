"""The lists a company keeps itself (where deals come from, ...): each one declared once in
`gateway.schemas.deals.MANAGED_LISTS` and served here at its own path, kept by deals."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response

from crm.deals.v1 import deals_pb2 as pb
from crm.deals.v1.deals_pb2_grpc import DealsStub
from gateway.api import spec
from gateway.api.convert import from_message, page_of, page_request
from gateway.api.render import created
from gateway.context import gateway
from gateway.schemas import deals as s
from gateway.schemas.common import PageQuery

bp = Blueprint("lists", __name__)
AREA = "deals"


def _deals() -> DealsStub:
    return gateway().clients.deals


def serve(managed: s.ManagedList) -> None:
    """POST adds an entry to the list, GET lists its entries in the order they were added."""

    def add(body: s.ListItemIn) -> Response:
        reply = _deals().AddListItem(pb.ListItem(list=managed.name, name=body.name))
        return created(from_message(s.ListItem, reply), f"/api/v1{managed.path}")

    def entries(query: PageQuery) -> dict[str, Any]:
        request = pb.ListItemsRequest(list=managed.name, page=page_request(query, pb.PageRequest))
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
        query=PageQuery,
        response=s.ListItemPage,
        area=AREA,
    )(entries)


for managed_list in s.MANAGED_LISTS:
    serve(managed_list)
