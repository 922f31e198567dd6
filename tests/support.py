"""Test scaffolding: a whole suite (contacts gRPC server + gateway app) on SQLite or on a
PostgreSQL database of its own, and a RabbitMQ vhost of its own."""

from __future__ import annotations

import subprocess
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psycopg
from flask.testing import FlaskClient

from crm.contacts.v1 import contacts_pb2_grpc
from crm.events.v1.envelope_pb2 import Envelope
from crm.events.v1.event_log_pb2_grpc import EventLogStub
from crmkit.db import make_engine, migrate
from crmkit.files import ContentStore
from crmkit.grpc_client import connect
from crmkit.grpc_server import build_server
from crmkit.inbox import InboxHandler
from crmkit.outbox import SqlOutboxStore
from crmkit.rabbit import connection_parameters, topic_matches
from crmkit.relay import OutboxRelay
from crmkit.settings import Settings
from gateway import accounts
from gateway.app import create_app
from gateway.clients import Clients
from gateway.main import MIGRATIONS as GATEWAY_MIGRATIONS
from services.analytics import bootstrap as analytics_bootstrap
from services.analytics.adapters import orm as analytics_orm
from services.analytics.adapters.event_sources import GrpcEventSources
from services.analytics.domain.commands import ComputeClassification, ComputeWinModel
from services.analytics.entrypoints import consumer as analytics_consumer
from services.analytics.entrypoints import grpc_server as analytics_grpc
from services.analytics.service_layer import classification, win_probability
from services.contacts import bootstrap
from services.contacts.adapters import orm as contacts_orm
from services.contacts.entrypoints import consumer as contacts_consumer
from services.contacts.entrypoints import grpc_server
from services.deals import bootstrap as deals_bootstrap
from services.deals.adapters import orm as deals_orm
from services.deals.adapters.contacts_client import GrpcCounterpartyDirectory
from services.deals.domain.model import CompanySettings
from services.deals.entrypoints import consumer as deals_consumer
from services.deals.entrypoints import grpc_server as deals_grpc
from services.mail import bootstrap as mail_bootstrap
from services.mail.adapters import orm as mail_orm
from services.mail.entrypoints import consumer as mail_consumer
from services.mail.entrypoints import grpc_server as mail_grpc

PG_SERVER = "postgresql+psycopg://postgres@127.0.0.1:5432"
ADMIN_PASSWORD = "correct horse battery"


SERVICES = ("contacts", "deals", "analytics", "gateway")


@contextmanager
def postgres_databases(*names: str) -> Iterator[dict[str, str]]:
    """Fresh databases for this run, dropped afterwards."""
    prefix = f"crm_test_{uuid.uuid4().hex[:8]}"
    created = {name: f"{prefix}_{name}" for name in names}
    with psycopg.connect("host=127.0.0.1 user=postgres dbname=postgres", autocommit=True) as conn:
        for database in created.values():
            conn.execute(f'CREATE DATABASE "{database}"')
    try:
        yield {name: f"{PG_SERVER}/{database}" for name, database in created.items()}
    finally:
        with psycopg.connect(
            "host=127.0.0.1 user=postgres dbname=postgres", autocommit=True
        ) as conn:
            for database in created.values():
                conn.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')


@contextmanager
def rabbitmq_vhost() -> Iterator[str]:
    """A vhost of its own for this run; returns its AMQP URL."""
    vhost = f"crm-test-{uuid.uuid4().hex[:8]}"
    subprocess.run(["rabbitmqctl", "-q", "add_vhost", vhost], check=True, capture_output=True)
    subprocess.run(
        ["rabbitmqctl", "-q", "set_permissions", "-p", vhost, "guest", ".*", ".*", ".*"],
        check=True,
        capture_output=True,
    )
    try:
        yield f"amqp://guest:guest@127.0.0.1:5672/{vhost}"
    finally:
        subprocess.run(
            ["rabbitmqctl", "-q", "delete_vhost", vhost], check=False, capture_output=True
        )


def settings_for(data_dir: Path, db_urls: dict[str, str] | None = None, **env: str) -> Settings:
    values = {"CRM_DATA_DIR": str(data_dir), "CRM_JWT_SECRET": "test-secret-" + "x" * 40, **env}
    for name, url in (db_urls or {}).items():
        values[f"CRM_{name.upper()}_DB_URL"] = url
    return Settings.from_env(values)


@dataclass
class Suite:
    settings: Settings
    client: FlaskClient
    contacts: bootstrap.Contacts
    server: Any
    admin_id: str
    deals: deals_bootstrap.Deals
    deals_server: Any
    contacts_address: str
    analytics: analytics_bootstrap.Analytics
    mail: mail_bootstrap.Mail
    addresses: dict[str, str] = field(default_factory=dict)  # CRM_<SERVICE>_ADDR of each server

    def deliver_events(self) -> int:
        """Hands every unsent event straight to each consuming service's handler, as relay and
        broker would (those are tested for real in the integration tests)."""
        consumers = [
            (
                deals_consumer.QUEUE,
                InboxHandler(self.deals.sessions, deals_orm.inbox, deals_consumer.apply_event),
            ),
            (
                analytics_consumer.QUEUE,
                InboxHandler(
                    self.analytics.sessions, analytics_orm.inbox, analytics_consumer.apply_event
                ),
            ),
            (
                mail_consumer.QUEUE,
                InboxHandler(self.mail.sessions, mail_orm.inbox, mail_consumer.apply_event),
            ),
            (
                contacts_consumer.QUEUE,
                InboxHandler(
                    self.contacts.sessions, contacts_orm.inbox, contacts_consumer.apply_event
                ),
            ),
        ]
        outboxes = [
            (self.contacts.engine, contacts_orm.outbox),
            (self.deals.engine, deals_orm.outbox),
            (self.analytics.engine, analytics_orm.outbox),
            (self.mail.engine, mail_orm.outbox),
        ]
        delivered = 0
        for engine, table in outboxes:
            store = SqlOutboxStore(engine, table)
            while batch := store.claim(500):
                for message in batch:
                    for queue, handler in consumers:
                        if any(topic_matches(b, message.event_type) for b in queue.bindings):
                            delivered += handler(Envelope.FromString(message.published_body()))
                store.mark_sent([m.seq for m in batch])
        return delivered

    def token(self, username: str = "admin", password: str = ADMIN_PASSWORD) -> str:
        reply = self.client.post(
            "/api/v1/auth/login", json={"username": username, "password": password}
        )
        assert reply.status_code == 200, reply.get_json()
        token: str = reply.get_json()["access_token"]
        return token

    def headers(self, username: str = "admin", password: str = ADMIN_PASSWORD) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token(username, password)}"}

    def user(self, username: str, roles: list[str], **extra: Any) -> dict[str, str]:
        """Creates a user and returns headers that act as that user."""
        body = {
            "username": username,
            "password": "password-" + username,
            "full_name": username.title(),
            "roles": roles,
        }
        reply = self.client.post("/api/v1/users", json={**body, **extra}, headers=self.headers())
        assert reply.status_code == 201, reply.get_json()
        return self.headers(username, "password-" + username)


@contextmanager
def running_suite(settings: Settings, company_time_zone: str | None = "UTC") -> Iterator[Suite]:
    """A whole suite in this process. Its company counts its days in UTC, as the tests count
    theirs; None leaves it a fresh company, which counts in Vietnam's."""
    migrate(settings.db_url("contacts"), bootstrap.MIGRATIONS)
    migrate(settings.db_url("deals"), deals_bootstrap.MIGRATIONS)
    migrate(settings.db_url("gateway"), GATEWAY_MIGRATIONS)
    contacts = bootstrap.from_settings(settings)
    server, port, _ = build_server(
        grpc_server.registrar(contacts.uow, contacts.engine), "127.0.0.1:0"
    )
    contacts_channel = connect(f"127.0.0.1:{port}", 5.0)
    directory = GrpcCounterpartyDirectory(contacts_pb2_grpc.ContactsStub(contacts_channel))
    deals = deals_bootstrap.asking(
        settings.db_url("deals"), directory, ContentStore(settings.data_dir / "files")
    )
    deals_server, deals_port, _ = build_server(deals_grpc.registrar(deals), "127.0.0.1:0")
    if company_time_zone is not None:
        keep_company_time_zone(deals, company_time_zone)
    migrate(settings.db_url("analytics"), analytics_bootstrap.MIGRATIONS)
    analytics = analytics_bootstrap.bootstrap(
        settings.db_url("analytics"), dispatch=lambda run_id: None
    )
    analytics.dispatch = lambda run_id: classification.execute_run(
        ComputeClassification(run_id), analytics.uow(), classification.now()
    )
    analytics.train = lambda version: win_probability.execute_training(
        ComputeWinModel(int(version)), analytics.uow(), win_probability.now()
    )
    analytics.sources = GrpcEventSources(
        {
            "contacts": EventLogStub(contacts_channel),
            "deals": EventLogStub(connect(f"127.0.0.1:{deals_port}", 5.0)),
        }
    )
    analytics_server, analytics_port, _ = build_server(
        analytics_grpc.registrar(analytics), "127.0.0.1:0"
    )
    migrate(settings.db_url("mail"), mail_bootstrap.MIGRATIONS)
    mail = mail_bootstrap.bootstrap(
        settings.db_url("mail"), "test-mail-secret", files=ContentStore(settings.data_dir / "files")
    )

    def sync_now(mailbox_id: str) -> None:  # the worker's job, done at once
        mail.sync_mailbox(mailbox_id)

    mail.sync = sync_now

    def send_now(mailing_id: str) -> None:  # the worker's job, done at once
        mail.run_mailing(mailing_id, "http://127.0.0.1/api/v1/unsubscribe")

    mail.send_mailing = send_now
    mail_server, mail_port, _ = build_server(mail_grpc.registrar(mail), "127.0.0.1:0")
    addresses = {
        "CRM_CONTACTS_ADDR": f"127.0.0.1:{port}",
        "CRM_DEALS_ADDR": f"127.0.0.1:{deals_port}",
        "CRM_ANALYTICS_ADDR": f"127.0.0.1:{analytics_port}",
        "CRM_MAIL_ADDR": f"127.0.0.1:{mail_port}",
    }
    clients = Clients.connect(Settings.from_env({**_env_of(settings), **addresses}))
    engine = make_engine(settings.db_url("gateway"))
    with engine.begin() as conn:
        accounts.ensure_first_admin(conn, "admin", ADMIN_PASSWORD)
        admin_id = accounts.user_by_name(conn, "admin").id
    app = create_app(settings, clients=clients, engine=engine)
    app.testing = True
    try:
        yield Suite(
            settings,
            app.test_client(),
            contacts,
            server,
            admin_id,
            deals,
            deals_server,
            f"127.0.0.1:{port}",
            analytics,
            mail,
            addresses,
        )
    finally:
        server.stop(grace=None)
        deals_server.stop(grace=None)
        analytics_server.stop(grace=None)
        analytics.engine.dispose()
        mail_server.stop(grace=None)
        mail.engine.dispose()
        clients.close()
        contacts_channel.close()
        engine.dispose()
        contacts.engine.dispose()
        deals.engine.dispose()


def keep_company_time_zone(deals: deals_bootstrap.Deals, zone: str) -> None:
    """As if an admin had set it, with no event to deliver."""
    with deals.uow() as uow:
        kept = uow.company.get("company")
        if kept is None:
            uow.company.add(CompanySettings(time_zone=zone))
        else:
            kept.time_zone = zone
        uow.commit()


def _env_of(settings: Settings) -> dict[str, str]:
    env = {"CRM_DATA_DIR": str(settings.data_dir), "CRM_JWT_SECRET": settings.jwt_secret or ""}
    env.update({f"CRM_{name.upper()}_DB_URL": url for name, url in settings.db_urls.items()})
    return env


def relay_until_sent(
    store: SqlOutboxStore, amqp_url: str, held: int = 0, timeout: float = 20.0
) -> None:
    """The real relay publishes until all is sent but the `held` rows another relay has
    leased, then is stopped (at once, even while its connection is still opening)."""
    relay = OutboxRelay(store, connection_parameters(amqp_url), poll_seconds=0.05)
    worker = threading.Thread(target=relay.run_once, daemon=True)
    worker.start()
    deadline = time.monotonic() + timeout
    while store.unsent_count() > held and time.monotonic() < deadline:
        time.sleep(0.05)
    relay.stop()
    worker.join(timeout=10)
    assert not worker.is_alive(), "the relay did not stop"
    assert store.unsent_count() == held, "the relay did not publish everything in time"
