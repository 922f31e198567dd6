"""Building blocks shared by every resource's request and response models."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Generic, TypeVar

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints
from pydantic_core import PydanticCustomError

from crmkit import time_zones

Item = TypeVar("Item")

# Ids are UUIDs, which every service keeps in 36 characters.
Id = Annotated[str, StringConstraints(min_length=1, max_length=36, pattern=r"^[A-Za-z0-9_.:-]+$")]
Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=300)]
# Names kept in 200 characters (groups, keys, pipelines, stages, lost reasons, mailboxes,
# templates, address groups) and words kept in 100 (kinds, SKUs).
ShortName = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]


def _time_zone(name: str) -> str:
    if not time_zones.known(name):
        raise PydanticCustomError("not_a_time_zone", time_zones.NOT_A_TIME_ZONE)
    return name


TimeZone = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=64),
    AfterValidator(_time_zone),
    Field(description="an IANA time zone, e.g. Asia/Ho_Chi_Minh", examples=["Asia/Ho_Chi_Minh"]),
]
Word = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]
ShortText = Annotated[str, StringConstraints(strip_whitespace=True, max_length=300)]
LongText = Annotated[str, StringConstraints(max_length=20_000)]
Phone = Annotated[str, StringConstraints(strip_whitespace=True, pattern=r"^\+?[0-9 ().-]{5,30}$")]
TaxId = Annotated[str, StringConstraints(strip_whitespace=True, pattern=r"^[0-9A-Za-z-]{5,20}$")]
Money = Annotated[
    str, StringConstraints(strip_whitespace=True, pattern=r"^-?\d{1,16}(\.\d{1,2})?$")
]
Percent = Annotated[
    str, StringConstraints(strip_whitespace=True, pattern=r"^(100(\.0{1,2})?|\d{1,2}(\.\d{1,2})?)$")
]
Currency = Annotated[str, StringConstraints(pattern=r"^[A-Z]{3}$")]


class Input(BaseModel):
    """Request bodies: an unknown field is an error that names it."""

    model_config = ConfigDict(extra="forbid")


class Query(BaseModel):
    model_config = ConfigDict(extra="ignore")


class PageQuery(Query):
    page: int = Field(1, ge=1, le=1_000_000)
    page_size: int = Field(50, ge=1, le=500)


class Record(BaseModel):
    """What every record a person changes, archives and restores answers besides its fields
    (API.md, "Second wave"); read-only: sent in a body they are a 422."""

    version: int = Field(1, ge=1, description="changes with every change; its ETag")
    archived_at: datetime | None = Field(None, description="set while it is archived")


class ArchivedQuery(PageQuery):
    archived: bool = Field(False, description="the archived records instead of the others")


class Page(BaseModel, Generic[Item]):
    items: list[Item]
    total: int
    page: int
    page_size: int

    @classmethod
    def model_parametrized_name(cls, params: tuple[Any, ...]) -> str:
        """`DealPage`, not `Page[Deal]`: OpenAPI names a component with letters, digits, . - _"""
        return "".join(param.__name__ for param in params) + "Page"
