"""The suite as real processes for one fault test: its own PostgreSQL databases (copies of
migrated templates) and its own RabbitMQ vhost; each process started as `make run` starts it,
logging to a file of the test's directory, and killed or restarted one by one."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import time
import uuid
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import grpc
import psycopg
from sqlalchemy.engine import make_url

from bench.stack import VENV_BIN, wait_until_up
from crmkit.settings import Settings
from suite.cli import declare_queues
from tests.support import PG_SERVER, rabbitmq_vhost

DATABASES = ("contacts", "deals", "analytics", "mail", "gateway")
SERVERS = ("contacts", "deals", "analytics", "mail")
ADMIN_PASSWORD = "chaos-password-1"
ADMIN_DSN = "host=127.0.0.1 user=postgres dbname=postgres"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def database_name(url: str) -> str:
    return str(make_url(url).database)


@contextmanager
def cloned_databases(templates: Mapping[str, str]) -> Iterator[dict[str, str]]:
    """Databases of this test alone, copied from migrated templates (a copy takes a tenth of a
    second, migrating five databases several seconds); dropped afterwards."""
    prefix = f"crm_chaos_{uuid.uuid4().hex[:8]}"
    created = {name: f"{prefix}_{name}" for name in templates}
    with psycopg.connect(ADMIN_DSN, autocommit=True) as conn:
        for name, database in created.items():
            conn.execute(f'CREATE DATABASE "{database}" TEMPLATE "{templates[name]}"')
    try:
        yield {name: f"{PG_SERVER}/{database}" for name, database in created.items()}
    finally:
        with psycopg.connect(ADMIN_DSN, autocommit=True) as conn:
            for database in created.values():
                conn.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')


def base_env(db_urls: Mapping[str, str], amqp_url: str, data_dir: Path) -> dict[str, str]:
    return {
        **os.environ,
        **{f"CRM_{name.upper()}_DB_URL": url for name, url in db_urls.items()},
        "CRM_AMQP_URL": amqp_url,
        "CRM_DATA_DIR": str(data_dir),
        "CRM_JWT_SECRET": "chaos-secret-" + "x" * 40,
        "CRM_ADMIN_PASSWORD": ADMIN_PASSWORD,
        "CRM_DEMO_DATA": "0",
        "CRM_LOG_LEVEL": "WARNING",
    }


class Stack:
    def __init__(self, db_urls: Mapping[str, str], amqp_url: str, workdir: Path) -> None:
        self.db_urls = dict(db_urls)
        self.amqp_url = amqp_url
        self.workdir = workdir
        self.gateway_port = free_port()
        self.ports = {service: [free_port()] for service in SERVERS}
        self.processes: dict[str, subprocess.Popen[bytes]] = {}
        self.env = base_env(db_urls, amqp_url, workdir / "var")

    @property
    def api(self) -> str:
        return f"http://127.0.0.1:{self.gateway_port}/api/v1"

    def scale(self, service: str, copies: int) -> None:
        """Gives `service` that many server ports; processes started afterwards know them all
        and balance over them (gRPC round robin), as `make run SCALE=…` does."""
        self.ports[service] = [free_port() for _ in range(copies)]

    def addresses(self) -> dict[str, str]:
        found = {}
        for service, ports in self.ports.items():
            targets = ",".join(f"127.0.0.1:{port}" for port in ports)
            found[f"CRM_{service.upper()}_ADDR"] = f"ipv4:{targets}" if len(ports) > 1 else targets
        return found

    # -- processes ---------------------------------------------------------------------------
    def start(self, label: str, command: list[str], **env: str) -> None:
        with (self.workdir / f"{label.split('#')[0]}.log").open("ab") as log:
            self.processes[label] = subprocess.Popen(
                command, env={**self.env, **self.addresses(), **env}, stdout=log, stderr=log
            )

    def service(self, service: str, verb: str, copy: int = 1, log_level: str = "WARNING") -> str:
        """`python -m services.<service> <verb>`; copy n of a server listens on its own port.
        Returns the process's label (`deals_consume`, `contacts_serve#2`)."""
        label = f"{service}_{verb}" + (f"#{copy}" if copy > 1 else "")
        env = {"CRM_LOG_LEVEL": log_level}
        if verb == "serve":
            env["CRM_GRPC_PORT"] = str(self.ports[service][copy - 1])
        self.start(label, [str(VENV_BIN / "python"), "-m", f"services.{service}", verb], **env)
        return label

    def gateway(self) -> None:
        gunicorn = [str(VENV_BIN / "gunicorn"), "--bind", f"127.0.0.1:{self.gateway_port}"]
        options = ["--workers", "1", "--worker-class", "gthread", "--threads", "8"]
        self.start("gateway", [*gunicorn, *options, "gateway.wsgi:app"])

    def wait_for_servers(self, timeout: float = 90.0) -> None:
        for service, ports in self.ports.items():
            for copy, port in enumerate(ports, start=1):
                if f"{service}_serve" + (f"#{copy}" if copy > 1 else "") in self.processes:
                    channel = grpc.insecure_channel(f"127.0.0.1:{port}")
                    grpc.channel_ready_future(channel).result(timeout=timeout)
                    channel.close()
        wait_until_up(f"http://127.0.0.1:{self.gateway_port}/openapi.json", timeout)

    def kill(self, label: str) -> None:
        """SIGKILL: no handler runs, nothing is released or closed, connections just drop."""
        process = self.processes.pop(label)
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=10)

    def stop(self) -> None:
        for process in self.processes.values():
            process.terminate()
        for process in self.processes.values():
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        self.processes.clear()

    def log_entries(self, label: str) -> Iterator[dict[str, Any]]:
        """The JSON lines a process (and every process started under its label) logged."""
        path = self.workdir / f"{label}.log"
        lines = path.read_text(errors="replace").splitlines() if path.exists() else []
        for line in lines:
            if line.startswith("{"):
                try:
                    yield json.loads(line)
                except json.JSONDecodeError:  # a line cut short by SIGKILL
                    continue

    # -- databases ---------------------------------------------------------------------------
    def dsn(self, service: str) -> str:
        return f"host=127.0.0.1 user=postgres dbname={database_name(self.db_urls[service])}"

    def query(self, service: str, sql: str, *params: Any) -> list[tuple[Any, ...]]:
        with psycopg.connect(self.dsn(service), autocommit=True) as conn:
            return conn.execute(sql, params).fetchall()  # type: ignore[arg-type]


@contextmanager
def running_stack(templates: Mapping[str, str], workdir: Path) -> Iterator[Stack]:
    """A Stack on its own copies of the migrated `templates` and its own vhost, its queues
    declared; every process it started stopped afterwards."""
    with cloned_databases(templates) as urls, rabbitmq_vhost() as amqp_url:
        running = Stack(urls, amqp_url, workdir)
        declare_queues(Settings.from_env(running.env))
        try:
            yield running
        finally:
            running.stop()


def start_suite(stack: Stack, relays: bool = True, consumers: bool = True) -> None:
    """The processes a write and its events pass through: the gateway, the contacts and deals
    servers (every copy) and relays, and the consumers that project their events."""
    for service in ("contacts", "deals"):
        for copy in range(1, len(stack.ports[service]) + 1):
            stack.service(service, "serve", copy)
    if relays:
        start_relays(stack)
    if consumers:
        start_consumers(stack)
    stack.gateway()
    stack.wait_for_servers()


def start_relays(stack: Stack) -> None:
    for service in ("contacts", "deals"):
        stack.service(service, "relay")


def start_consumers(stack: Stack) -> None:
    """At INFO a consumer logs every event it applies or skips: the tests count those lines."""
    for service in ("deals", "analytics"):
        stack.service(service, "consume", log_level="INFO")


def wait_until(check: Callable[[], bool], timeout: float, what: str) -> float:
    """Seconds it took `check` to hold; fails the test after `timeout`."""
    took = time_until(check, timeout)
    assert took is not None, f"{what} did not happen in {timeout:.0f} s"
    return took


def time_until(check: Callable[[], bool], timeout: float) -> float | None:
    """Seconds it took `check` to hold, None if it did not within `timeout`."""
    started = time.monotonic()
    while not check():
        if time.monotonic() - started > timeout:
            return None
        time.sleep(0.2)
    return time.monotonic() - started
