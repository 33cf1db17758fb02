"""Documents written before the storage port, adopted on the local database.

On MongoDB the port reads ranks' earlier documents where they are (`members`,
`programs`: `version` at the top level, docs/storage.md). On the local FerretDB the port
keeps chains of states (`<name>_states`, `<name>_heads`), so an aggregate still in its
earlier document is adopted as it is first loaded.
"""

from __future__ import annotations

import contextlib
from collections.abc import Mapping, Sequence
from typing import Any, TypeVar

from plumbing.storage import Codec, Conflict, Loaded, Outgoing, Repository
from plumbing.tenant_collection import TenantCollection

S = TypeVar("S")


class Earlier(Repository[S]):
    """Local database only: an aggregate never saved through the port may still be in
    its earlier document (`<name>`, `<tenant>:<key>`). The first load that misses reads
    it by `_id` (one read, only on a miss), saves it as version 1 and deletes it; of two
    processes adopting at once one saves, the other finds it saved. A document whose
    events the relay has not published yet waits until it has (the relay still watches
    `<name>`)."""

    def __init__(self, port: Repository[S], earlier: TenantCollection, codec: Codec[S]) -> None:
        self._port = port
        self._earlier = earlier
        self._codec = codec

    @property
    def tenant(self) -> str:
        return self._port.tenant

    @property
    def name(self) -> str:
        return self._port.name

    async def load(self, key: str) -> Loaded[S]:
        current = await self._port.load(key)
        if current.version:
            return current
        doc = await self._earlier.get(key, {"_events": 0})
        if doc is None or doc.get("_outbox"):
            return current
        state = {k: v for k, v in doc.items() if k not in ("_id", "tenant", "version")}
        with contextlib.suppress(Conflict):  # another process adopted it first
            await self._port.save(current, self._codec.load(state))
        await self._earlier.delete({"_id": key})
        return await self._port.load(key)

    async def save(
        self, current: Loaded[S], state: S | None, events: Sequence[Outgoing] = ()
    ) -> Loaded[S]:
        return await self._port.save(current, state, events)

    async def find(
        self, where: Mapping[str, Any] | None = None, *, limit: int = 0
    ) -> list[Loaded[S]]:
        return await self._port.find(where, limit=limit)
