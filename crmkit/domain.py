"""The two kinds of message a service's domain speaks: commands in, events out.

Plain frozen dataclasses with no I/O; the wire forms (protobuf) are made from them by each
service's `adapters/proto.py`, never in the domain or the service layer."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Command:
    """What somebody asks a service to do: imperative (`MoveDealToStage`)."""


@dataclass(frozen=True)
class Event:
    """What happened, for the rest of the suite to hear: past tense (`DealWon`)."""
