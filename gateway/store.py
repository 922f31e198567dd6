"""The gateway's own tables: people, groups, machine keys, tokens and idempotency records."""

from __future__ import annotations

from sqlalchemy import (
    Boolean,
    Column,
    ForeignKey,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    false,
    text,
)

from crmkit.audit import define_audit
from crmkit.db import UtcDateTime

metadata = MetaData()

users = Table(
    "users",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("username", String(150), nullable=False, unique=True),
    Column("password_hash", String(200), nullable=False),
    Column("full_name", String(300), nullable=False),
    Column("email", String(320)),
    Column("roles", String(200), nullable=False),
    Column("supervisor_id", String(36), ForeignKey("users.id")),
    Column("active", Boolean, nullable=False, default=True),
    Column("created_at", UtcDateTime, nullable=False),
    Column("version", Integer, nullable=False, default=1, server_default=text("1")),
    Column("must_change_password", Boolean, nullable=False, default=False, server_default=false()),
    Column("time_zone", String(64)),  # her own; none: the company's
)

groups = Table(
    "groups",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("name", String(200), nullable=False, unique=True),
    Column("version", Integer, nullable=False, default=1, server_default=text("1")),
    Column("archived_at", UtcDateTime),
)

user_groups = Table(
    "user_groups",
    metadata,
    Column("user_id", String(36), ForeignKey("users.id"), primary_key=True),
    Column("group_id", String(36), ForeignKey("groups.id"), primary_key=True),
)

api_keys = Table(
    "api_keys",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("name", String(200), nullable=False),
    Column("secret_hash", String(64), nullable=False),
    Column("scopes", String(500), nullable=False),
    Column("created_by", String(36), ForeignKey("users.id")),
    Column("created_at", UtcDateTime, nullable=False),
    Column("revoked_at", UtcDateTime),
)

refresh_tokens = Table(
    "refresh_tokens",
    metadata,
    Column("token_hash", String(64), primary_key=True),
    Column("family_id", String(36), nullable=False, index=True),
    Column("user_id", String(36), ForeignKey("users.id"), nullable=False),
    Column("expires_at", UtcDateTime, nullable=False),
    Column("used_at", UtcDateTime),
    Column("revoked_at", UtcDateTime),
)

login_attempts = Table(
    "login_attempts",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("username", String(150), nullable=False, index=True),
    Column("remote_addr", String(64), nullable=False, index=True),
    Column("at", UtcDateTime, nullable=False, index=True),
)

idempotency_records = Table(
    "idempotency_records",
    metadata,
    Column("scope", String(400), primary_key=True),
    Column("body_hash", String(64), nullable=False),
    Column("status", Integer),
    Column("response", LargeBinary),
    Column("location", Text),
    Column("created_at", UtcDateTime, nullable=False, index=True),
)

audit = define_audit(metadata)  # the history of users, groups and API keys (gateway.history)
