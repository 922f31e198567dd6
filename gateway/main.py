"""The gateway from the command line: serve (gunicorn), migrate, and first-start set-up."""

from __future__ import annotations

import os
import secrets
import sys
from pathlib import Path

from crmkit.db import make_engine
from crmkit.db import migrate as migrate_database
from crmkit.settings import Settings
from gateway import accounts

MIGRATIONS = Path(__file__).parent / "migrations"


def migrate(settings: Settings) -> None:
    migrate_database(settings.db_url("gateway"), MIGRATIONS)


def ensure_first_admin(settings: Settings) -> tuple[str, str | None]:
    """Creates the first admin on first start. Returns (admin id, password if generated now)."""
    engine = make_engine(settings.db_url("gateway"))
    password = settings.admin_password
    generated = None
    if password is None:
        generated = password = secrets.token_urlsafe(12)
    with engine.begin() as conn:
        created = accounts.ensure_first_admin(conn, settings.admin_username, password)
        admin = accounts.user_by_name(conn, settings.admin_username)
    engine.dispose()
    if created and generated:
        note = settings.data_dir / "admin-password.txt"
        note.touch(mode=0o600)
        note.write_text(generated + "\n")
    return (admin.id if admin else ""), (generated if created else None)


def serve(settings: Settings) -> None:
    """`crm gateway serve`: the gateway under gunicorn, as deploy/Procfile starts it."""
    gunicorn = str(Path(sys.executable).with_name("gunicorn"))
    workers = os.environ.get("CRM_GATEWAY_WORKERS") or "1"
    os.execv(
        gunicorn,
        [
            gunicorn,
            "--bind",
            f"0.0.0.0:{settings.gateway_port}",
            "--workers",
            workers,
            "--worker-class",
            "gthread",
            "--threads",
            "8",
            "--graceful-timeout",
            "10",
            "gateway.wsgi:app",
        ],
    )
