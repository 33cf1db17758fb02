"""How the search feed applies what it reads from Kafka: ranks and points as they come,
client events by re-reading the card by `_id`."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from clients.adapters.search_index import Criteria, SearchIndex
from clients.entrypoints.search_feed import Feed
from plumbing import topics
from plumbing.envelope import Envelope

T = "t1"
T0 = datetime(2026, 3, 1, 10, 0, tzinfo=UTC)


class FakeCards:
    """The `clients` collection, as far as `_id` lookups go."""

    def __init__(self, *docs: dict[str, Any]) -> None:
        self.docs = {f"{T}:{doc['id']}": doc for doc in docs}
        self.reads: list[str] = []

    async def find_one(self, filter: dict[str, Any], projection: Any = None) -> Any:
        self.reads.append(filter["_id"])
        return self.docs.get(filter["_id"])


@dataclass
class Record:
    topic: str
    value: bytes


def event(topic: str, type_: str, data: dict[str, Any], subject: str | None) -> Record:
    envelope = Envelope(type=type_, source="test", tenant=T, subject=subject, time=T0, data=data)
    return Record(topic, envelope.to_bytes())


def card(client_id: str, last: str) -> dict[str, Any]:
    return {
        "id": client_id,
        "tenant": T,
        "sort_name": last.lower(),
        "search_text": last.lower(),
        "status": "ACTIVE",
        "points": 0,
    }


async def test_a_batch_applies_points_ranks_and_rereads_the_cards_it_names() -> None:
    cards = FakeCards(card("a", "Alba"), card("b", "Bravo"))
    index = SearchIndex()
    feed = Feed(cards, index, bootstrap="unused:9092", group="clients")  # type: ignore[arg-type]
    await feed.apply(
        [
            event(topics.CLIENTS, "clients.client_created.v1", {"client_id": "a"}, "a"),
            event(topics.CLIENTS, "clients.client_updated.v1", {"client_id": "a"}, "a"),
            event(topics.CLIENTS, "clients.client_created.v1", {"client_id": "b"}, "b"),
            event(topics.CLIENTS, "clients.client_created.v1", {"client_id": "gone"}, "gone"),
            event(topics.CLIENTS, "clients.studio_updated.v1", {"name": "Dojo"}, None),
            event(
                topics.LOYALTY,
                "loyalty.points_earned.v1",
                {"client_id": "a", "points": 120, "balance_after": 120},
                "a",
            ),
            event(
                topics.RANKS,
                "ranks.client_promoted.v1",
                {"client_id": "b", "category_id": "belts", "rank_id": "yellow"},
                "b",
            ),
            event(topics.RANKS, "ranks.client_promoted.v1", {"client_id": "b"}, "b"),  # invalid
            Record(topics.LOYALTY, b"not an event"),
        ]
    )
    # One read per card named, however many events name it; none for the studio.
    assert sorted(cards.reads) == [f"{T}:a", f"{T}:b", f"{T}:gone"]
    assert index.search(T, Criteria(), after=None, limit=10) == (2, ["a", "b"])
    assert index.search(T, Criteria(min_points=100), after=None, limit=10) == (1, ["a"])
    assert index.search(T, Criteria(rank_id="yellow"), after=None, limit=10) == (1, ["b"])


async def test_an_erasure_reread_removes_the_card() -> None:
    cards = FakeCards(card("a", "Alba"))
    index = SearchIndex()
    index.card(T, card("a", "Alba"))
    cards.docs[f"{T}:a"] = {"id": "a", "tenant": T, "erased": True, "status": "ARCHIVED"}
    feed = Feed(cards, index, bootstrap="unused:9092", group="clients")  # type: ignore[arg-type]
    await feed.apply([event(topics.CLIENTS, "clients.client_erased.v1", {"client_id": "a"}, "a")])
    assert index.search(T, Criteria(), after=None, limit=10) == (0, [])


async def test_a_read_overtaken_by_a_write_of_this_process_is_dropped() -> None:
    index = SearchIndex()

    class WrittenDuringTheRead(FakeCards):
        async def find_one(self, filter: dict[str, Any], projection: Any = None) -> Any:
            before = await super().find_one(filter, projection)
            index.written(T, card("a", "Zapata"))  # a request renamed her meanwhile
            return before

    cards = WrittenDuringTheRead(card("a", "Alba"))
    index.card(T, card("a", "Alba"))
    feed = Feed(cards, index, bootstrap="unused:9092", group="clients")  # type: ignore[arg-type]
    await feed.apply([event(topics.CLIENTS, "clients.client_created.v1", {"client_id": "a"}, "a")])
    assert index.search(T, Criteria(words=("zapata",)), after=None, limit=10) == (1, ["a"])
    # The next read, with no write in between, is taken.
    later = Feed(FakeCards(card("a", "Cruz")), index, bootstrap="unused:9092", group="clients")  # type: ignore[arg-type]
    await later.apply([event(topics.CLIENTS, "clients.client_updated.v1", {"client_id": "a"}, "a")])
    assert index.search(T, Criteria(words=("cruz",)), after=None, limit=10) == (1, ["a"])
