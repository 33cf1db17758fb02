"""A year of history for the crm summary benchmark: 100,000 client cards and 1,000,000
bookings, written straight into the crm read models in the shape the consumer keeps them.

Applying a million facts through the consumer one by one would take hours on FerretDB/
SQLite (see the facts/s figure); what the summary's latency depends on is the size of the
read models it reads, so the history is written here with `insert_many`: the client
profiles (cards and every booking of theirs), the birthday lists, the totals, and per day
and per month the occupancy counters, heatmap cells and booked lists, using the crm's own
rules (`rules.slot`, `rules.occupancy_paths`, `rules.contributions`).

The facts themselves (`facts`, one document per booking) are not written: nothing the
summary reads comes from them, and a million of them would stay behind in the
development database (FerretDB/SQLite deletes about 800–1,500 documents a second by `_id`
and cannot delete many by a filter). `remove` deletes what `load` wrote, by `_id`.
"""

from __future__ import annotations

import random
import time
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from crm.domain import rules
from crm.service_layer.ports import PERIODS, PROFILES
from crm.service_layer.profile_entries import period_id
from plumbing.mongo import Doc
from pymongo.asynchronous.database import AsyncDatabase

from bench.common import delete_ids

CHUNK = 2000
SERVICES = 5
PROFESSIONALS = 7
CAPACITY = 25
UTC_ZONE = ZoneInfo("UTC")  # a fresh bench studio's zone


@dataclass
class History:
    tenant: str
    bookings: int
    ids: dict[str, list[str]] = field(default_factory=dict)  # what was written, by collection
    counts: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0


def _scoped(tenant: str, local: str) -> str:
    return f"{tenant}:{local}"


def client_ids(count: int) -> list[str]:
    return [f"hc{i:06d}" for i in range(count)]


def card(i: int, client: str) -> Doc:
    return {
        "client_id": client,
        "first_name": "History",
        "last_name": str(i),
        "gender": rules.GENDERS[i % 3],
        "birth_date": f"{1960 + i % 50}-{1 + i % 12:02d}-{1 + i % 28:02d}",
        "status": "ACTIVE",
    }


async def _insert(db: AsyncDatabase[Doc], collection: str, docs: Iterator[Doc]) -> int:
    count, chunk = 0, []
    for doc in docs:
        chunk.append(doc)
        if len(chunk) == CHUNK:
            await db[collection].insert_many(chunk, ordered=False)
            count, chunk = count + len(chunk), []
    if chunk:
        await db[collection].insert_many(chunk, ordered=False)
        count += len(chunk)
    return count


async def load(
    db: AsyncDatabase[Doc],
    tenant: str,
    *,
    clients: int,
    bookings: int,
    until: date,
    days: int = 365,
    zone: ZoneInfo = UTC_ZONE,
) -> History:
    """Write `bookings` bookings of `clients` clients over the `days` days before `until`;
    returns what was written and how long it took."""
    started = time.perf_counter()
    rng = random.Random(7)
    ids = client_ids(clients)
    today = until
    first = until - timedelta(days=days)
    sessions_per_day = max(bookings // days // 20, 1)
    day_docs: dict[str, Doc] = defaultdict(dict)
    month_docs: dict[str, Doc] = defaultdict(dict)
    # Kept compact (a million of them): expanded when the profiles are written.
    per_client: dict[str, list[tuple[str, datetime, str, str, str, bool]]] = defaultdict(list)

    def bump(doc: Doc, path: str, by: int) -> None:
        *parents, leaf = path.split(".")
        for part in parents:
            doc = doc.setdefault(part, {})
        doc[leaf] = doc.get(leaf, 0) + by

    def bookings_of_the_year() -> None:
        for d in range(days):
            day = first + timedelta(days=d)
            for s in range(sessions_per_day):
                starts = datetime(day.year, day.month, day.day, 6 + s % 16, tzinfo=UTC)
                at = rules.slot(starts, zone)
                service, pro = f"svc{s % SERVICES}", f"pro{s % PROFESSIONALS}"
                for path in rules.occupancy_paths(at.hour, service, pro):
                    bump(day_docs[at.day], f"{path}.o", CAPACITY)
                    bump(month_docs[at.month], f"{path}.o", CAPACITY)
                bump(month_docs[at.month], f"{at.heat}.o", CAPACITY)
        for b in range(bookings):
            d, s = divmod(b % (days * sessions_per_day), sessions_per_day)
            day = first + timedelta(days=d)
            starts = datetime(day.year, day.month, day.day, 6 + s % 16, tzinfo=UTC)
            at = rules.slot(starts, zone)
            service, pro = f"svc{s % SERVICES}", f"pro{s % PROFESSIONALS}"
            client = ids[rng.randrange(clients)]
            from_app = b % 4 == 0
            for path in rules.occupancy_paths(at.hour, service, pro):
                bump(day_docs[at.day], f"{path}.b", 1)
                bump(month_docs[at.month], f"{path}.b", 1)
            bump(month_docs[at.month], f"{at.heat}.b", 1)
            bump(day_docs[at.day], f"booked.{client}", 1)
            if from_app:
                bump(day_docs[at.day], "app", 1)
            booking = f"hb{b}"
            per_client[client].append((booking, starts, f"hs{d}-{s}", service, pro, from_app))

    bookings_of_the_year()
    totals: dict[str, int] = defaultdict(int)
    birthdays: dict[str, dict[str, int]] = defaultdict(dict)

    def profiles() -> Iterator[Doc]:
        for i, client in enumerate(ids):
            fields = card(i, client)
            contrib = sorted(rules.contributions(fields, today))
            for key in contrib:
                totals[key] += 1
            birthdays[fields["birth_date"][5:]][client] = 1
            yield {
                "_id": _scoped(tenant, client),
                "tenant": tenant,
                **fields,
                "contrib": contrib,
                "bookings": {
                    booking: {
                        "made_at": starts - timedelta(days=2),
                        "balance_kind": "CREDIT",
                        "session_id": session,
                        "service_id": service,
                        "service_name": None,
                        "professional_id": pro,
                        "starts_at": starts,
                        "status": "BOOKED",
                        "from_app": from_app,
                    }
                    for booking, starts, session, service, pro, from_app in per_client.pop(
                        client, []
                    )
                },
            }

    written_profiles = await _insert(db, PROFILES, profiles())
    scope = rules.ALL_SCOPE

    def periods() -> Iterator[Doc]:
        for key, doc in day_docs.items():
            yield {"_id": _scoped(tenant, period_id("D", scope, key)), "tenant": tenant, **doc}
        for key, doc in month_docs.items():
            yield {"_id": _scoped(tenant, period_id("M", scope, key)), "tenant": tenant, **doc}
        for key, members in birthdays.items():
            yield {"_id": _scoped(tenant, f"bday~{key}"), "tenant": tenant, "clients": members}
        yield {
            "_id": _scoped(tenant, "totals"),
            "tenant": tenant,
            "c": dict(totals),
            "as_of": today.isoformat(),
        }

    written_periods = await _insert(db, PERIODS, periods())
    return History(
        tenant=tenant,
        bookings=bookings,
        ids={
            PROFILES: [_scoped(tenant, c) for c in ids],
            PERIODS: [
                *(_scoped(tenant, period_id("D", scope, k)) for k in day_docs),
                *(_scoped(tenant, period_id("M", scope, k)) for k in month_docs),
                *(_scoped(tenant, f"bday~{k}") for k in birthdays),
                _scoped(tenant, "totals"),
            ],
        },
        counts={PROFILES: written_profiles, PERIODS: written_periods},
        seconds=time.perf_counter() - started,
    )


async def remove(db: AsyncDatabase[Doc], history: History) -> None:
    for collection, ids in history.ids.items():
        await delete_ids(db[collection], ids)
