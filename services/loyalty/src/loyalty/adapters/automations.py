"""The points automations (L7): all of a tenant's in one aggregate behind the storage
port (key `automations`, state `{items, birthday}`), read on every event that may grant.

On MongoDB the aggregate is the document the automations always had (`automations`,
`<tenant>:automations`, `items`): no migration. On the local FerretDB the port keeps
chains (`automations_states`/`automations_heads`); a studio whose automations are still
in its earlier `automations` document is read from there until its first change, which
writes them into the chain (`earlier`: one read by `_id`, only while the chain is empty).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from typing import Any, TypeVar

from plumbing.mongo import Doc, doc_key
from plumbing.storage import Aggregates, Decision, DocCodec, Loaded, Repository, change
from pymongo.asynchronous.collection import AsyncCollection

AUTOMATIONS = "automations"
# `birthday`: whether a BIRTHDAY automation is in force, so the daily job asks only the
# studios that have one (`Storage.across_tenants`).
AUTOMATION_SETS: Aggregates[Doc] = Aggregates(AUTOMATIONS, DocCodec(), indexed=("birthday",))
KEY = "automations"

R = TypeVar("R")


class Automations:
    """One tenant's automations."""

    def __init__(self, repo: Repository[Doc], earlier: AsyncCollection[Doc] | None = None) -> None:
        self.repo = repo
        self.tenant = repo.tenant
        self.earlier = earlier

    async def _earlier_items(self) -> list[Doc]:
        if self.earlier is None:
            return []
        doc = await self.earlier.find_one({"_id": doc_key(self.tenant, KEY)})
        return list((doc or {}).get("items") or [])

    async def all(self) -> list[Doc]:
        loaded = await self.repo.load(KEY)
        if loaded.exists and loaded.state is not None:
            return list(loaded.state.get("items") or [])
        return await self._earlier_items()

    async def change(self, decide: Callable[[list[Doc]], Decision[Doc, R]]) -> R:
        """Decide on the current items (`decide` returns `Save({"items": …}, result)`,
        `Keep` or `Refuse`) and save them with the job's hint."""
        first = await self.repo.load(KEY)
        earlier = [] if first.exists else await self._earlier_items()

        def on(current: Loaded[Doc]) -> Decision[Doc, R]:
            items = list((current.state or {}).get("items") or []) if current.exists else earlier
            return decide([dict(a) for a in items])

        done = await change(self.repo, KEY, on)
        return done.result


def with_hints(items: list[Doc]) -> Doc:
    """The state saved: the items, and whether a BIRTHDAY automation is in force."""
    birthday = any(a["trigger"] == "BIRTHDAY" and a.get("active", True) for a in items)
    return {"items": items, "birthday": birthday}


def as_date(value: Any) -> date | None:
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value)[:10])
    except ValueError:
        return None
