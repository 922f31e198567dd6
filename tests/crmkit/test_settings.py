from __future__ import annotations

import pytest

from crmkit.settings import Settings, SettingsError


def test_defaults_put_every_service_in_its_own_sqlite_file_under_var() -> None:
    settings = Settings.from_env({})
    assert settings.db_url("contacts").endswith("/var/contacts.db")
    assert settings.db_url("gateway").endswith("/var/gateway.db")
    assert settings.gateway_port == 8000


def test_a_malformed_number_stops_start_up_naming_the_variable() -> None:
    with pytest.raises(SettingsError, match="CRM_GATEWAY_PORT"):
        Settings.from_env({"CRM_GATEWAY_PORT": "eighty"})


def test_a_database_url_from_the_environment_wins() -> None:
    settings = Settings.from_env({"CRM_CONTACTS_DB_URL": "postgresql+psycopg://db/contacts"})
    assert settings.db_url("contacts") == "postgresql+psycopg://db/contacts"
