"""`make run SCALE=contacts=2,deals=2`: deploy/Procfile with that many copies of every process of
those services (gRPC server, relay, consumer, celery worker; never a second beat). Each server
copy listens on its own port and every client is given all of them, balanced round-robin."""

from __future__ import annotations

import argparse
import re
from collections.abc import Mapping, Sequence
from pathlib import Path

from crmkit.settings import Settings
from suite.cli import SERVICES

COPY_PORT_STEP = 100  # copy n of a server listens on its port + 100 * (n - 1)
SINGLETONS = ("beat",)  # two celery beats would send every scheduled job twice


class ScaleError(ValueError):
    pass


def parse_scale(text: str) -> dict[str, int]:
    """'contacts=2,deals=3' → {'contacts': 2, 'deals': 3}."""
    scale: dict[str, int] = {}
    for part in filter(None, (p.strip() for p in text.split(","))):
        found = re.fullmatch(r"([a-z]+)=([1-9][0-9]?)", part)
        if not found or found[1] not in SERVICES:
            raise ScaleError(
                f"SCALE: {part!r} is not <service>=<copies 1-99>; services: {', '.join(SERVICES)}"
            )
        scale[found[1]] = int(found[2])
    return scale


def scaled(procfile: str, scale: Mapping[str, int], settings: Settings) -> tuple[str, str]:
    """The Procfile with the copies, and the environment that names every server copy."""
    lines, env = [], []
    for line in procfile.splitlines():
        if not line.strip() or line.lstrip().startswith("#"):
            lines.append(line)
            continue
        name, command = (part.strip() for part in line.split(":", 1))
        service, _, role = name.partition("_")
        copies = 1 if role in SINGLETONS else scale.get(service, 1)
        for n in range(1, copies + 1):
            label = name if copies == 1 else f"{name}_{n}"
            listen = ""
            if not role and service in SERVICES and copies > 1:
                listen = f"CRM_GRPC_PORT={_copy_port(settings, service, n)} "
            lines.append(f"{label}: {listen}{command}")
    for service, copies in scale.items():
        if copies > 1:
            ports = [_copy_port(settings, service, n) for n in range(1, copies + 1)]
            targets = ",".join(f"127.0.0.1:{port}" for port in ports)
            env.append(f"CRM_{service.upper()}_ADDR=ipv4:{targets}")
    return "\n".join(lines) + "\n", "\n".join(env) + "\n"


def _copy_port(settings: Settings, service: str, n: int) -> int:
    return settings.grpc_port(service) + COPY_PORT_STEP * (n - 1)


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m suite.procfile")
    parser.add_argument("--scale", default="")
    parser.add_argument("--procfile", type=Path, default=Path("deploy/Procfile"))
    parser.add_argument("--out", type=Path, required=True, help="the Procfile to write")
    parser.add_argument("--env-out", type=Path, required=True, help="the environment file")
    args = parser.parse_args(argv)
    try:
        scale = parse_scale(args.scale)
    except ScaleError as error:
        parser.exit(2, f"{error}\n")
    procfile, env = scaled(args.procfile.read_text(), scale, Settings.from_env())
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(procfile)
    args.env_out.write_text(env)


if __name__ == "__main__":
    main()
