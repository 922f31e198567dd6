"""The mail service's tables: mailboxes and who may use them, how far each folder was read,
the messages, and the addresses of counterparties and their people (fed by contacts' events)."""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    Date,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)

from crmkit.audit import define_audit
from crmkit.db import UtcDateTime, id_column
from crmkit.inbox import define_inbox
from crmkit.outbox import define_outbox

metadata = MetaData()
_id = id_column

mailboxes = Table(
    "mailboxes",
    metadata,
    _id(primary_key=True),
    Column("name", String(200), nullable=False),
    Column("kind", String(10), nullable=False),
    Column("address", String(320), nullable=False),
    _id("owner_id", index=True),
    # the servers; passwords encrypted with the service's key (CRM_MAIL_SECRET_KEY)
    Column("imap", JSON, nullable=False),
    Column("smtp", JSON, nullable=False),
    Column("imap_password", Text, nullable=False),
    Column("smtp_password", Text, nullable=False),
    Column("last_sync_at", UtcDateTime),
    Column("last_error", Text),
    Column("created_at", UtcDateTime, nullable=False),
    Column("version", Integer, nullable=False, server_default="1"),
    Column("archived_at", UtcDateTime),
)

permissions = Table(
    "mailbox_permissions",
    metadata,
    _id("mailbox_id", primary_key=True),
    _id("group_id", primary_key=True),
    Column("read", Boolean, nullable=False),
    Column("send", Boolean, nullable=False),
    Column("manage", Boolean, nullable=False),
)

# How far each folder was read: a changed UIDVALIDITY starts the folder again.
folders = Table(
    "folders",
    metadata,
    _id("mailbox_id", primary_key=True),
    Column("name", String(200), primary_key=True),
    Column("uidvalidity", Integer, nullable=False),
    Column("last_uid", Integer, nullable=False),
)

messages = Table(
    "messages",
    metadata,
    _id(primary_key=True),
    _id("mailbox_id", nullable=False, index=True),
    Column("direction", String(3), nullable=False),
    Column("folder", String(200), nullable=False),
    Column("message_id", String(500), nullable=False),
    Column("thread_id", String(500), nullable=False, index=True),
    Column("in_reply_to", String(500)),
    Column("from_address", String(320), nullable=False),
    Column("from_name", String(300), nullable=False),
    Column("to", JSON, nullable=False),
    Column("cc", JSON, nullable=False),
    Column("subject", Text, nullable=False),
    Column("sent_at", UtcDateTime),
    Column("text", Text, nullable=False),
    Column("html", Text),
    Column("attachments", JSON, nullable=False),
    Column("counterparty_ids", JSON, nullable=False),
    Column("contact_ids", JSON, nullable=False),
    _id("deal_id", index=True),
    Column("created_at", UtcDateTime, nullable=False),
    # performer assignment: who answers it, by when; open | done | answered (a reply was sent)
    _id("assignee_id", index=True),
    Column("due_date", Date),
    Column("assignment_note", Text),
    Column("assignment", String(10)),
    UniqueConstraint("mailbox_id", "message_id", name="uq_messages_mailbox_message_id"),
)

# One row per message and counterparty it concerns: the correspondence log of a counterparty.
message_links = Table(
    "message_links",
    metadata,
    _id("message_id", primary_key=True),
    _id("counterparty_id", primary_key=True, index=True),
)

# Whose address is whose (contacts.counterparty.*, contacts.contact.*), with what address
# groups select by: a person's position, and their company's region, industry, roles and ABC.
addresses = Table(
    "addresses",
    metadata,
    Column("owner", String(60), primary_key=True),  # counterparty:<id> | contact:<id>
    Column("email", String(320), index=True),
    Column("domain", String(255), index=True),  # a legal entity's domain (not a public one)
    _id("counterparty_id", nullable=False, index=True),
    _id("contact_id"),
    Column("name", String(300), nullable=False, default=""),
    Column("company", String(300), nullable=False, default=""),
    Column("position", String(200)),
    Column("region", String(200)),
    Column("industry", String(200)),
    Column("roles", String(200), nullable=False, default=""),  # ",customer,supplier,"
    Column("abc", String(1)),
    Column("birthday", String(5), index=True),  # MM-DD of a contact person's birthday
)

templates = Table(
    "templates",
    metadata,
    _id(primary_key=True),
    Column("name", String(200), nullable=False, unique=True),
    Column("subject", Text, nullable=False),
    Column("body", Text, nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("version", Integer, nullable=False, server_default="1"),
    Column("archived_at", UtcDateTime),
)

address_groups = Table(
    "address_groups",
    metadata,
    _id(primary_key=True),
    Column("name", String(200), nullable=False, unique=True),
    Column("members", JSON),  # contact ids chosen by hand, or
    Column("criteria", JSON),  # region, industry, position, role, abc: evaluated when sending
    Column("created_at", UtcDateTime, nullable=False),
    Column("version", Integer, nullable=False, server_default="1"),
    Column("archived_at", UtcDateTime),
)

mailings = Table(
    "mailings",
    metadata,
    _id(primary_key=True),
    _id("address_group_id", nullable=False),
    _id("template_id", nullable=False),
    _id("mailbox_id", nullable=False),
    Column("status", String(10), nullable=False),  # queued | sending | done | failed
    Column("reason", Text),
    Column("per_minute", Integer, nullable=False),
    Column("created_by", String(100), nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("finished_at", UtcDateTime),
)

# One row per recipient: the state that lets a mailing resume after a crash without sending
# anyone twice (a row is marked sent before the SMTP server is told the message is complete).
recipients = Table(
    "mailing_recipients",
    metadata,
    _id("mailing_id", primary_key=True),
    Column("email", String(320), primary_key=True),
    _id("contact_id"),
    _id("counterparty_id"),
    Column("state", String(10), nullable=False),  # pending | sent | failed | skipped
    Column("error", Text),
    Column("sent_at", UtcDateTime),
)

# "When an invoice is overdue, 3 days later send the payment reminder from Accounting".
rules = Table(
    "rules",
    metadata,
    _id(primary_key=True),
    Column("event", String(100), nullable=False, index=True),  # an event type, or contact.birthday
    Column("offset_days", Integer, nullable=False),
    _id("template_id", nullable=False),
    _id("mailbox_id", nullable=False),
    Column("enabled", Boolean, nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("version", Integer, nullable=False, server_default="1"),
    Column("archived_at", UtcDateTime),
)

# Exactly one e-mail per (rule, subject, occurrence): the key is the primary key.
rule_mails = Table(
    "rule_mails",
    metadata,
    _id("rule_id", primary_key=True),
    Column("subject", String(100), primary_key=True),  # the invoice, contact... it is about
    Column("occurrence", String(100), primary_key=True),  # the event, or the year of a birthday
    Column("email", String(320), nullable=False),
    _id("contact_id"),
    _id("counterparty_id"),
    Column("context", JSON, nullable=False),  # what the template may say (the event's fields)
    Column("due_at", UtcDateTime, nullable=False, index=True),
    Column("state", String(10), nullable=False),  # scheduled | sent | failed | cancelled
    Column("error", Text),
    Column("sent_at", UtcDateTime),
)

# People met in the mail who are not in contacts yet: proposed, for a user to accept.
proposals = Table(
    "contact_proposals",
    metadata,
    _id(primary_key=True),
    _id("mailbox_id", nullable=False),
    Column("email", String(320), nullable=False),
    Column("name", String(300), nullable=False),
    Column("company", String(300)),  # a vCard's ORG, or the company domain
    Column("phone", String(60)),
    Column("source", String(10), nullable=False),  # address | vcard
    Column("messages", Integer, nullable=False),
    Column("status", String(10), nullable=False),  # proposed | accepted | dismissed
    _id("counterparty_id"),
    _id("contact_id"),
    Column("first_seen_at", UtcDateTime, nullable=False),
    UniqueConstraint("mailbox_id", "email", name="uq_contact_proposals_mailbox_email"),
)

suppressions = Table(
    "suppressions",
    metadata,
    Column("email", String(320), primary_key=True),
    Column("reason", String(50), nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
)

outbox = define_outbox(metadata)
inbox = define_inbox(metadata)
audit = define_audit(metadata)
