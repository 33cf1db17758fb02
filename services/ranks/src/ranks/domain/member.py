"""A client as ranks knows them: what they hold in each category and how they got there."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from ranks.domain.model import Change, Holding


@dataclass
class Member:
    """One aggregate per client, saved whole with the events its change causes."""

    client_id: str
    # Category id -> the client's place in it.
    holdings: dict[str, Holding] = field(default_factory=dict)
    # Every change, oldest first (R8).
    history: list[Change] = field(default_factory=list)
    # The clients context announced the client (client_created): staff may act on them.
    card: bool = False
    # When the client was created, as the clients context said.
    created_at: datetime | None = None
