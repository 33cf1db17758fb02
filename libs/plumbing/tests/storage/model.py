"""A small aggregate, its events and a publisher that remembers, for the contract suite."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from plumbing.contracts import Catalog, EventData
from plumbing.kafka import Message
from plumbing.mongo import Doc
from plumbing.storage import Aggregates, Outgoing, outgoing

catalog = Catalog(source="services/test")
TOPIC = "test.tallies"


@catalog.event("test.tally_counted.v1", topic=TOPIC)
class TallyCounted(EventData):
    count: int


@dataclass
class Tally:
    count: int = 0
    notes: list[str] = field(default_factory=list)
    at: datetime | None = None


class TallyCodec:
    def dump(self, state: Tally) -> Doc:
        return {"count": state.count, "notes": list(state.notes), "at": state.at}

    def load(self, doc: Doc) -> Tally:
        return Tally(int(doc["count"]), list(doc.get("notes") or []), doc.get("at"))


TALLIES = Aggregates("tallies", TallyCodec(), indexed=("count",))


def counted(tenant: str, key: str, count: int) -> Outgoing:
    return outgoing(catalog, TallyCounted(count=count), tenant=tenant, subject=key)


class Published:
    """A publisher that keeps what it is given (the relay's `Publisher`)."""

    def __init__(self) -> None:
        self.messages: list[Message] = []

    async def publish_many(self, messages: list[Message]) -> None:
        self.messages.extend(messages)
