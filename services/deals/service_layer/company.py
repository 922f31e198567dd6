"""What holds for the whole company: the time zone its days are counted in."""

from __future__ import annotations

from datetime import date

from crmkit.identity import Identity
from crmkit.time_zones import day_in
from services.deals.domain import commands, events, model
from services.deals.service_layer.unit_of_work import UnitOfWork

COMPANY = "company"


def settings_of(uow: UnitOfWork) -> model.CompanySettings:
    """Inside a unit of work: the stored settings, or the defaults while none were set."""
    return uow.company.get(COMPANY) or model.CompanySettings(id=COMPANY)


def company_settings(uow: UnitOfWork) -> model.CompanySettings:
    with uow:
        return settings_of(uow)


def today(uow: UnitOfWork) -> date:
    """The company's day now."""
    return day_in(company_settings(uow).time_zone, model.utcnow())


def set_time_zone(
    command: commands.SetTimeZone, uow: UnitOfWork, actor: Identity
) -> model.CompanySettings:
    actor.require_writer("company")
    with uow:
        settings = uow.company.get(COMPANY)
        if settings is None:
            settings = model.CompanySettings(id=COMPANY)
            uow.company.add(settings)
        changes = settings.set_time_zone(command.time_zone, command.expected_version)
        if changes:
            uow.publish(events.CompanySettingsChanged(settings, changes))
        uow.commit()
    return settings
