"""Small response helpers shared by the blueprints."""

from __future__ import annotations

from flask import Response
from pydantic import BaseModel

from gateway.openapi import render


def created(model: BaseModel, location: str) -> Response:
    response = render(model, 201)
    response.headers["Location"] = location
    return response
