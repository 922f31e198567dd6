"""Who is calling: set by the gateway, carried to services in gRPC metadata."""

from __future__ import annotations

from collections.abc import Iterable
from contextvars import ContextVar
from dataclasses import dataclass

from crmkit.errors import Forbidden

ROLES = ("admin", "director", "manager", "marketer", "viewer")
WRITER_ROLES = frozenset({"admin", "director", "manager", "marketer"})
# Areas where fewer people may write: ERP documents come from the ERP (or an admin); the
# company's settings are an admin's.
WRITERS_OF = {"erp": frozenset({"admin"}), "company": frozenset({"admin"})}

USER_KEY = "x-crm-user-id"
ROLES_KEY = "x-crm-roles"
SCOPES_KEY = "x-crm-scopes"
GROUPS_KEY = "x-crm-groups"
TRACE_KEY = "x-crm-trace-id"


@dataclass(frozen=True)
class Identity:
    user_id: str
    roles: frozenset[str] = frozenset()
    scopes: frozenset[str] = frozenset()
    groups: frozenset[str] = frozenset()  # the ids of the user's groups (shared mailboxes)

    @property
    def person_id(self) -> str | None:
        """The user behind the call, who may own things; None for a machine's API key (scopes,
        no roles), which owns nothing."""
        return self.user_id if self.roles and self.user_id else None

    def can_write(self, area: str) -> bool:
        return (
            bool(self.roles & WRITERS_OF.get(area, WRITER_ROLES)) or f"{area}:write" in self.scopes
        )

    def can_read(self, area: str) -> bool:
        return bool(self.roles) or bool({f"{area}:read", f"{area}:write"} & self.scopes)

    def require_writer(self, area: str) -> None:
        if not self.can_write(area):
            raise Forbidden(f"you may read but not change {area}")

    def to_metadata(self) -> list[tuple[str, str]]:
        return [
            (USER_KEY, self.user_id),
            (ROLES_KEY, ",".join(sorted(self.roles))),
            (SCOPES_KEY, ",".join(sorted(self.scopes))),
            (GROUPS_KEY, ",".join(sorted(self.groups))),
        ]

    @classmethod
    def from_metadata(cls, metadata: Iterable[tuple[str, str | bytes]]) -> Identity:
        values = {k: v if isinstance(v, str) else v.decode() for k, v in metadata}

        def split(key: str) -> frozenset[str]:
            return frozenset(filter(None, values.get(key, "").split(",")))

        return cls(values.get(USER_KEY, ""), split(ROLES_KEY), split(SCOPES_KEY), split(GROUPS_KEY))


ANONYMOUS = Identity("")
SYSTEM = Identity("system", frozenset({"admin"}))

_current: ContextVar[Identity] = ContextVar("identity", default=ANONYMOUS)


def current_identity() -> Identity:
    return _current.get()


def set_identity(identity: Identity) -> None:
    _current.set(identity)
