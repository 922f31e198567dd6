"""What one gateway process holds: settings, its database, the service clients."""

from __future__ import annotations

from dataclasses import dataclass

from flask import current_app
from sqlalchemy import Engine

from crmkit.settings import Settings
from gateway.clients import Clients


@dataclass
class Gateway:
    settings: Settings
    engine: Engine
    clients: Clients
    jwt_secret: str


def gateway() -> Gateway:
    found: Gateway = current_app.extensions["crm"]
    return found
