"""The command line of one service's processes: `python -m services.<name> <verb>`.

Each service's `__main__.py` hands over its own entry points (its `entrypoints/main.py`), so this
plumbing knows no service; the whole suite's `crm` script is `suite/cli.py`."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from types import ModuleType

from crmkit.logging import configure_logging
from crmkit.settings import Settings, SettingsError

VERBS = ("serve", "consume", "relay", "migrate", "worker", "beat")

Process = Callable[[Settings], None]


def settings_or_exit() -> Settings:
    try:
        return Settings.from_env()
    except SettingsError as error:
        sys.exit(f"configuration error: {error}")


def processes_of(entrypoints: ModuleType) -> dict[str, Process]:
    """The verbs this service has (not every one runs celery), by name."""
    return {verb: getattr(entrypoints, verb) for verb in VERBS if hasattr(entrypoints, verb)}


def run_service(service: str, entrypoints: ModuleType, argv: Sequence[str] | None = None) -> None:
    processes = processes_of(entrypoints)
    parser = argparse.ArgumentParser(prog=f"python -m services.{service}")
    parser.add_argument("verb", choices=tuple(processes))
    args = parser.parse_args(argv)
    settings = settings_or_exit()
    configure_logging(service, settings.log_level)
    processes[args.verb](settings)
