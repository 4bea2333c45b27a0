"""Who is acting. Every mutating service method takes an Actor first.

Accounts and roles per country arrive with the workflow issue; until then the actors are the
system (CLI, loader) and anonymous readers.
"""

from __future__ import annotations

from dataclasses import dataclass, field

__all__ = ["ANONYMOUS", "SYSTEM", "Actor"]


@dataclass(frozen=True)
class Actor:
    name: str
    #: ``system`` may do anything through services (CLI, loaders); ``anonymous`` may only read
    kind: str = "user"
    roles: frozenset[str] = field(default_factory=frozenset)
    request_id: str = ""
    client_ip: str = ""

    @property
    def is_system(self) -> bool:
        return self.kind == "system"


SYSTEM = Actor(name="system", kind="system")
ANONYMOUS = Actor(name="anonymous", kind="anonymous")
