"""Waiting for a card made a moment ago: only ids `new_id` made recently are waited for."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from plumbing.card_arrival import CARD_WAIT, awaited, pauses_for
from plumbing.ids import minted_at, new_id


def test_an_id_tells_when_it_was_made() -> None:
    made = minted_at(new_id())
    assert made is not None and abs(datetime.now(UTC) - made) < timedelta(seconds=5)
    assert minted_at("nope") is None
    assert minted_at(uuid.uuid4().hex) is None  # not one of ours


def test_only_a_fresh_card_id_is_waited_for() -> None:
    assert pauses_for(new_id()) == CARD_WAIT
    three_minutes_ago = int((datetime.now(UTC) - timedelta(minutes=3)).timestamp() * 1000)
    old = uuid.UUID(int=three_minutes_ago << 80 | 0x7 << 76 | 12345).hex
    assert minted_at(old) is not None
    assert pauses_for(old) == ()
    assert pauses_for("nobody") == ()


async def test_awaited_reads_again_until_it_finds_something() -> None:
    answers = iter([None, None, "card"])

    async def read() -> str | None:
        return next(answers)

    assert await awaited(read, (0.0, 0.0, 0.0)) == "card"

    async def never() -> str | None:
        return None

    assert await awaited(never, (0.0,)) is None
