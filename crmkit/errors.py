"""Errors a person can act on. Services raise these; one interceptor turns them into gRPC
status codes, and the gateway turns those into problem+json."""

from __future__ import annotations

from dataclasses import dataclass
from dataclasses import field as default  # a FieldError has a field named `field`
from typing import TypeVar

T = TypeVar("T")


@dataclass(frozen=True)
class FieldError:
    """What is wrong with one field: the English `message`, and a stable `code` with its
    `params` from which a client says it in its own language (docs/api.md, "Second wave")."""

    field: str
    message: str
    code: str = "invalid"
    params: dict[str, object] = default(default_factory=dict)


class DomainError(Exception):
    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail


class NotFound(DomainError):
    @classmethod
    def of(cls, kind: str, ident: str) -> NotFound:
        return cls(f"{kind} {ident!r} does not exist")


class InvalidInput(DomainError):
    def __init__(self, errors: list[FieldError]) -> None:
        super().__init__("; ".join(f"{e.field}: {e.message}" for e in errors))
        self.errors = errors

    @classmethod
    def field(
        cls, name: str, message: str, code: str = "invalid", **params: object
    ) -> InvalidInput:
        return cls([FieldError(name, message, code, params)])

    @classmethod
    def required(cls, name: str) -> InvalidInput:
        return cls.field(name, "is required", "required")


class Conflict(DomainError):
    def __init__(self, detail: str, existing_id: str | None = None) -> None:
        super().__init__(detail)
        self.existing_id = existing_id


class Stale(DomainError):
    """A change asked for against an older version of a record than the one stored: somebody
    changed it in between, and this change would silently overwrite theirs."""

    @classmethod
    def of(cls, kind: str, ident: str, asked: int, current: int) -> Stale:
        return cls(
            f"{kind} {ident!r} was changed meanwhile (version {current}, not {asked}): "
            "read it again and repeat the change"
        )


class Forbidden(DomainError):
    pass


class Unauthenticated(DomainError):
    pass


@dataclass
class Problem:
    """The payload carried next to a non-OK gRPC status, read back by the gateway."""

    detail: str
    errors: list[FieldError] = default(default_factory=list)
    existing_id: str | None = None


def found(value: T | None, kind: str, ident: str) -> T:
    """The value, or a NotFound that names what was looked for."""
    if value is None:
        raise NotFound.of(kind, ident)
    return value
