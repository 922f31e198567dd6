"""Whose address is whose, kept from contacts' events: messages are linked by it, address groups
select from it, rules and mailings write to it."""

from __future__ import annotations

from services.mail.domain import commands, model
from services.mail.domain.model import PUBLIC_DOMAINS, domain_of
from services.mail.service_layer.unit_of_work import UnitOfWork


def record_counterparty(command: commands.RecordCounterparty, uow: UnitOfWork) -> None:
    """A company's own domain (not a public one) links the mail of all its people."""
    email = command.email.lower() if command.email is not None else None
    own_domain = (
        bool(email) and command.legal_entity and domain_of(email or "") not in PUBLIC_DOMAINS
    )
    company = model.Company(
        name=command.name,
        region=command.region,
        industry=command.industry,
        roles="," + ",".join(command.roles) + ",",
        abc=command.abc,
    )
    with uow:
        domain = domain_of(email) if email and own_domain else None
        uow.addresses.keep_counterparty(command.counterparty_id, email, domain, company)
        uow.commit()


def forget_counterparty(command: commands.ForgetCounterparty, uow: UnitOfWork) -> None:
    with uow:
        uow.addresses.forget(command.counterparty_id)
        uow.commit()


def record_contact(command: commands.RecordContact, uow: UnitOfWork) -> None:
    """A person shares their company's name, region, industry, roles and ABC."""
    person = model.Person(
        owner=f"contact:{command.contact_id}",
        email=command.email.lower() if command.email is not None else None,
        counterparty_id=command.counterparty_id,
        contact_id=command.contact_id,
        name=command.full_name,
        company="",
        position=command.position,
    )
    birthday = command.birthday[5:10] if command.birthday is not None else None
    with uow:
        company = uow.addresses.company(command.counterparty_id)
        uow.addresses.keep_contact(person, birthday, company)
        uow.commit()
