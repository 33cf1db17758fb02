from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class DemoState:
    """What earlier steps created, for later steps to use."""

    tenant: str
    branch_ids: dict[str, str] = field(default_factory=dict)
    client_ids: dict[str, str] = field(default_factory=dict)  # "Ana García" -> id
