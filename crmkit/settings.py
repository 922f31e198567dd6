"""Twelve-factor settings: one frozen Settings per process, read from `CRM_*` variables."""

from __future__ import annotations

import os
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

Number = TypeVar("Number", int, float)


class SettingsError(RuntimeError):
    """A setting is missing or malformed; the message names the variable."""


def _number(env: Mapping[str, str], name: str, default: Number, kind: type[Number]) -> Number:
    raw = env.get(name)
    if raw is None or raw == "":
        return default
    try:
        return kind(raw)
    except ValueError:
        what = "a whole number" if kind is int else "a number"
        raise SettingsError(f"{name} must be {what}, got {raw!r}") from None


def _int(env: Mapping[str, str], name: str, default: int) -> int:
    return _number(env, name, default, int)


def _float(env: Mapping[str, str], name: str, default: float) -> float:
    return _number(env, name, default, float)


_REPOSITORY = Path(__file__).resolve().parents[1]


@dataclass(frozen=True)
class Settings:
    data_dir: Path
    amqp_url: str
    db_urls: Mapping[str, str]
    grpc_addresses: Mapping[str, str]
    gateway_port: int
    grpc_timeout: float
    jwt_secret: str | None
    mail_secret_key: str | None  # encrypts mailbox passwords
    public_url: str | None  # where the outside world reaches the gateway (links in e-mails)
    web_dist: Path  # the built browser UI the gateway serves at /
    grpc_listen_port: int | None  # CRM_GRPC_PORT: one copy of a scaled-out server
    trusted_proxies: int  # CRM_TRUSTED_PROXIES: proxies that set X-Forwarded-For
    admin_username: str
    admin_password: str | None
    access_token_seconds: int
    refresh_token_seconds: int
    login_attempts_per_minute: int
    relay_claim_seconds: float
    consumer_batch: int  # CRM_CONSUMER_BATCH: the most deliveries a consumer applies at once
    demo_data: bool
    log_level: str

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        env = os.environ if env is None else env
        data_dir = Path(env.get("CRM_DATA_DIR") or "var").resolve()
        services = ("gateway", "contacts", "deals", "mail", "analytics")
        default_ports = {"contacts": 50051, "deals": 50052, "mail": 50053, "analytics": 50054}
        return cls(
            data_dir=data_dir,
            amqp_url=env.get("CRM_AMQP_URL") or "amqp://guest:guest@127.0.0.1:5672/%2F",
            db_urls={
                name: env.get(f"CRM_{name.upper()}_DB_URL") or f"sqlite:///{data_dir / name}.db"
                for name in services
            },
            grpc_addresses={
                name: env.get(f"CRM_{name.upper()}_ADDR") or f"127.0.0.1:{port}"
                for name, port in default_ports.items()
            },
            gateway_port=_int(env, "CRM_GATEWAY_PORT", 8000),
            grpc_timeout=_float(env, "CRM_GRPC_TIMEOUT", 5.0),
            jwt_secret=env.get("CRM_JWT_SECRET") or None,
            mail_secret_key=env.get("CRM_MAIL_SECRET_KEY") or None,
            public_url=env.get("CRM_PUBLIC_URL") or None,
            grpc_listen_port=_int(env, "CRM_GRPC_PORT", 0) or None,
            trusted_proxies=_int(env, "CRM_TRUSTED_PROXIES", 0),
            web_dist=Path(env.get("CRM_WEB_DIST") or _REPOSITORY / "web" / "dist").resolve(),
            admin_username=env.get("CRM_ADMIN_USERNAME") or "admin",
            admin_password=env.get("CRM_ADMIN_PASSWORD") or None,
            access_token_seconds=_int(env, "CRM_ACCESS_TOKEN_SECONDS", 900),
            refresh_token_seconds=_int(env, "CRM_REFRESH_TOKEN_SECONDS", 14 * 24 * 3600),
            login_attempts_per_minute=_int(env, "CRM_LOGIN_ATTEMPTS_PER_MINUTE", 10),
            relay_claim_seconds=_float(env, "CRM_RELAY_CLAIM_SECONDS", 30.0),
            consumer_batch=max(1, _int(env, "CRM_CONSUMER_BATCH", 500)),
            demo_data=(env.get("CRM_DEMO_DATA") or "1") not in ("0", "false", "no"),
            log_level=(env.get("CRM_LOG_LEVEL") or "INFO").upper(),
        )

    def db_url(self, service: str) -> str:
        return self.db_urls[service]

    def grpc_address(self, service: str) -> str:
        return self.grpc_addresses[service]

    def grpc_port(self, service: str) -> int:
        """The port this process's server of `service` listens on: CRM_GRPC_PORT for one copy of
        several, else the port of the service's (first) address."""
        if self.grpc_listen_port is not None:
            return self.grpc_listen_port
        first = self.grpc_address(service).split(",")[0]
        return int(first.rsplit(":", 1)[1])


def load_or_create_secret(path: Path) -> str:
    """A secret generated on first start and kept (owner-readable only) under the data directory."""
    if path.exists():
        return path.read_text().strip()
    path.parent.mkdir(parents=True, exist_ok=True)
    secret = secrets.token_urlsafe(48)
    path.touch(mode=0o600)
    path.write_text(secret)
    return secret
