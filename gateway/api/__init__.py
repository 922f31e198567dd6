"""The HTTP API: one Blueprint per resource, all declared on one ApiSpec."""

from __future__ import annotations

from gateway import auth, idempotency
from gateway.openapi import ApiSpec

spec = ApiSpec("Hoa CRM", "1.0.0", prefix="/api/v1")
spec.guard = auth.guard
spec.wrap = idempotency.wrap
