from __future__ import annotations

import pytest

from crmkit.settings import Settings
from suite.procfile import ScaleError, parse_scale, scaled

PROCFILE = """gateway: gunicorn gateway.wsgi:app
contacts: python -m services.contacts serve
contacts_relay: python -m services.contacts relay
deals: python -m services.deals serve
deals_beat: python -m services.deals beat
"""


def test_scale_names_services_and_their_number_of_copies() -> None:
    assert parse_scale("contacts=2, deals=3") == {"contacts": 2, "deals": 3}
    assert parse_scale("") == {}
    for wrong in ("contacts", "contacts=0", "billing=2", "contacts=two"):
        with pytest.raises(ScaleError, match="SCALE"):
            parse_scale(wrong)


def test_every_copy_of_a_server_listens_on_its_own_port_and_clients_are_given_them_all() -> None:
    procfile, env = scaled(PROCFILE, {"contacts": 2}, Settings.from_env({}))
    lines = procfile.splitlines()
    assert "contacts_1: CRM_GRPC_PORT=50051 python -m services.contacts serve" in lines
    assert "contacts_2: CRM_GRPC_PORT=50151 python -m services.contacts serve" in lines
    assert "contacts_relay_2: python -m services.contacts relay" in lines
    assert "deals: python -m services.deals serve" in lines
    assert env.strip() == "CRM_CONTACTS_ADDR=ipv4:127.0.0.1:50051,127.0.0.1:50151"
    settings = Settings.from_env({"CRM_CONTACTS_ADDR": env.strip().split("=", 1)[1]})
    assert settings.grpc_port("contacts") == 50051


def test_celery_beat_is_never_copied_so_scheduled_jobs_run_once() -> None:
    procfile, _ = scaled(PROCFILE, {"deals": 3}, Settings.from_env({}))
    assert [line for line in procfile.splitlines() if "beat" in line] == [
        "deals_beat: python -m services.deals beat"
    ]
    assert sum("services.deals serve" in line for line in procfile.splitlines()) == 3
