"""Translation between the domain classes and the protobuf contract in protos/crm/contacts."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from google.protobuf.message import Message

from crm.contacts.v1 import contacts_pb2 as pb
from crmkit.errors import InvalidInput
from crmkit.protobuf import as_text, parse_decimal
from services.contacts.domain import model


def _fill(message: Message, source: object, names: tuple[str, ...]) -> Message:
    for name in names:
        value = as_text(getattr(source, name))
        if value is not None:
            setattr(message, name, value)
    return message


def present(message: Message, names: tuple[str, ...]) -> dict[str, Any]:
    """The fields the caller set, as plain values (absent optional fields are left out)."""
    fields: dict[str, Any] = {}
    for name in names:
        descriptor = message.DESCRIPTOR.fields_by_name[name]
        if descriptor.is_repeated:
            fields[name] = list(getattr(message, name))
        elif descriptor.has_presence:
            if message.HasField(name):
                fields[name] = getattr(message, name)
        else:
            fields[name] = getattr(message, name)
    return fields


def masked(message: Message, paths: list[str], allowed: tuple[str, ...]) -> dict[str, Any]:
    """The fields named by an update mask; a masked field left unset means 'clear it'."""
    fields: dict[str, Any] = {}
    for name in paths:
        if name not in allowed:
            raise InvalidInput.field(name, "cannot be changed")
        descriptor = message.DESCRIPTOR.fields_by_name[name]
        if descriptor.is_repeated:
            fields[name] = list(getattr(message, name))
        elif descriptor.has_presence and not message.HasField(name):
            fields[name] = None
        else:
            fields[name] = getattr(message, name)
    return fields


COUNTERPARTY_OUT = (
    "id", "name", "legal_kind", "tax_id", "region", "industry", "email", "phone", "address",
    "group_id", "parent_id", "owner_id", "status", "abc", "xyz", "created_at", "updated_at", "external_id",
)  # fmt: skip


def counterparty_to_proto(counterparty: model.Counterparty) -> pb.Counterparty:
    message = pb.Counterparty(roles=counterparty.roles, completeness=counterparty.completeness)
    _fill(message, counterparty, COUNTERPARTY_OUT)
    return message


def group_to_proto(group: model.CompanyGroup) -> pb.CompanyGroup:
    return pb.CompanyGroup(id=group.id, name=group.name)


def contact_to_proto(contact: model.ContactPerson) -> pb.ContactPerson:
    names = ("id", "counterparty_id", "full_name", "position", "birthday", "email", "phone")
    message = pb.ContactPerson()
    _fill(message, contact, names)
    return message


def relationship_to_proto(link: model.Relationship) -> pb.Relationship:
    return pb.Relationship(id=link.id, from_id=link.from_id, to_id=link.to_id, kind=link.kind)


def interaction_to_proto(interaction: model.Interaction) -> pb.Interaction:
    names = (
        "id", "counterparty_id", "contact_id", "deal_id", "kind", "subject", "body",
        "planned_at", "done_at", "owner_id",
    )  # fmt: skip
    message = pb.Interaction()
    _fill(message, interaction, names)
    return message


def supplier_profile_to_proto(profile: model.SupplierProfile) -> pb.SupplierProfile:
    message = pb.SupplierProfile(counterparty_id=profile.counterparty_id)
    if profile.delivery_terms is not None:
        message.delivery_terms = profile.delivery_terms
    if profile.reliability is not None:
        message.reliability = profile.reliability
    if profile.lead_time_days is not None:
        message.lead_time_days = profile.lead_time_days
    for item in profile.items:
        message.items.add(
            sku=item.sku, name=item.name, price=str(item.price), currency=item.currency
        )
    return message


def supplier_profile_from_proto(message: pb.SupplierProfile) -> model.SupplierProfile:
    items = [
        model.SupplierItem(
            sku=item.sku,
            name=item.name,
            price=parse_decimal(item.price, f"items[{index}].price") or Decimal(0),
            currency=item.currency,
        )
        for index, item in enumerate(message.items)
    ]
    fields = present(message, ("delivery_terms", "reliability", "lead_time_days"))
    return model.SupplierProfile(counterparty_id=message.counterparty_id, items=items, **fields)


def terms_to_proto(terms: model.CustomerTerms) -> pb.CustomerTerms:
    message = pb.CustomerTerms(counterparty_id=terms.counterparty_id)
    _fill(message, terms, ("discount_percent", "price_list"))
    if terms.payment_days is not None:
        message.payment_days = terms.payment_days
    return message


def terms_from_proto(message: pb.CustomerTerms) -> model.CustomerTerms:
    fields = present(message, ("discount_percent", "price_list", "payment_days"))
    fields["discount_percent"] = parse_decimal(fields.get("discount_percent"), "discount_percent")
    return model.CustomerTerms(counterparty_id=message.counterparty_id, **fields)
