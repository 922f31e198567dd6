"""The Mail section of API.md as request and response models."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from pydantic import BaseModel, EmailStr, Field, RootModel, StringConstraints, field_validator

from gateway.schemas.common import (
    Id,
    Input,
    LongText,
    Page,
    PageQuery,
    Record,
    ShortName,
    ShortText,
)

Host = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=255)]


class ServerIn(Input):
    host: Host
    port: int = Field(ge=1, le=65535)
    security: Literal["ssl", "starttls", "none"] = "ssl"
    username: ShortText = ""
    password: Annotated[str, StringConstraints(max_length=500)] = Field(
        "", description="write-only: stored encrypted, never returned"
    )


class ServerPatch(Input):
    """Only the fields sent change; a password sent replaces the kept one."""

    host: Host | None = None
    port: int | None = Field(None, ge=1, le=65535)
    security: Literal["ssl", "starttls", "none"] | None = None
    username: ShortText | None = None
    password: Annotated[str, StringConstraints(max_length=500)] | None = Field(
        None,
        description="write-only: stored encrypted, never returned; the history says only that it changed",
    )


class Server(BaseModel):
    host: str
    port: int
    security: str
    username: str = ""


class MailboxIn(Input):
    name: ShortName
    kind: Literal["personal", "shared"] = "personal"
    address: EmailStr
    owner_id: Id | None = Field(None, description="a personal mailbox's owner (default: you)")
    imap: ServerIn
    smtp: ServerIn


class MailboxPatch(Input):
    name: ShortName | None = None
    kind: Literal["personal", "shared"] | None = Field(
        None, description="the rules of a new mailbox hold"
    )
    address: EmailStr | None = None
    owner_id: Id | None = Field(
        None, description="a personal mailbox's owner; only an admin names someone else"
    )
    imap: ServerPatch | None = None
    smtp: ServerPatch | None = None


class Mailbox(Record):
    id: str
    name: str
    kind: str
    address: str
    owner_id: str | None = None
    imap: Server
    smtp: Server
    last_sync_at: dt.datetime | None = Field(None, description="sync health: the last import")
    last_error: str | None = Field(None, description="sync health: why the last import failed")
    created_at: dt.datetime
    messages: int = 0


MailboxPage = Page[Mailbox]


class PermissionIn(Input):
    group_id: Id
    read: bool = True
    send: bool = False
    manage: bool = False


class PermissionsIn(RootModel[list[PermissionIn]]):
    """The whole list of groups and what each may do (a group at most once)."""

    root: list[PermissionIn] = Field(max_length=200)


class Empty(Input):
    pass


class Permission(BaseModel):
    group_id: str
    read: bool = False
    send: bool = False
    manage: bool = False


class Permissions(BaseModel):
    items: list[Permission]


class AttachmentInfo(BaseModel):
    filename: str
    content_type: str = "application/octet-stream"
    size: int = 0
    sha256: str = ""


class Message(BaseModel):
    id: str
    mailbox_id: str
    direction: Literal["in", "out"]
    folder: str
    message_id: str
    thread_id: str
    in_reply_to: str | None = None
    from_address: str = ""
    from_name: str = ""
    to: list[str] = []
    cc: list[str] = []
    subject: str = ""
    sent_at: dt.datetime | None = None
    text: str = ""
    html: str | None = None
    counterparty_ids: list[str] = []
    contact_ids: list[str] = []
    deal_id: str | None = None
    created_at: dt.datetime
    attachments: list[AttachmentInfo] = Field(
        default_factory=list, description="download: /messages/{id}/attachments/{index}"
    )
    assignee_id: str | None = None
    due_date: dt.date | None = None
    assignment_note: str | None = None
    assignment: Literal["open", "done", "answered"] | None = None


MessagePage = Page[Message]


class AssignIn(Input):
    assignee_id: Id
    due_date: dt.date
    note: LongText | None = None


class AssignmentsQuery(PageQuery):
    assignee_id: Id | None = Field(None, description="default: you and the people you supervise")
    overdue: bool = False


class MessageIn(Input):
    mailbox_id: Id
    to: list[EmailStr] = Field(min_length=1, max_length=100)
    cc: list[EmailStr] = Field(default_factory=list, max_length=100)
    subject: ShortText = ""
    body_text: LongText = ""
    body_html: LongText | None = None
    in_reply_to: Id | None = Field(None, description="the id of a message here being answered")
    deal_id: Id | None = None


class MessagesQuery(PageQuery):
    pass


class TemplateIn(Input):
    name: ShortName
    subject: Annotated[str, StringConstraints(max_length=500)]
    body: LongText = Field(
        description="Jinja2 placeholders: {{ contact.full_name }}, {{ contact.position }}, "
        "{{ counterparty.name }}, {{ unsubscribe_url }} (added at the end when missing)"
    )


class TemplatePatch(Input):
    name: ShortName | None = None
    subject: Annotated[str, StringConstraints(max_length=500)] | None = None
    body: LongText | None = None


class TemplatePreviewIn(Input):
    counterparty_id: Id = Field(description="the counterparty the template is filled in for")


class TemplatePreview(BaseModel):
    subject: str
    body: str


class Template(Record):
    id: str
    name: str
    subject: str = ""
    body: str = ""
    created_at: dt.datetime


TemplatePage = Page[Template]


class Criteria(Input):
    region: ShortText | None = None
    industry: ShortText | None = None
    position: ShortText | None = None
    role: Literal["customer", "supplier", "partner", "competitor", "prospect"] | None = None
    abc: Literal["A", "B", "C"] | None = None


class AddressGroupIn(Input):
    name: ShortName
    members: list[Id] | None = Field(None, max_length=100_000, description="contact ids")
    criteria: Criteria | None = Field(None, description="evaluated when a mailing starts")


class AddressGroupPatch(Input):
    name: ShortName | None = None
    members: list[Id] | None = Field(
        None, max_length=100_000, description="contact ids; replace the criteria"
    )
    criteria: Criteria | None = Field(None, description="replace the members chosen by hand")


class MembersPreviewIn(Input):
    criteria: Criteria


class AddressGroup(Record):
    id: str
    name: str
    members: list[str] = []
    criteria: dict[str, str] | None = None
    by_hand: bool = False
    created_at: dt.datetime


AddressGroupPage = Page[AddressGroup]


class Member(BaseModel):
    email: str
    contact_id: str = ""
    counterparty_id: str = ""
    name: str = ""
    company: str = ""


class Members(BaseModel):
    items: list[Member]
    total: int = 0


class MailingIn(Input):
    address_group_id: Id
    template_id: Id
    mailbox_id: Id
    per_minute: int = Field(600, ge=1, le=60_000, description="throttle: messages a minute")


class Mailing(BaseModel):
    id: str
    address_group_id: str
    template_id: str
    mailbox_id: str
    per_minute: int = 0
    status: Literal["queued", "sending", "done", "failed"]
    total: int = 0
    sent: int = 0
    failed: int = 0
    skipped: int = Field(0, description="suppressed addresses")
    created_at: dt.datetime
    finished_at: dt.datetime | None = None


MailingPage = Page[Mailing]


class Unsubscribed(BaseModel):
    email: str
    message: str = "You will not receive these mailings any more."


EventType = Annotated[
    str, StringConstraints(strip_whitespace=True, pattern=r"^[a-z_]+(\.[a-z_]+){1,3}$")
]


class RuleIn(Input):
    event: EventType = Field(
        description="deals.invoice.overdue, contact.birthday, or any deals.* event type"
    )
    offset_days: int = Field(0, ge=0, le=3650, description="send N days after the event")
    template_id: Id
    mailbox_id: Id
    enabled: bool = True


class RulePatch(Input):
    event: EventType | None = None
    offset_days: int | None = Field(None, ge=0, le=3650)
    template_id: Id | None = None
    mailbox_id: Id | None = None
    enabled: bool | None = Field(
        None, description="false: it sends nothing, not even what it had scheduled"
    )

    @field_validator("enabled", "offset_days")
    @classmethod
    def _not_null(cls, value: object) -> object:
        """Sent, it is a value: null switches nothing off and resets no offset."""
        if value is None:
            raise ValueError("must not be null")
        return value


class Rule(Record):
    id: str
    event: str
    offset_days: int = 0
    template_id: str
    mailbox_id: str
    enabled: bool = False
    created_at: dt.datetime


RulePage = Page[Rule]


class Proposal(BaseModel):
    id: str
    mailbox_id: str
    email: str
    name: str
    company: str | None = None
    phone: str | None = None
    source: Literal["address", "vcard"]
    messages: int = Field(0, description="messages they appear in")
    status: Literal["proposed", "accepted", "dismissed"]
    counterparty_id: str | None = None
    contact_id: str | None = None


ProposalPage = Page[Proposal]


class AcceptIn(Input):
    counterparty_id: Id | None = Field(
        None,
        description="add the person to this counterparty; without it a new counterparty is "
        "registered (a company for a company domain, else the person)",
    )
    role: Literal["customer", "supplier", "competitor", "partner", "contractor", "influencer"] = (
        Field("customer", description="the new counterparty's role")
    )
