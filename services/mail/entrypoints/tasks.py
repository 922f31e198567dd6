"""Celery jobs of the mail service: importing a mailbox, mass mailings, rule mails, and polling
every mailbox. The jobs themselves come from the composition root, passed in."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from functools import cache
from typing import Protocol

from celery import Celery

from crmkit.jobs import celery_app
from crmkit.settings import Settings

SYNC = "mail.sync_mailbox"
SEND_MAILING = "mail.send_mailing"
POLL = "mail.poll_mailboxes"
RULES = "mail.send_rule_mails"
POLL_SECONDS = 60.0


class Progress(Protocol):
    @property
    def sent(self) -> int: ...


class Jobs(Protocol):
    def sync_mailbox(self, mailbox_id: str) -> int: ...

    def run_mailing(self, mailing_id: str, unsubscribe_url: str) -> Progress: ...

    def send_rule_mails(self, at: datetime) -> int: ...

    def mailbox_ids(self) -> list[str]: ...


def unsubscribe_url(settings: Settings) -> str:
    """Where recipients unsubscribe: the gateway's public address (CRM_PUBLIC_URL)."""
    base = settings.public_url or f"http://127.0.0.1:{settings.gateway_port}"
    return f"{base.rstrip('/')}/api/v1/unsubscribe"


def create_celery(settings: Settings, jobs_of: Callable[[], Jobs]) -> Celery:
    """`jobs_of` builds the service on the first job a worker runs (nothing connects before)."""
    app = celery_app(
        "mail",
        settings,
        {
            "poll-mailboxes": {"task": POLL, "schedule": POLL_SECONDS},
            "rule-mails": {"task": RULES, "schedule": POLL_SECONDS},
        },
    )
    jobs = cache(jobs_of)

    @app.task(name=SYNC)
    def sync_mailbox(mailbox_id: str) -> int:
        """Safe to run twice or at once: a message is kept once per mailbox."""
        return jobs().sync_mailbox(mailbox_id)

    @app.task(name=SEND_MAILING, acks_late=True)
    def send_mailing(mailing_id: str) -> int:
        """Delivered again after a worker died (acks late): the mailing resumes where it was."""
        return jobs().run_mailing(mailing_id, unsubscribe_url(settings)).sent

    @app.task(name=RULES, expires=POLL_SECONDS)
    def send_rule_mails() -> int:
        """Today's birthdays scheduled (once a year each), then every due mail sent once."""
        return jobs().send_rule_mails(datetime.now(UTC))

    @app.task(name=POLL, expires=POLL_SECONDS)
    def poll_mailboxes() -> int:
        ids = jobs().mailbox_ids()
        for mailbox_id in ids:
            sync_mailbox.delay(mailbox_id)
        return len(ids)

    return app
