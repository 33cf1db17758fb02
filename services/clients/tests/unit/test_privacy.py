"""C12 erasure on the in-memory storage: a tombstone, contact keys released, document
bytes gone, one `client_erased` event; a second erasure answers ALREADY_ERASED."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from clients.service_layer import privacy
from plumbing.mongo import Doc
from plumbing.storage import Aggregates, DocCodec, MemoryStorage, Save, change

T0 = datetime(2026, 3, 1, 10, 0, tzinfo=UTC)


class FakeKeys:
    def __init__(self) -> None:
        self.released: list[tuple[str, str, str]] = []

    async def release_key(self, kind: str, value: str, client_id: str) -> None:
        self.released.append((kind, value, client_id))


class FakeFiles:
    def __init__(self, *held: str) -> None:
        self.held = set(held)

    async def put(self, document_id: str, file_name: str, data: bytes, content_type: str) -> None:
        self.held.add(document_id)

    async def delete(self, document_id: str) -> None:
        self.held.discard(document_id)


async def test_c12_erasure_keeps_a_tombstone_and_lets_go_of_keys_and_files() -> None:
    storage = MemoryStorage()
    cards = storage.repository(Aggregates[Doc]("clients", DocCodec()), "t1")
    card = {"id": "c1", "source": "MANUAL", "created_at": T0, "first_name": "Elena",
            "email": "elena@example.com", "phone": "+34611222333", "status": "ACTIVE",
            "documents": [{"id": "d1"}], "notes": [{"text": "Prefiere tardes"}]}  # fmt: skip
    await change(cards, "c1", lambda _: Save(card, None))
    keys, files = FakeKeys(), FakeFiles("d1", "other")

    done = await privacy.erase_client(cards, keys, files, "c1", now=T0)

    assert not done.problems
    # The memory storage keeps the tombstone as a state; the card storage of the service
    # reads a card marked `erased` as gone (adapters/revised.py).
    left = (await cards.load("c1")).state
    assert left == {"id": "c1", "source": "MANUAL", "created_at": T0, "erased": True,
                    "erased_at": T0, "status": "ARCHIVED", "updated_at": T0}  # fmt: skip
    assert keys.released == [("email", "elena@example.com", "c1"),
                             ("phone", "+34611222333", "c1")]  # fmt: skip
    assert files.held == {"other"}
    (event,) = [json.loads(e["value"]) for e in storage.pending()]
    assert event["type"] == "clients.client_erased.v1" and event["data"] == {"client_id": "c1"}


async def test_c12_an_unknown_client_is_not_found() -> None:
    cards = MemoryStorage().repository(Aggregates[Doc]("clients", DocCodec()), "t1")
    done = await privacy.erase_client(cards, FakeKeys(), FakeFiles(), "nobody", now=T0)
    assert [p.code for p in done.problems.items] == ["NOT_FOUND"]


async def test_c12_erasing_twice_answers_already_erased() -> None:
    cards = MemoryStorage().repository(Aggregates[Doc]("clients", DocCodec()), "t1")
    await change(cards, "c1", lambda _: Save({"id": "c1", "status": "ACTIVE"}, None))
    await privacy.erase_client(cards, FakeKeys(), FakeFiles(), "c1", now=T0)
    again = await privacy.erase_client(cards, FakeKeys(), FakeFiles(), "c1", now=T0)
    assert [(p.code, p.path) for p in again.problems.items] == [("ALREADY_ERASED", ("id",))]


async def test_c12_a_card_the_storage_reads_as_forgotten_is_already_erased() -> None:
    # What the card storage answers for a tombstone: no state, the version kept.
    cards = MemoryStorage().repository(Aggregates[Doc]("clients", DocCodec()), "t1")
    await change(cards, "c1", lambda _: Save({"id": "c1", "status": "ACTIVE"}, None))
    await cards.save(await cards.load("c1"), None)

    again = await privacy.erase_client(cards, FakeKeys(), FakeFiles(), "c1", now=T0)

    assert [p.code for p in again.problems.items] == ["ALREADY_ERASED"]
