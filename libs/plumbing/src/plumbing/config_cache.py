"""A few seconds' memory of small configuration documents, per process.

A client card asks five services for their part, and each used to read its
configuration on every request (the studio's settings, the rank and points programs,
the custom field definitions): seven of the card's thirteen reads. `Recent` keeps such a
value for `seconds`:

- this process's own writes `drop` the key at once, and a read that started before a
  drop never stores what it read, so the process that made a change sees it;
- another process (another replica of the API) sees a change at most `seconds` late.

So it serves what may be a few seconds stale: a query's view of configuration, and the
studio settings, which reach every service through events anyway. Mutations and
consumers that decide something from a service's own configuration read it fresh.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Hashable
from typing import Generic, TypeVar

V = TypeVar("V")

SECONDS = 5.0


class Recent(Generic[V]):
    def __init__(self, *, seconds: float = SECONDS, size: int = 4096) -> None:
        self.seconds = seconds
        self.size = size
        self._values: OrderedDict[Hashable, tuple[float, V]] = OrderedDict()
        self._drops = 0  # any drop, of any key: a read that saw one stores nothing

    async def get(self, key: Hashable, load: Callable[[], Awaitable[V]]) -> V:
        now = time.monotonic()
        kept = self._values.get(key)
        if kept is not None and kept[0] > now:
            return kept[1]
        drops = self._drops
        value = await load()
        if drops == self._drops:
            self._values[key] = (now + self.seconds, value)
            self._values.move_to_end(key)
            while len(self._values) > self.size:
                self._values.popitem(last=False)
        return value

    def drop(self, key: Hashable) -> None:
        self._values.pop(key, None)
        self._drops += 1
