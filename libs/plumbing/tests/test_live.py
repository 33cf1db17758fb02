"""The live feed's fan-out, cursors and resumption (`plumbing.live`), fed by hand: the
records it would read from Kafka are handed to `LiveFeed.handle` directly."""

from __future__ import annotations

import asyncio
import base64

import pytest
from plumbing.envelope import Envelope
from plumbing.live import BadCursor, LiveEvent, LiveFeed, Resume, decode_cursor

TOPIC = "loyalty.events"


def card_keys(envelope: Envelope) -> list[str]:
    return [f"{envelope.tenant}:{envelope.subject}"]


def feed(window: int = 100, queue_size: int = 16) -> LiveFeed:
    made = LiveFeed("test", (TOPIC,), card_keys, window=window, queue_size=queue_size)
    made.start_at({(TOPIC, 0): 10, (TOPIC, 1): 5})
    made.ready.set()
    return made


def record(tenant: str, client: str, points: int = 1) -> bytes:
    envelope = Envelope(
        type="loyalty.points_earned.v1",
        source="test",
        tenant=tenant,
        subject=client,
        data={"client_id": client, "points": points},
    )
    return envelope.to_bytes()


async def take(events: object, count: int) -> list[LiveEvent | None]:
    iterator = events.__aiter__()  # type: ignore[attr-defined]
    return [await asyncio.wait_for(anext(iterator), 1) for _ in range(count)]


async def test_an_event_reaches_the_subscribers_of_its_card_only() -> None:
    live = feed()
    mine = await live.open("a:c1", None)
    other_card = await live.open("a:c2", None)
    other_studio = await live.open("b:c1", None)
    live.handle(TOPIC, 0, 10, record("a", "c1", 7))
    [event] = await take(mine.events, 1)
    assert event is not None and event.envelope.data["points"] == 7
    for quiet in (other_card, other_studio):
        with pytest.raises(TimeoutError):
            await take(quiet.events, 1)
    assert mine.resume is Resume.LIVE


async def test_a_cursor_resumes_after_the_last_event_seen_once_each() -> None:
    live = feed()
    first = await live.open("a:c1", None)
    live.handle(TOPIC, 0, 10, record("a", "c1", 1))
    [seen] = await take(first.events, 1)
    assert seen is not None
    live.handle(TOPIC, 1, 5, record("a", "c1", 2))  # missed while away
    live.handle(TOPIC, 0, 11, record("a", "c2", 3))  # another card's
    live.handle(TOPIC, 0, 12, record("a", "c1", 4))  # missed while away
    back = await live.open("a:c1", seen.cursor)
    assert back.resume is Resume.REPLAYED
    replayed = await take(back.events, 2)
    assert [e.envelope.data["points"] for e in replayed if e] == [2, 4]
    live.handle(TOPIC, 1, 6, record("a", "c1", 5))
    [then] = await take(back.events, 1)
    assert then is not None and then.envelope.data["points"] == 5


async def test_a_cursor_beyond_the_window_is_told_to_refetch() -> None:
    live = feed(window=2)
    first = await live.open("a:c1", None)
    live.handle(TOPIC, 0, 10, record("a", "c1"))
    [seen] = await take(first.events, 1)
    assert seen is not None
    for offset in range(11, 14):  # the window keeps the last two only
        live.handle(TOPIC, 0, offset, record("a", "c9"))
    assert (await live.open("a:c1", seen.cursor)).resume is Resume.REFETCH


async def test_a_replica_behind_the_cursor_skips_what_the_caller_saw() -> None:
    ahead = feed()
    ahead.handle(TOPIC, 0, 10, record("a", "c1", 1))
    cursor = ahead.cursor()
    behind = feed()  # has not read offset 10 yet
    opened = await behind.open("a:c1", cursor)
    behind.handle(TOPIC, 0, 10, record("a", "c1", 1))
    behind.handle(TOPIC, 0, 11, record("a", "c1", 2))
    [event] = await take(opened.events, 1)
    assert event is not None and event.envelope.data["points"] == 2


async def test_a_subscriber_too_far_behind_is_ended_with_none() -> None:
    live = feed(queue_size=2)
    slow = await live.open("a:c1", None)
    for offset in range(10, 15):
        live.handle(TOPIC, 0, offset, record("a", "c1"))
    events = await take(slow.events, 2)
    assert events[-1] is None
    assert live.subscribers == 0  # ended: no longer fanned out to


def test_a_cursor_not_written_by_a_feed_is_refused() -> None:
    with pytest.raises(BadCursor):
        decode_cursor("not a cursor!")
    assert decode_cursor(feed().cursor()) == {(TOPIC, 0): 10, (TOPIC, 1): 5}


async def test_an_events_cursor_names_its_partition_and_resumes_like_any_other() -> None:
    live = feed()
    mine = await live.open("a:c1", None)
    live.handle(TOPIC, 1, 5, record("a", "c1"))
    [event] = await take(mine.events, 1)
    assert event is not None
    text = base64.urlsafe_b64decode(event.cursor + "=" * (-len(event.cursor) % 4)).decode()
    assert text == f"{TOPIC}:0:10,{TOPIC}:1:6;{TOPIC}:1"
    assert decode_cursor(event.cursor) == {(TOPIC, 0): 10, (TOPIC, 1): 6}
    live.handle(TOPIC, 0, 10, record("a", "c1", 9))
    again = await live.open("a:c1", event.cursor)
    [missed] = await take(again.events, 1)
    assert missed is not None and missed.envelope.data["points"] == 9


async def test_from_the_window_a_subscriber_gets_what_its_key_had_just_before() -> None:
    live = feed()
    live.handle(TOPIC, 0, 10, record("a", "c1", 1))  # before the subscription opened
    live.handle(TOPIC, 0, 11, record("a", "c2", 2))
    late = await live.open("a:c1", None, from_window=True)
    assert late.resume is Resume.REPLAYED
    [missed] = await take(late.events, 1)
    assert missed is not None and missed.envelope.data["points"] == 1
    live.handle(TOPIC, 1, 5, record("a", "c1", 3))
    [then] = await take(late.events, 1)
    assert then is not None and then.envelope.data["points"] == 3
    plain = await live.open("a:c1", None)  # without it: from now on
    with pytest.raises(TimeoutError):
        await take(plain.events, 1)
