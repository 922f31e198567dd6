"""The `crm` console script: `crm <service> serve|consume|relay|migrate|worker|beat`,
`crm migrate-all`, `crm bootstrap` (queues, first admin and demo data), `crm gateway`."""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence
from types import ModuleType

from crmkit.logging import configure_logging
from crmkit.service_cli import VERBS, run_service, settings_or_exit
from crmkit.settings import Settings

SERVICES = ("contacts", "deals", "analytics", "mail")
__all__ = ["SERVICES", "VERBS", "declare_queues", "first_start", "main"]


def entrypoints_of(service: str) -> ModuleType:
    """Imported when asked for: a process loads its own service, not the whole suite."""
    return importlib.import_module(f"services.{service}.entrypoints.main")


def main(argv: Sequence[str] | None = None) -> None:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv and argv[0] in SERVICES:
        run_service(argv[0], entrypoints_of(argv[0]), argv[1:])
        return
    parser = argparse.ArgumentParser(prog="crm")
    parser.add_argument("command", choices=("migrate-all", "bootstrap", "gateway"))
    parser.add_argument("rest", nargs="*")
    args = parser.parse_args(argv)
    settings = settings_or_exit()
    configure_logging("crm", settings.log_level)
    if args.command == "migrate-all":
        migrate_all(settings)
    elif args.command == "bootstrap":
        first_start(settings)
    else:
        from gateway import main as gateway

        gateway.serve(settings)


def migrate_all(settings: Settings) -> None:
    from gateway import main as gateway

    for service in SERVICES:
        entrypoints_of(service).migrate(settings)
    gateway.migrate(settings)


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
        consumer = importlib.import_module(f"services.{service}.entrypoints.consumer")
        declare_queue(channel, consumer.QUEUE)
    connection.close()


def first_start(settings: Settings) -> None:
    """Queues, the first admin, demo data on an empty suite, and where to log in."""
    from gateway import main as gateway
    from services.contacts.entrypoints import demo as contacts_demo
    from services.deals.entrypoints import demo as deals_demo

    declare_queues(settings)
    admin_id, generated = gateway.ensure_first_admin(settings)
    if not settings.demo_data:
        print(
            f"Hoa CRM: http://127.0.0.1:{settings.gateway_port}, no demo data (CRM_DEMO_DATA=0)",
            flush=True,
        )
        return
    seeded = contacts_demo.seed(settings, admin_id)
    deals = deals_demo.seed(settings, admin_id, contacts_demo.customer_ids(settings))
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
