"""Identity resources of API.md: login, users, groups, API keys."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, EmailStr, Field, StringConstraints, field_validator

from gateway.schemas.common import Id, Input, Name, Page, PageQuery, ShortName, TimeZone

RoleName = Literal["admin", "director", "manager", "marketer", "viewer"]
Username = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=150, pattern=r"^[\w.@+-]+$"),
]
Password = Annotated[str, StringConstraints(min_length=8, max_length=200)]
Scope = Annotated[str, StringConstraints(pattern=r"^[a-z]+:(read|write)$")]


class Login(Input):
    username: Annotated[str, StringConstraints(min_length=1, max_length=150)]
    password: Annotated[str, StringConstraints(min_length=1, max_length=200)]


class Refresh(Input):
    refresh_token: Annotated[str, StringConstraints(min_length=1, max_length=500)]


class Tokens(BaseModel):
    access_token: str
    refresh_token: str
    token_type: Literal["Bearer"] = "Bearer"
    expires_in: int
    must_change_password: bool = Field(
        False, description="she may do nothing but change her password (POST /me/password)"
    )


class PasswordChange(Input):
    current: Annotated[str, StringConstraints(min_length=1, max_length=200)]
    new: Password


class UserCreate(Input):
    username: Username
    password: Password
    full_name: Name
    email: EmailStr | None = None
    roles: list[RoleName] = Field(min_length=1, max_length=5)
    group_ids: list[Id] = Field(default_factory=list, max_length=100)
    supervisor_id: Id | None = None
    time_zone: TimeZone | None = Field(None, description="her own; none: the company's")


class UserPatch(Input):
    """Only the fields sent change; `email`, `supervisor_id` and `time_zone` are cleared with
    null."""

    full_name: Name | None = None
    email: EmailStr | None = None
    roles: list[RoleName] | None = Field(None, min_length=1, max_length=5)
    group_ids: list[Id] | None = Field(None, max_length=100)
    supervisor_id: Id | None = None
    time_zone: TimeZone | None = None

    @field_validator("full_name", "roles", "group_ids", mode="before")
    @classmethod
    def not_null(cls, value: object) -> object:
        if value is None:
            raise ValueError("may not be null")
        return value


class PasswordReset(Input):
    password: Password
    must_change: bool = Field(True, description="she must change it when she next signs in")


class User(BaseModel):
    id: str
    username: str
    full_name: str
    email: str | None = None
    roles: list[RoleName]
    group_ids: list[str]
    supervisor_id: str | None = None
    time_zone: str | None = Field(None, description="her own time zone; none: the company's")
    active: bool = Field(True, description="a deactivated user cannot sign in; her tokens stop")
    must_change_password: bool = False
    version: int = Field(description="bumped by every change; send it back in If-Match")
    created_at: datetime


UserPage = Page[User]


class Me(User):
    company_time_zone: str = Field(description="the company's time zone, hers unless she chose")


class MyChange(Input):
    """What a user changes about herself: her time zone (null: the company's again)."""

    time_zone: TimeZone | None


class GroupCreate(Input):
    name: ShortName


class GroupPatch(Input):
    name: ShortName


class GroupQuery(PageQuery):
    archived: bool = Field(False, description="list the archived groups too")


class Group(BaseModel):
    id: str
    name: str
    archived: bool = Field(False, description="out of the list of groups; members keep it")
    version: int = Field(description="bumped by every change; send it back in If-Match")


GroupPage = Page[Group]


class ApiKeyCreate(Input):
    name: ShortName
    scopes: list[Scope] = Field(min_length=1, max_length=20)


class ApiKey(BaseModel):
    id: str
    name: str
    scopes: list[str]
    created_at: datetime
    created_by: str | None = Field(None, description="the user who made it")
    revoked: bool = False
    revoked_at: datetime | None = None


class ApiKeyCreated(ApiKey):
    key: str = Field(description="shown once; store it now")


ApiKeyPage = Page[ApiKey]


class Health(BaseModel):
    status: Literal["ok", "degraded"]
    services: dict[str, str]
