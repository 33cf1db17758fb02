"""Waiting a little for what another context announced a moment ago.

A card created through the graph reaches the other contexts through Kafka, usually
within a second. A caller that reports a sale, a visit or a grant for that card right
away should not be told the client is unknown: the graph's mutations wait for it, about
three seconds at most, before they refuse. Consumers never wait here; they park what
they cannot apply yet.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import TypeVar

T = TypeVar("T")

# The pauses between reads: about 3 s in all.
CARD_WAIT = (0.1, 0.2, 0.4, 0.8, 1.5)


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
