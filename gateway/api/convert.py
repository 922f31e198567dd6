"""From protobuf replies to the HTTP models, and from HTTP pages to gRPC page requests."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, Protocol, TypeVar

from google.protobuf.field_mask_pb2 import FieldMask
from google.protobuf.json_format import MessageToDict
from google.protobuf.message import Message
from pydantic import BaseModel

from gateway.schemas.common import PageQuery

Model = TypeVar("Model", bound=BaseModel)
Wire = TypeVar("Wire", bound=Message)
PageKind = TypeVar("PageKind", bound=Message)


class PagedReply(Protocol):
    @property
    def items(self) -> Sequence[Message]: ...

    @property
    def total(self) -> int: ...


def as_dict(message: Message) -> dict[str, Any]:
    return MessageToDict(
        message, preserving_proto_field_name=True, always_print_fields_with_no_presence=True
    )


def from_message(model: type[Model], message: Message) -> Model:
    return model.model_validate(as_dict(message))


def page_request(query: PageQuery, kind: Callable[..., PageKind]) -> PageKind:
    """The page asked for, as the PageRequest of the service being called."""
    return kind(page=query.page, page_size=query.page_size)


def page_of(model: type[Model], reply: PagedReply, query: PageQuery) -> dict[str, Any]:
    return {
        "items": [from_message(model, item).model_dump(mode="json") for item in reply.items],
        "total": reply.total,
        "page": query.page,
        "page_size": query.page_size,
    }


def set_present(message: Wire, values: dict[str, Any]) -> Wire:
    """Copies the given values onto the message; None leaves an optional field unset."""
    for name, value in values.items():
        if value is None:
            continue
        field = getattr(message, name)
        if isinstance(value, list):
            field.extend(value)
        else:
            setattr(message, name, value if isinstance(value, str | int | bool) else str(value))
    return message


def patch_of(body: BaseModel, message: Wire) -> tuple[Wire, FieldMask]:
    """The fields a PATCH sent onto the message, and the mask that names them (a field sent as
    null is named and left unset: the service clears it)."""
    sent = {name: getattr(body, name) for name in body.model_fields_set}
    return set_present(message, sent), FieldMask(paths=sorted(sent))
