"""Starting the suite (or a baseline) as real processes for a benchmark, and measuring."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import requests

from suite.cli import SERVICES

VENV_BIN = Path(sys.executable).parent
ADMIN_PASSWORD = "bench-password-1"
# every process of two copies of the suite importing at once takes more than half a minute on a
# small shared machine before the gateway's health check finds every service serving
SUITE_START_TIMEOUT = 180.0


@dataclass
class Result:
    name: str
    requests: int
    seconds: float
    latencies_ms: list[float]
    errors: int

    @property
    def rps(self) -> float:
        return self.requests / self.seconds

    def percentile(self, p: float) -> float:
        return percentile(self.latencies_ms, p / 100)


def percentile(values: list[float], share: float) -> float:
    """The value below which `share` of them lie (nearest rank)."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def wait_until_up(url: str, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if requests.get(url, timeout=1).status_code == 200:
                return
        except requests.RequestException:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"{url} did not come up")


@contextmanager
def processes(commands: list[list[str]], env: dict[str, str]) -> Iterator[None]:
    logs = open(os.devnull, "w")  # noqa: SIM115
    started = [subprocess.Popen(command, env=env, stdout=logs, stderr=logs) for command in commands]
    try:
        yield
    finally:
        for process in started:
            process.terminate()
        for process in started:
            process.wait(timeout=20)
        logs.close()


PORTS = {"contacts": 50191, "deals": 50192, "analytics": 50193, "mail": 50194}
COPY_PORT_STEP = 100


def _addresses(port: int, copies: int) -> str:
    if copies == 1:
        return f"127.0.0.1:{port}"
    return "ipv4:" + ",".join(f"127.0.0.1:{port + COPY_PORT_STEP * n}" for n in range(copies))


def _listening(service: str, verb: str, n: int) -> list[str]:
    """Copy n of a gRPC server listens on its own port (none for other processes)."""
    if verb != "serve" or n == 0:
        return []
    return ["env", f"CRM_GRPC_PORT={PORTS[service] + COPY_PORT_STEP * n}"]


@contextmanager
def suite_running(
    db_urls: dict[str, str],
    amqp_url: str,
    port: int,
    workers: int,
    verbs: tuple[tuple[str, str], ...] = (
        ("contacts", "serve"),
        ("contacts", "relay"),
        ("deals", "serve"),
        ("analytics", "serve"),
    ),
    copies: int = 1,
) -> Iterator[tuple[str, dict[str, str], dict[str, str]]]:
    """The gateway and the given service processes, `copies` of each (gRPC clients balance
    round-robin over the server copies); yields (API base, auth headers, env)."""
    env = {
        **os.environ,
        **{f"CRM_{name.upper()}_DB_URL": url for name, url in db_urls.items()},
        "CRM_AMQP_URL": amqp_url,
        "CRM_DATA_DIR": "var/bench",
        "CRM_GATEWAY_PORT": str(port),
        **{f"CRM_{name.upper()}_ADDR": _addresses(port, copies) for name, port in PORTS.items()},
        "CRM_ADMIN_PASSWORD": ADMIN_PASSWORD,
        "CRM_DEMO_DATA": "0",
        "CRM_LOG_LEVEL": "WARNING",
    }
    python = str(VENV_BIN / "python")
    for command in ("migrate-all", "bootstrap"):
        subprocess.run(
            [python, "-m", "suite.cli", command], env=env, check=True, capture_output=True
        )
    # every gRPC server the gateway's health check asks for, whatever else a bench runs
    servers = [(service, "serve") for service in SERVICES if (service, "serve") not in verbs]
    commands = [
        [*_listening(service, verb, n), python, "-m", f"services.{service}", verb]
        for service, verb in (*verbs, *servers)
        for n in range(copies)
    ]
    gunicorn = [
        str(VENV_BIN / "gunicorn"),
        "--bind",
        f"127.0.0.1:{port}",
        "--workers",
        str(workers),
    ]
    commands.append([*gunicorn, "--worker-class", "gthread", "--threads", "8", "gateway.wsgi:app"])
    with processes(commands, env):
        base = f"http://127.0.0.1:{port}"
        wait_until_up(f"{base}/healthz", SUITE_START_TIMEOUT)
        login = requests.post(
            f"{base}/api/v1/auth/login", json={"username": "admin", "password": ADMIN_PASSWORD}
        )
        yield f"{base}/api/v1", {"Authorization": f"Bearer {login.json()['access_token']}"}, env
