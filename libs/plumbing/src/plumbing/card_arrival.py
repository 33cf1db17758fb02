"""Waiting a little for what another context announced a moment ago.

A card created through the graph reaches the other contexts through Kafka, usually
within a second. A caller that reports a sale, a visit or a grant for that card right
away should not be told the client is unknown: the graph's mutations wait for it, about
three seconds at most, before they refuse; only for an id made in the last two minutes,
so an unknown or old id is refused at once. Consumers never wait here; they park what
they cannot apply yet.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import TypeVar

from plumbing.ids import minted_at

T = TypeVar("T")

# The pauses between reads: about 3 s in all.
CARD_WAIT = (0.1, 0.2, 0.4, 0.8, 1.5)
# Only a card made this recently can still be on its way: an older id, or one that
# `new_id` did not make (a typo, another system's), is answered at once.
FRESH = timedelta(minutes=2)


def pauses_for(client_id: str) -> tuple[float, ...]:
    """`CARD_WAIT` for the id of a card made in the last `FRESH`, else no wait."""
    minted = minted_at(client_id)
    if minted is None or datetime.now(UTC) - minted > FRESH:
        return ()
    return CARD_WAIT


async def awaited(
    read: Callable[[], Awaitable[T | None]], pauses: tuple[float, ...] = CARD_WAIT
) -> T | None:
    """`read()`, read again after each pause until it finds something (or None)."""
    found = await read()
    for pause in pauses:
        if found is not None:
            break
        await asyncio.sleep(pause)
        found = await read()
    return found
