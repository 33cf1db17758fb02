"""C10 search read model: the searchable fields of every card, in memory, in search order.

FerretDB's SQLite backend answers only a filter of exactly `{_id}` from an index: any
search filter reads the whole `clients` collection (every tenant's cards), which takes
seconds for a large studio. On that backend each API process keeps this index instead
(loaded and fed by `clients.entrypoints.search_feed`) and fetches only the page's cards
by `_id`.

- Per tenant, the listed cards (a card document was seen and it is not erased) are kept
  ordered by `(sort_name, id)`, as one list per searched field: a page after a cursor
  starts at a bisection, each condition is one pass over its list, and `totalCount` is
  the number of cards that pass them all.
- The conditions are `clients.domain.search.Criteria`, evaluated here (on MongoDB,
  `clients.adapters.card_search.mongo_filter` sends them to the database).
- Card fields (names, status, branch, birthday) are replaced from the newest document
  read. Points and ranks follow the rules of `service_layer/standings.py` whatever their source (a
  document or an event): the value with the newer time wins, per rank category, so the
  order in which documents and events arrive never makes a value go back. An erased
  card never comes back.

Plain Python, no I/O.
"""

from __future__ import annotations

import bisect
import operator
import sys
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime
from itertools import compress, repeat
from typing import Any

from plumbing.clock import as_utc

from clients.domain.search import Criteria, window

NO_RANKS: frozenset[str] = frozenset()


@dataclass(eq=False, slots=True)
class Entry:
    """One client as the search sees it."""

    id: str
    sort_name: str = ""
    search_text: str = ""
    status: str | None = None
    preferred_branch_id: str | None = None
    birth_md: str | None = None
    rank_ids: frozenset[str] = NO_RANKS
    points: int | None = None  # None: no balance known yet, which counts as 0
    points_at: datetime | None = None
    ranks_held: dict[str, tuple[str, datetime]] | None = None  # category -> (rank, at)
    erased: bool = False
    card: bool = False  # a card document was seen (events may arrive before it)
    writes: int = 0  # documents this process handed over after writing the card

    @property
    def listed(self) -> bool:
        return self.card and not self.erased


def _key(entry: Entry) -> tuple[str, str]:
    return (entry.sort_name, entry.id)


def _ms(at: datetime) -> datetime:
    # BSON keeps milliseconds: compare event times as the card documents store them.
    at = as_utc(at)
    return at.replace(microsecond=at.microsecond // 1000 * 1000)


def _text(value: Any) -> str | None:
    return sys.intern(str(value)) if value is not None else None


Test = Callable[[Iterable[Any]], Iterator[Any]]  # one result per value, in order


def _contains(word: str) -> Test:
    return lambda texts: map(operator.contains, texts, repeat(word))


class _Tenant:
    """The clients of one tenant. The listed ones are also kept as columns in search
    order, one list per searched field, so that a condition is one pass over one list at
    C speed (`map` of a built-in comparison) rather than a Python call per card."""

    def __init__(self, *, building: bool) -> None:
        self.entries: dict[str, Entry] = {}
        self.keys: list[tuple[str, str]] = []  # (sort_name, id), sorted
        self.texts: list[str] = []
        self.statuses: list[str | None] = []
        self.branches: list[str | None] = []
        self.birthdays: list[str | None] = []
        self.ranks: list[frozenset[str]] = []
        self.points: list[int] = []
        # During a load the columns are left alone and built once at the end (`build`).
        self.building = building

    def _columns(self) -> tuple[list[Any], ...]:
        return (
            self.keys,
            self.texts,
            self.statuses,
            self.branches,
            self.birthdays,
            self.ranks,
            self.points,
        )

    @staticmethod
    def _row(entry: Entry) -> tuple[Any, ...]:
        return (
            _key(entry),
            entry.search_text,
            entry.status,
            entry.preferred_branch_id,
            entry.birth_md,
            entry.rank_ids,
            entry.points or 0,  # a card without a balance counts as 0
        )

    def _find(self, key: tuple[str, str]) -> int | None:
        at = bisect.bisect_left(self.keys, key)
        return at if at < len(self.keys) and self.keys[at] == key else None

    def place(self, entry: Entry) -> None:
        if self.building:
            return
        at = bisect.bisect_left(self.keys, _key(entry))
        for column, value in zip(self._columns(), self._row(entry), strict=True):
            column.insert(at, value)

    def unplace(self, key: tuple[str, str]) -> None:
        at = None if self.building else self._find(key)
        if at is not None:
            for column in self._columns():
                del column[at]

    def refresh(self, entry: Entry) -> None:
        at = None if self.building else self._find(_key(entry))
        if at is not None:
            for column, value in zip(self._columns(), self._row(entry), strict=True):
                column[at] = value

    def build(self) -> None:
        listed = sorted((e for e in self.entries.values() if e.listed), key=_key)
        values = list(zip(*(self._row(entry) for entry in listed), strict=True))
        for column, column_values in zip(
            self._columns(), values or [()] * len(self._columns()), strict=True
        ):
            column[:] = column_values
        self.building = False

    @property
    def listed(self) -> int:
        if self.building:
            return sum(1 for e in self.entries.values() if e.listed)
        return len(self.keys)

    def matching(self, criteria: Criteria) -> list[int] | None:
        """Positions (in search order) of the listed cards that match; None: every one.

        The cheap conditions run first, over every card; each next one only over the
        cards still matching, and the substring tests of the search words last."""
        conditions: list[tuple[list[Any], Test]] = []
        if criteria.birth_days is not None:
            days = criteria.birth_days
            conditions.append((self.birthdays, lambda vs: map(days.__contains__, vs)))
        if criteria.rank_id is not None:
            rank = criteria.rank_id
            conditions.append((self.ranks, lambda vs: map(operator.contains, vs, repeat(rank))))
        if criteria.branch_id is not None:
            branch = criteria.branch_id
            conditions.append((self.branches, lambda vs: map(operator.eq, vs, repeat(branch))))
        if criteria.statuses is not None:
            statuses = criteria.statuses
            conditions.append((self.statuses, lambda vs: map(statuses.__contains__, vs)))
        if criteria.min_points is not None:
            low = criteria.min_points
            conditions.append((self.points, lambda vs: map(operator.le, repeat(low), vs)))
        if criteria.max_points is not None:
            high = criteria.max_points
            conditions.append((self.points, lambda vs: map(operator.ge, repeat(high), vs)))
        conditions.extend((self.texts, _contains(word)) for word in criteria.words)
        if not conditions:
            return None
        column, test = conditions[0]
        found = list(compress(range(len(column)), test(column)))
        for column, test in conditions[1:]:
            found = list(compress(found, test(map(column.__getitem__, found))))
        return found


class SearchIndex:
    """Every tenant's searchable cards. Not thread-safe: one event loop owns it."""

    def __init__(self) -> None:
        self._tenants: dict[str, _Tenant] = {}
        self._loading = False
        self.ready = False  # loaded and caught up: searches may be answered here

    # ------------------------------------------------------------------ loading
    def begin_load(self) -> None:
        """Until `finish_load`, changes touch the entries only; the search columns are
        built once at the end (one sort instead of one insertion per card)."""
        self._loading = True
        for tenant in self._tenants.values():
            tenant.building = True

    def finish_load(self) -> None:
        self._loading = False
        for tenant in self._tenants.values():
            if tenant.building:
                tenant.build()

    # ------------------------------------------------------------------ size
    @property
    def size(self) -> int:
        """Listed cards, every tenant."""
        return sum(t.listed for t in self._tenants.values())

    @property
    def tenants(self) -> int:
        return len(self._tenants)

    def entries(self, tenant: str) -> Iterator[Entry]:
        """The listed entries of a tenant, in search order."""
        found = self._tenants.get(tenant)
        if found is None:
            return iter(())
        return (found.entries[client_id] for _, client_id in found.keys)

    # ------------------------------------------------------------------ changes
    def _tenant(self, tenant: str) -> _Tenant:
        found = self._tenants.get(tenant)
        if found is None:
            found = self._tenants[tenant] = _Tenant(building=self._loading)
        return found

    def _entry(self, tenant: _Tenant, client_id: str) -> Entry:
        entry = tenant.entries.get(client_id)
        if entry is None:
            entry = tenant.entries[client_id] = Entry(id=client_id)
        return entry

    def written(self, tenant: str, doc: Mapping[str, Any]) -> None:
        """This process wrote the card: `doc` is the document as the write left it."""
        entry = self._entry(self._tenant(tenant), str(doc["id"]))
        entry.writes += 1
        self.card(tenant, doc)

    def writes(self, tenant: str, client_id: str) -> int:
        """To pass to `card` with a document read from now on."""
        t = self._tenants.get(tenant)
        entry = t.entries.get(client_id) if t is not None else None
        return entry.writes if entry is not None else 0

    def card(self, tenant: str, doc: Mapping[str, Any], *, writes: int | None = None) -> None:
        """Refresh a client from its card document (or a projection of the indexed fields).

        `writes`: what `self.writes` said before the document was read. If this process
        wrote the card meanwhile, the read may have returned the state before that write,
        while the index already holds the one after it: the document read is dropped (any
        later change of the card has an event of its own, which reads it again)."""
        t = self._tenant(tenant)
        entry = self._entry(t, str(doc["id"]))
        if entry.erased or (writes is not None and entry.writes != writes):
            return
        was_listed, old_key = entry.listed, _key(entry)
        if doc.get("erased"):
            if was_listed:
                t.unplace(old_key)
            # Keep only a tombstone: nothing personal, and no late event revives it.
            t.entries[entry.id] = Entry(id=entry.id, erased=True)
            return
        entry.card = True
        entry.sort_name = str(doc.get("sort_name") or "")
        entry.search_text = str(doc.get("search_text") or "")
        entry.status = _text(doc.get("status"))
        entry.preferred_branch_id = _text(doc.get("preferred_branch_id"))
        entry.birth_md = _text(doc.get("birth_md"))
        _merge_points(entry, doc.get("points"), doc.get("points_at"))
        held = doc.get("ranks_held")
        if isinstance(held, Mapping):
            for category, rank in held.items():
                if isinstance(rank, Mapping) and rank.get("at") is not None:
                    _merge_rank(entry, str(category), str(rank["rank_id"]), rank["at"])
        elif entry.ranks_held is None and doc.get("rank_ids"):
            entry.rank_ids = frozenset(str(r) for r in doc["rank_ids"])
        if not was_listed:
            t.place(entry)
        elif _key(entry) != old_key:
            t.unplace(old_key)
            t.place(entry)
        else:
            t.refresh(entry)

    def points(self, tenant: str, client_id: str, balance: int, at: datetime) -> None:
        """A `loyalty.points_*` event: the balance after it, at the event's time."""
        t = self._tenant(tenant)
        entry = self._entry(t, client_id)
        if not entry.erased and _merge_points(entry, balance, at) and entry.listed:
            t.refresh(entry)

    def rank(
        self, tenant: str, client_id: str, category_id: str, rank_id: str, at: datetime
    ) -> None:
        """A ranks event: the rank held in a category after it, at the event's time."""
        t = self._tenant(tenant)
        entry = self._entry(t, client_id)
        if not entry.erased and _merge_rank(entry, category_id, rank_id, at) and entry.listed:
            t.refresh(entry)

    def forget(self, tenant: str, client_id: str) -> None:
        """The card does not exist (any more): no longer listed."""
        t = self._tenants.get(tenant)
        entry = t.entries.pop(client_id, None) if t is not None else None
        if t is not None and entry is not None and entry.listed:
            t.unplace(_key(entry))

    # ------------------------------------------------------------------ search
    def search(
        self,
        tenant: str,
        criteria: Criteria,
        *,
        after: tuple[str, str] | None,
        limit: int,
        before: tuple[str, str] | None = None,
        from_end: bool = False,
    ) -> tuple[int, list[str]]:
        """`(total matching, ids of up to `limit` matches between the positions)`, ordered
        by `(sort_name, id)`: the first of them, or the last with `from_end`."""
        t = self._tenants.get(tenant)
        if t is None:
            return 0, []
        keys = t.keys
        start = bisect.bisect_right(keys, after) if after is not None else 0
        end = bisect.bisect_left(keys, before) if before is not None else len(keys)
        found = t.matching(criteria)
        if found is None:
            chosen = window(len(keys), start, end, limit, from_end)
            return len(keys), [keys[at][1] for at in chosen]
        low, high = bisect.bisect_left(found, start), bisect.bisect_left(found, end)
        chosen = window(len(found), low, high, limit, from_end)
        return len(found), [keys[found[at]][1] for at in chosen]


def _merge_points(entry: Entry, balance: Any, at: datetime | None) -> bool:
    """Whether the balance was taken (see the module docstring)."""
    if at is None:
        # A balance without a time (a new card's 0) only fills a gap.
        if entry.points_at is None and balance is not None:
            entry.points = int(balance)
            return True
        return False
    at = _ms(at)
    if entry.points_at is not None and entry.points_at > at:
        return False  # an older balance arriving late: the newer one stays
    entry.points = int(balance) if balance is not None else None
    entry.points_at = at
    return True


def _merge_rank(entry: Entry, category_id: str, rank_id: str, at: datetime) -> bool:
    """Whether the rank was taken (see the module docstring)."""
    at = _ms(at)
    held = entry.ranks_held if entry.ranks_held is not None else {}
    current = held.get(category_id)
    if current is not None and current[1] > at:
        return False  # an older change arriving late: the newer rank stays
    held[sys.intern(category_id)] = (sys.intern(rank_id), at)
    entry.ranks_held = held
    entry.rank_ids = frozenset(rank for rank, _ in held.values())
    return True


# ---------------------------------------------------------------------- this process
# The index an API process serves, by database name, so that a write anywhere in the
# process (a request, an import, the standing consumer) refreshes it at once.
_serving: dict[str, SearchIndex] = {}


def serve(database: str, index: SearchIndex | None) -> None:
    if index is None:
        _serving.pop(database, None)
    else:
        _serving[database] = index


def serving(database: str) -> SearchIndex | None:
    return _serving.get(database)


def card_written(database: str, tenant: str, doc: Mapping[str, Any] | None) -> None:
    """This process just wrote a card: the search sees the document at once."""
    index = _serving.get(database)
    if index is not None and doc is not None:
        index.written(tenant, doc)
