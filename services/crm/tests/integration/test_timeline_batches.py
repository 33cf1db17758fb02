"""The bulk timeline path against the real FerretDB: one write per client for a run of
events, in order, and nothing added twice however the run is replayed. A long timeline
is sealed into pages and still reads newest first, page after page; only the newest
entries are kept, an erasure removes every page, a writer that loses a race leaves no
page behind, and a timeline written before pages existed reads and grows as before. Each
entry added is announced in its head's write, and relayed once."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from crm.adapters import timelines as timelines_module
from crm.adapters.tenant_storage import OUTBOX_COLLECTIONS
from crm.adapters.timelines import HEADS, PAGE, PAGES, PagedTimelines, key_of
from crm.entrypoints.consumer import batch_handlers
from crm.service_layer.timeline_entries import add_to_timeline, entry_added
from crm.testing import runtime_of
from plumbing import topics
from plumbing.envelope import Envelope
from plumbing.kafka import Message
from plumbing.mongo import Doc
from plumbing.outbox import HINTS
from plumbing.outbox_relay import OutboxRelay
from plumbing.testing import scratch_database
from pymongo.asynchronous.database import AsyncDatabase

TENANT = "t-timeline"
EARNED = "loyalty.points_earned.v1"


@pytest.fixture
async def db() -> AsyncIterator[AsyncDatabase[Doc]]:
    async with scratch_database("crm_timeline") as scratch:
        yield scratch


def earned(client: str, points: int) -> Envelope:
    return Envelope(
        type=EARNED,
        source="test",
        tenant=TENANT,
        subject=client,
        data={"client_id": client, "points": points},
    )


def bulk(db: AsyncDatabase[Doc]) -> Any:
    runtime = runtime_of(db)
    return batch_handlers(runtime)[EARNED]


async def points_on(db: AsyncDatabase[Doc], client: str) -> list[int]:
    entries = await PagedTimelines(db, TENANT).every(client)
    return [int(e["data"]["points"]) for e in entries]


async def test_a_run_lands_in_order_per_client_and_a_replay_adds_nothing(
    db: AsyncDatabase[Doc],
) -> None:
    run = [earned("a", 1), earned("b", 10), earned("a", 2), earned("a", 3), earned("b", 20)]
    assert await bulk(db)(run) == []
    assert await points_on(db, "a") == [1, 2, 3]
    assert await points_on(db, "b") == [10, 20]

    # The same run again (a crash before the offsets were committed), then a run that
    # overlaps it, then one event through the one-at-a-time path.
    assert await bulk(db)(run) == []
    later = earned("a", 4)
    assert await bulk(db)([run[3], later, run[4]]) == []
    await add_to_timeline(PagedTimelines(db, TENANT), "a", [later])
    assert await points_on(db, "a") == [1, 2, 3, 4]
    assert await points_on(db, "b") == [10, 20]


class Sent:
    def __init__(self) -> None:
        self.messages: list[Message] = []

    async def publish_many(self, messages: list[Message]) -> None:
        self.messages += messages


async def test_the_entries_added_are_announced_by_the_heads_write_and_relayed_once(
    db: AsyncDatabase[Doc],
) -> None:
    run = [earned("p", 1), earned("q", 2), earned("p", 3)]
    await bulk(db)(run)
    await bulk(db)(run)  # replayed: nothing added, nothing more announced
    head = await db[HEADS].find_one({"_id": f"{TENANT}:p"})
    assert head is not None and len(head["_outbox"]) == 2
    assert await db[HINTS].find_one({"_id": f"{HEADS}|{TENANT}:p"}) is not None

    sent = Sent()
    relay = OutboxRelay(db, sent, OUTBOX_COLLECTIONS)
    await relay.drain()
    await relay.drain()
    said = [Envelope.from_bytes(value) for _, _, value, _ in sent.messages]
    assert sorted((e.subject, e.data["entry_id"]) for e in said) == sorted(
        (e.subject, e.id) for e in run
    )
    assert {(topic, e.type) for (topic, *_), e in zip(sent.messages, said, strict=True)} == {
        (topics.CRM, "crm.timeline_entry_added.v1")
    }
    head = await db[HEADS].find_one({"_id": f"{TENANT}:p"})
    assert head is not None and head["_outbox"] == []
    assert [e["id"] for e in await PagedTimelines(db, TENANT).every("p")] == [run[0].id, run[2].id]


async def test_a_long_run_for_one_client_is_recognised_whole_when_replayed(
    db: AsyncDatabase[Doc],
) -> None:
    run = [earned("c", n) for n in range(150)]  # more than the guard list's usual length
    await bulk(db)(run)
    await bulk(db)(run)
    for event in run[:5]:
        await add_to_timeline(PagedTimelines(db, TENANT), "c", [event])
    assert await points_on(db, "c") == list(range(150))


def at(minutes: int) -> datetime:
    return datetime(2026, 11, 2, 9, 0, tzinfo=UTC) + timedelta(minutes=minutes)


def announced(client: str, run: list[Doc]) -> list[Envelope]:
    return [entry_added(earned(client, 0), client, e) for e in run]


def entry(n: int, minutes: int) -> Doc:
    return {
        "id": f"e{n:05d}",
        "at": at(minutes),
        "type": EARNED,
        "kind": "points_earned",
        "data": {"points": n},
        "source": "test",
    }


async def test_a_long_timeline_is_sealed_into_pages_and_read_newest_first(
    db: AsyncDatabase[Doc],
) -> None:
    timelines = PagedTimelines(db, TENANT)
    count = 3 * PAGE + 7
    # Added one run at a time, a little out of time order (a late fact now and then).
    order = list(range(count))
    order[10], order[3 * PAGE + 2] = order[3 * PAGE + 2], order[10]
    for start in range(0, count, 9):
        run = [entry(n, n) for n in order[start : start + 9]]
        await timelines.add("d", run, [e["id"] for e in run], announced("d", run))
    head = await db[HEADS].find_one({"_id": f"{TENANT}:d"})
    assert head is not None and isinstance(head["recent"], str)
    assert len(head["pages"]) == 3 and await db[PAGES].count_documents({}) == 3

    newest = await timelines.newest("d", 5)
    assert [e["data"]["points"] for e in newest] == [count - 1 - i for i in range(5)]
    # Walk the whole timeline ten at a time: every entry once, in time order.
    seen: list[int] = []
    before = None
    while page := await timelines.newest("d", 10, before):
        seen += [e["data"]["points"] for e in page]
        before = key_of(page[-1])
    assert seen == list(reversed(range(count)))
    # The entry added early but dated late is found although its page is sealed.
    assert (await timelines.newest("d", 1, key_of(entry(3 * PAGE + 3, 3 * PAGE + 3))))[0]["data"][
        "points"
    ] == 3 * PAGE + 2
    assert len(await timelines.every("d")) == count
    # And backward, from the oldest: every entry once, in the same order.
    back: list[int] = []
    than = None
    while page := await timelines.newer("d", 10, than):
        back = [e["data"]["points"] for e in page] + back
        than = key_of(page[0])
    assert back == seen
    oldest = await timelines.newer("d", 3)
    assert [e["data"]["points"] for e in oldest] == [2, 1, 0]


async def test_writers_racing_to_seal_a_page_leave_only_the_pages_a_head_names(
    db: AsyncDatabase[Doc],
) -> None:
    timelines = PagedTimelines(db, TENANT)
    clients = [f"race{n}" for n in range(4)]
    for client in clients:
        run = [entry(n, n) for n in range(PAGE - 1)]
        await timelines.add(client, run, [e["id"] for e in run], announced(client, run))
    # Two writers per client read the same head; each seals a page, one of them loses.
    late = [entry(PAGE + n, PAGE + n) for n in range(2)]
    await asyncio.gather(
        *(timelines.add(c, [e], [e["id"]], announced(c, [e])) for c in clients for e in late),
    )
    named = 0
    for client in clients:
        assert len(await timelines.every(client)) == PAGE + 1
        head = await db[HEADS].find_one({"_id": f"{TENANT}:{client}"})
        assert head is not None
        named += len(head["pages"])
    assert named == len(clients)
    assert await db[PAGES].count_documents({}) == named


async def test_only_the_newest_keep_entries_stay_and_erasure_removes_every_page(
    db: AsyncDatabase[Doc], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(timelines_module, "KEEP", 2 * PAGE)
    timelines = PagedTimelines(db, TENANT)
    for start in range(0, 4 * PAGE, PAGE // 2):
        run = [entry(n, n) for n in range(start, start + PAGE // 2)]
        await timelines.add("k", run, [e["id"] for e in run], announced("k", run))
    kept = [e["data"]["points"] for e in await timelines.every("k")]
    assert kept == list(range(4 * PAGE - len(kept), 4 * PAGE))
    assert 2 * PAGE - PAGE < len(kept) <= 2 * PAGE
    assert await db[PAGES].count_documents({}) == len(kept) // PAGE
    await timelines.erase("k")
    assert await db[PAGES].count_documents({}) == 0
    assert await db[HEADS].count_documents({}) == 0


async def test_a_timeline_written_before_pages_reads_and_grows(db: AsyncDatabase[Doc]) -> None:
    old = [entry(n, n) for n in range(PAGE - 2)]
    await db[HEADS].insert_one(
        {
            "_id": f"{TENANT}:o",
            "tenant": TENANT,
            "client_id": "o",
            "entries": old,
            "_events": [e["id"] for e in old],
        }
    )
    timelines = PagedTimelines(db, TENANT)
    assert [e["id"] for e in await timelines.newest("o", 2)] == ["e00047", "e00046"]
    run = [entry(n, n) for n in range(PAGE - 4, PAGE + 3)]  # two of them already there
    await timelines.add("o", run, [e["id"] for e in run], announced("o", run))
    assert [e["data"]["points"] for e in await timelines.every("o")] == list(range(PAGE + 3))
    head = await db[HEADS].find_one({"_id": f"{TENANT}:o"})
    assert head is not None and "entries" not in head and len(head["pages"]) == 1
