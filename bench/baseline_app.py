"""The baseline: a bare single-process Flask + SQLAlchemy app doing the same create and read
of a counterparty, with no gateway, no gRPC, no auth, no outbox."""

from __future__ import annotations

import os
import uuid
from typing import Any

from flask import Flask, request
from sqlalchemy import Column, MetaData, String, Table, create_engine, insert, select

metadata = MetaData()
counterparties = Table(
    "baseline_counterparties",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("name", String(300), nullable=False),
    Column("tax_id", String(40)),
    Column("region", String(120)),
)


def create_app(db_url: str | None = None) -> Flask:
    engine = create_engine(db_url or os.environ["BASELINE_DB_URL"], pool_size=20, max_overflow=20)
    metadata.create_all(engine)
    app = Flask("baseline")

    @app.get("/healthz")
    def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @app.post("/counterparties")
    def create() -> tuple[dict[str, Any], int]:
        body = request.get_json()
        row = {
            "id": str(uuid.uuid4()),
            "name": body["name"],
            "tax_id": body.get("tax_id"),
            "region": body.get("region"),
        }
        with engine.begin() as conn:
            conn.execute(insert(counterparties).values(**row))
        return row, 201

    @app.get("/counterparties/<counterparty_id>")
    def read(counterparty_id: str) -> tuple[dict[str, Any], int]:
        with engine.connect() as conn:
            row = conn.execute(
                select(counterparties).where(counterparties.c.id == counterparty_id)
            ).first()
        if row is None:
            return {"detail": "not found"}, 404
        return dict(row._mapping), 200

    return app
