"""Celery jobs of the mail service: importing a mailbox, and polling every mailbox."""

from __future__ import annotations

from typing import Any

from celery import Celery
from sqlalchemy import select

from crmkit.jobs import celery_app
from crmkit.settings import Settings
from services.mail import bootstrap
from services.mail.adapters import orm
from services.mail.service_layer import correspondence, mailboxes, mailings, rules

SYNC = "mail.sync_mailbox"
SEND_MAILING = "mail.send_mailing"
POLL = "mail.poll_mailboxes"
RULES = "mail.send_rule_mails"
POLL_SECONDS = 60.0


def unsubscribe_url(settings: Settings) -> str:
    """Where recipients unsubscribe: the gateway's public address (CRM_PUBLIC_URL)."""
    base = settings.public_url or f"http://127.0.0.1:{settings.gateway_port}"
    return f"{base.rstrip('/')}/api/v1/unsubscribe"


def create_celery(settings: Settings) -> Celery:
    app = celery_app(
        "mail",
        settings,
        {
            "poll-mailboxes": {"task": POLL, "schedule": POLL_SECONDS},
            "rule-mails": {"task": RULES, "schedule": POLL_SECONDS},
        },
    )
    held: dict[str, Any] = {}

    def mail() -> bootstrap.Mail:
        if "app" not in held:
            held["app"] = bootstrap.from_settings(settings, sync=lambda _mailbox_id: None)
        return held["app"]  # type: ignore[no-any-return]

    @app.task(name=SYNC)
    def sync_mailbox(mailbox_id: str) -> int:
        """Safe to run twice or at once: a message is kept once per mailbox."""
        found = mail()
        return correspondence.sync_mailbox(
            found.sessions, found.vault, found.imap, mailbox_id, found.files
        )

    @app.task(name=SEND_MAILING, acks_late=True)
    def send_mailing(mailing_id: str) -> int:
        """Delivered again after a worker died (acks late): the mailing resumes where it was."""
        found = mail()
        done = mailings.run_mailing(
            found.sessions, found.vault, mailing_id, unsubscribe_url(settings)
        )
        return done.sent

    @app.task(name=RULES, expires=POLL_SECONDS)
    def send_rule_mails() -> int:
        """Today's birthdays scheduled (once a year each), then every due mail sent once."""
        found, at = mail(), mailboxes.now()
        rules.scan_birthdays(found.sessions, at)
        return rules.send_due(found.sessions, found.vault, at)

    @app.task(name=POLL, expires=POLL_SECONDS)
    def poll_mailboxes() -> int:
        with mail().sessions() as session:
            ids = list(session.scalars(select(orm.mailboxes.c.id)))
        for mailbox_id in ids:
            sync_mailbox.delay(mailbox_id)
        return len(ids)

    return app
