"""One entry point for every process: `crm <service> serve|consume|relay|migrate`,
`crm migrate-all`, `crm bootstrap` (first admin and demo data), `crm gateway serve`."""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

from crmkit.logging import configure_logging
from crmkit.settings import Settings, SettingsError

SERVICES = ("contacts", "deals", "analytics", "mail")
VERBS = ("serve", "consume", "relay", "migrate", "worker", "beat")


def run_service(service: str, argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog=f"python -m services.{service}")
    parser.add_argument("verb", choices=VERBS)
    args = parser.parse_args(argv)
    settings = _settings()
    configure_logging(service, settings.log_level)
    module = importlib.import_module(f"services.{service}.entrypoints.main")
    getattr(module, args.verb)(settings)


def _settings() -> Settings:
    try:
        return Settings.from_env()
    except SettingsError as error:
        sys.exit(f"configuration error: {error}")


def main(argv: Sequence[str] | None = None) -> None:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv and argv[0] in SERVICES:
        run_service(argv[0], argv[1:])
        return
    parser = argparse.ArgumentParser(prog="crm")
    parser.add_argument("command", choices=("migrate-all", "bootstrap", "gateway"))
    parser.add_argument("rest", nargs="*")
    args = parser.parse_args(argv)
    settings = _settings()
    configure_logging("crm", settings.log_level)
    if args.command == "migrate-all":
        for service in (*SERVICES, "gateway"):
            module = importlib.import_module(
                f"services.{service}.entrypoints.main" if service != "gateway" else "gateway.main"
            )
            module.migrate(settings)
    elif args.command == "bootstrap":
        first_start(settings)
    else:
        importlib.import_module("gateway.main").serve(settings)


def declare_queues(settings: Settings) -> None:
    """Every consumer's queue, before any relay publishes: an event sent to the exchange while
    no queue is bound would reach nobody."""
    import pika

    from crmkit.rabbit import connection_parameters, declare_queue

    try:
        connection = pika.BlockingConnection(connection_parameters(settings.amqp_url))
    except pika.exceptions.AMQPError:
        sys.exit(
            f"RabbitMQ is not reachable at CRM_AMQP_URL ({settings.amqp_url}); start it and try again"
        )
    channel = connection.channel()
    for service in SERVICES:
        declare_queue(
            channel, importlib.import_module(f"services.{service}.entrypoints.consumer").QUEUE
        )
    connection.close()


def first_start(settings: Settings) -> None:
    """Queues, the first admin, demo data on an empty suite, and where to log in."""
    declare_queues(settings)
    admin_id, generated = importlib.import_module("gateway.main").ensure_first_admin(settings)
    contacts_demo = importlib.import_module("services.contacts.entrypoints.demo")
    if not settings.demo_data:
        print(
            f"Hoa CRM: http://127.0.0.1:{settings.gateway_port}, no demo data (CRM_DEMO_DATA=0)",
            flush=True,
        )
        return
    seeded = contacts_demo.seed(settings, admin_id)
    deals = importlib.import_module("services.deals.entrypoints.demo").seed(
        settings, admin_id, contacts_demo.customer_ids(settings)
    )
    password = generated or "(the one you set in CRM_ADMIN_PASSWORD"
    if not generated:
        kept = settings.data_dir / "admin-password.txt"
        password = kept.read_text().strip() if kept.exists() else password + ")"
    lines = [
        "",
        f"  Hoa CRM: http://127.0.0.1:{settings.gateway_port}   (API docs at /docs, health at /healthz)",
        f"  log in:  {settings.admin_username} / {password}",
        f"  demo data: {seeded} counterparties and {deals} deals loaded now"
        if seeded
        else "  demo data: already loaded",
        "",
    ]
    print("\n".join(lines), flush=True)


if __name__ == "__main__":
    main()
