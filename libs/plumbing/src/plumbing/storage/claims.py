"""Claims on a read model by insertion, the same on MongoDB and on FerretDB: inserting a
new `_id` is atomic on both, so the first event to claim a key owns its document and no
lock is needed (`ReadModel.claim`, `ReadModel.claim_new`)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pymongo.asynchronous.collection import AsyncCollection

from plumbing.mongo import Doc, doc_key, insert_new
from plumbing.storage.memory import claimed
from plumbing.storage.port import checked_key


class InsertedClaims:
    """For a read model over one collection (`_col`) of one tenant (`_tenant`)."""

    _col: AsyncCollection[Doc]
    _tenant: str

    async def claim(self, key: str, event_id: str, fields: Mapping[str, Any]) -> bool:
        if key not in await self.claim_new({key: (event_id, fields)}):
            return True
        owner = await self._col.find_one(
            {"_id": doc_key(self._tenant, checked_key(key))}, {"event_id": 1}
        )
        return owner is not None and owner.get("event_id") == event_id

    async def claim_new(self, claims: Mapping[str, tuple[str, Mapping[str, Any]]]) -> set[str]:
        keys = list(claims)
        docs = [claimed(self._tenant, key, *claims[key]) for key in keys]
        return {keys[i] for i in await insert_new(self._col, docs)}
