"""What holds for the whole company: the time zone its days are counted in (kept by deals, whose
reminders and overdue tasks count in it)."""

from __future__ import annotations

from flask import Blueprint

from crm.deals.v1 import deals_pb2 as pb
from gateway.api import spec
from gateway.api.convert import from_message
from gateway.context import gateway
from gateway.schemas import company as s
from gateway.versions import expected_version

bp = Blueprint("company", __name__)
ADMIN = frozenset({"admin"})


def company_time_zone() -> str:
    return gateway().clients.deals.GetCompanySettings(pb.Empty()).time_zone


@spec.route(
    bp,
    "/settings/time-zone",
    "GET",
    summary="The company's time zone: its days, and everyone's who did not choose his own",
    response=s.TimeZoneSetting,
    area="deals",
)
def time_zone() -> s.TimeZoneSetting:
    return from_message(s.TimeZoneSetting, gateway().clients.deals.GetCompanySettings(pb.Empty()))


@spec.route(
    bp,
    "/settings/time-zone",
    "PUT",
    summary="Set the company's time zone (IANA, e.g. Asia/Ho_Chi_Minh)",
    body=s.TimeZoneChange,
    response=s.TimeZoneSetting,
    roles=ADMIN,
    write=True,
    versioned=True,
)
def set_time_zone(body: s.TimeZoneChange) -> s.TimeZoneSetting:
    request = pb.SetTimeZoneRequest(time_zone=body.time_zone, expected_version=expected_version())
    return from_message(s.TimeZoneSetting, gateway().clients.deals.SetCompanyTimeZone(request))
