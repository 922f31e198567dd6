"""The company's settings of API.md: its time zone."""

from __future__ import annotations

from pydantic import BaseModel, Field

from gateway.schemas.common import Input, TimeZone


class TimeZoneChange(Input):
    time_zone: TimeZone


class TimeZoneSetting(BaseModel):
    time_zone: str = Field(description="the company's days are counted in it; Asia/Ho_Chi_Minh")
    version: int = Field(description="bumped by every change; send it back in If-Match")
