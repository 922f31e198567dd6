"""The contacts service's tables, mapped onto the plain domain classes."""

from __future__ import annotations

from sqlalchemy import (
    Column,
    Date,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    Numeric,
    String,
    Table,
    Text,
    TypeDecorator,
    UniqueConstraint,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import registry, relationship

from crmkit.audit import define_audit
from crmkit.db import UtcDateTime
from crmkit.inbox import define_inbox
from crmkit.outbox import define_outbox
from services.contacts.domain import model

metadata = MetaData()
mapper_registry = registry(metadata=metadata)


class RoleList(TypeDecorator[list[str]]):
    """Roles stored as ',customer,supplier,' so that one LIKE finds a role on any database."""

    impl = String(200)
    cache_ok = True

    def process_bind_param(self, value: list[str] | None, dialect: Dialect) -> str:
        return "," + ",".join(value or []) + ","

    def process_result_value(self, value: str | None, dialect: Dialect) -> list[str]:
        return [role for role in (value or "").split(",") if role]


counterparties = Table(
    "counterparties",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("name", String(300), nullable=False),
    Column("legal_kind", String(20), nullable=False),
    Column("roles", RoleList, nullable=False),
    Column("tax_id", String(40), index=True),
    Column("region", String(120), index=True),
    Column("industry", String(120), index=True),
    Column("email", String(320), index=True),
    Column("phone", String(40)),
    Column("address", Text),
    Column("group_id", String(36), ForeignKey("company_groups.id"), index=True),
    Column("parent_id", String(36), ForeignKey("counterparties.id")),
    Column("owner_id", String(36), index=True),
    Column("external_id", String(100)),
    Column("status", String(20), nullable=False),
    Column("abc", String(1)),
    Column("xyz", String(1)),
    Column("completeness", Integer, nullable=False),
    Column("search_text", Text, nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
    Column("deleted_at", UtcDateTime),  # when it was archived
    Column("version", Integer, nullable=False, server_default="1"),
    Index("ix_counterparties_name", "name"),
    UniqueConstraint("external_id", name="uq_counterparties_external_id"),
)

company_groups = Table(
    "company_groups",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("name", String(300), nullable=False, unique=True),
    Column("version", Integer, nullable=False, server_default="1"),
    Column("archived_at", UtcDateTime),
)

contact_persons = Table(
    "contact_persons",
    metadata,
    Column("id", String(36), primary_key=True),
    Column(
        "counterparty_id", String(36), ForeignKey("counterparties.id"), nullable=False, index=True
    ),
    Column("full_name", String(300), nullable=False),
    Column("position", String(200)),
    Column("birthday", Date),
    Column("email", String(320)),
    Column("phone", String(40)),
    Column("created_at", UtcDateTime, nullable=False),
    Column("version", Integer, nullable=False, server_default="1"),
    Column("archived_at", UtcDateTime),
    Column("search_text", Text, nullable=False, server_default=""),
)

relationships = Table(
    "relationships",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("from_id", String(36), ForeignKey("counterparties.id"), nullable=False, index=True),
    Column("to_id", String(36), ForeignKey("counterparties.id"), nullable=False, index=True),
    Column("kind", String(40), nullable=False),
    Column("version", Integer, nullable=False, server_default="1"),
    Column("archived_at", UtcDateTime),
)

interactions = Table(
    "interactions",
    metadata,
    Column("id", String(36), primary_key=True),
    Column(
        "counterparty_id", String(36), ForeignKey("counterparties.id"), nullable=False, index=True
    ),
    Column("contact_id", String(36), ForeignKey("contact_persons.id")),
    Column("deal_id", String(36)),
    Column("kind", String(20), nullable=False),
    Column("subject", String(500), nullable=False),
    Column("body", Text),
    Column("planned_at", UtcDateTime, index=True),
    Column("done_at", UtcDateTime),
    Column("owner_id", String(36), index=True),
    Column("created_at", UtcDateTime, nullable=False),
    Column("outcome", Text),  # what came of it, said when it was done
    Column("version", Integer, nullable=False, server_default="1"),
    Column("archived_at", UtcDateTime),
)

supplier_profiles = Table(
    "supplier_profiles",
    metadata,
    Column("counterparty_id", String(36), ForeignKey("counterparties.id"), primary_key=True),
    Column("delivery_terms", Text),
    Column("reliability", Integer),
    Column("lead_time_days", Integer),
)

supplier_items = Table(
    "supplier_items",
    metadata,
    Column(
        "counterparty_id",
        String(36),
        ForeignKey("supplier_profiles.counterparty_id"),
        primary_key=True,
    ),
    Column("sku", String(100), primary_key=True),
    Column("name", String(300), nullable=False),
    Column("price", Numeric(18, 2), nullable=False),
    Column("currency", String(3), nullable=False),
)

customer_terms = Table(
    "customer_terms",
    metadata,
    Column("counterparty_id", String(36), ForeignKey("counterparties.id"), primary_key=True),
    Column("discount_percent", Numeric(5, 2)),
    Column("price_list", String(200)),
    Column("payment_days", Integer),
)

outbox = define_outbox(metadata)
inbox = define_inbox(metadata)
audit = define_audit(metadata)


def _map_versioned(kind: type, table: Table, properties: dict[str, Column[object]]) -> None:
    """Every UPDATE checks that the row still has the version the change was made on (the
    domain counts the versions: crmkit.domain.Lifecycle); a row changed meanwhile is Stale."""
    mapper_registry.map_imperatively(
        kind,
        table,
        properties=properties,
        version_id_col=table.c.version,
        version_id_generator=False,
    )


def start_mappers() -> None:
    if mapper_registry.mappers:
        return
    _map_versioned(model.Counterparty, counterparties, {"archived_at": counterparties.c.deleted_at})
    _map_versioned(model.CompanyGroup, company_groups, {})
    _map_versioned(model.ContactPerson, contact_persons, {})
    _map_versioned(model.Relationship, relationships, {})
    _map_versioned(model.Interaction, interactions, {})
    mapper_registry.map_imperatively(model.SupplierItem, supplier_items)
    mapper_registry.map_imperatively(
        model.SupplierProfile,
        supplier_profiles,
        properties={
            "items": relationship(
                model.SupplierItem,
                cascade="all, delete-orphan",
                lazy="selectin",
                order_by=supplier_items.c.sku,
            )
        },
    )
    mapper_registry.map_imperatively(model.CustomerTerms, customer_terms)
