"""K1–K3, K5 and K7 on the read models, in memory: each event counts once whatever is
replayed, days are the studio's, the daily recount follows time, erasure leaves
nothing of the client."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from crm.service_layer.bulk import facts_in_bulk
from crm.service_layer.ports import ReadModels
from crm.service_layer.summary import load
from crm.service_layer.totals import TOTALS, recount
from crm.testing import MemoryCrm
from crm.testing_events import TENANT, booking, card, consume, membership, session, views
from plumbing import readers
from plumbing.envelope import Envelope

NOW = datetime.now(UTC).replace(microsecond=0)
# A class at 23:30 UTC in Madrid is on the next day at 00:30 (01:30 in summer).
LATE = datetime(2026, 3, 10, 23, 30, tzinfo=UTC)
BOOKED = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


async def day_of(models: ReadModels, day: date) -> dict[str, object]:
    view = await load(models, day, "DAY", None, MemoryCrm().studio(TENANT).zone)
    return {
        "booked": view.list_of("booked"),
        "offered": sum(p.offered for _, p in view.occupancy(None, None)),
        "taken": sum(p.booked for _, p in view.occupancy(None, None)),
        "birthdays": view.birthdays,
    }


async def test_a_replayed_event_counts_once() -> None:
    crm = MemoryCrm()
    events = [card("ana"), session("s1", LATE), booking("b1", "ana", "s1", BOOKED)]
    await consume(crm, *events)
    await consume(crm, *events)  # redelivered after a crash: no second effect
    today = await day_of(views(crm), date(2026, 3, 11))
    assert (today["booked"], today["offered"], today["taken"]) == (["ana"], 10, 1)
    totals = await views(crm).periods.get(TOTALS) or {}
    assert totals["c"]["all~g~FEMALE"] == 1
    timeline = await views(crm).timelines.newest("ana", 10)
    assert sorted(e["kind"] for e in timeline) == ["booking_made", "client_created"]


async def test_the_same_fact_reported_twice_is_applied_once() -> None:
    crm = MemoryCrm()
    await consume(crm, card("ana"), session("s1", LATE))
    await consume(crm, booking("b1", "ana", "s1", BOOKED), booking("b1", "ana", "s1", BOOKED))
    assert (await day_of(views(crm), date(2026, 3, 11)))["taken"] == 1


async def test_the_days_lists_are_the_studios_days() -> None:
    crm = MemoryCrm(zone="Europe/Madrid")
    await consume(crm, card("ana"), session("s1", LATE), booking("b1", "ana", "s1", BOOKED))
    assert (await day_of(views(crm), date(2026, 3, 10)))["booked"] == []
    assert (await day_of(views(crm), date(2026, 3, 11)))["booked"] == ["ana"]
    in_utc = MemoryCrm(zone="UTC")
    await consume(in_utc, card("ana"), session("s1", LATE), booking("b1", "ana", "s1", BOOKED))
    assert (await day_of(views(in_utc), date(2026, 3, 10)))["booked"] == ["ana"]
    assert (await day_of(views(crm), date(2026, 5, 1)))["birthdays"] == ["ana"]


async def test_a_run_in_bulk_and_its_replay_count_once() -> None:
    crm = MemoryCrm()
    await consume(crm, card("ana"), card("bea"), session("s1", LATE))
    run = [booking("b1", "ana", "s1", BOOKED), booking("b2", "bea", "s1", BOOKED)]

    async def open_run(tenant: str):  # type: ignore[no-untyped-def]
        return crm.views(tenant), crm.studio(tenant).zone

    assert await facts_in_bulk(open_run, run) == []
    left = await facts_in_bulk(open_run, run)  # replayed: every claim exists
    assert left == run
    await consume(crm, *left)  # the one-at-a-time path's guards skip them
    today = await day_of(views(crm), date(2026, 3, 11))
    assert (today["booked"], today["taken"]) == (["ana", "bea"], 2)


async def test_the_daily_recount_follows_time() -> None:
    crm = MemoryCrm()
    ends = NOW.date() + timedelta(days=2)
    await consume(crm, card("ana"), membership("ana", ends, NOW - timedelta(hours=1)))
    assert ((await views(crm).periods.get(TOTALS)) or {})["c"]["fee"] == 1
    counted = await recount(crm.studios(), TENANT, NOW)
    assert counted["fee"] == 1
    later = await recount(crm.studios(), TENANT, NOW + timedelta(days=5))
    assert "fee" not in later
    totals = await views(crm).periods.get(TOTALS) or {}
    assert totals["c"] == later
    assert totals["as_of"] == (NOW + timedelta(days=5)).date().isoformat()
    assert await crm.studios().stale(totals["as_of"]) == []


async def test_erasure_leaves_nothing_of_the_client() -> None:
    crm = MemoryCrm()
    await consume(crm, card("ana"), card("bea"), session("s1", LATE))
    await consume(crm, booking("b1", "ana", "s1", BOOKED))
    erased = Envelope(
        type=readers.CLIENT_ERASED,
        source="clients",
        tenant=TENANT,
        subject="ana",
        data={"client_id": "ana"},
    )
    await consume(crm, erased, erased)
    models = views(crm)
    assert await models.profiles.get("ana") is None
    assert await models.timelines.newest("ana", 10) == []
    totals = await models.periods.get(TOTALS) or {}
    assert totals["c"]["all~g~FEMALE"] == 1  # bea alone
    assert (await day_of(models, date(2026, 5, 1)))["birthdays"] == ["bea"]
