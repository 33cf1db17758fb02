"""R1 and R5 on the in-memory storage: the seniority job finds the studios with their
program on, the clients whose step asks for days (stripes included), and promotes or
announces each once."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from ranks.adapters.programs import studios_with_program
from ranks.domain.categories import Category, Criteria, RankRefused
from ranks.domain.model import ChangeKind
from ranks.service_layer import programs, rank_changes
from ranks.service_layer.programs import CategoryChanges, RankChanges
from ranks.service_layer.seniority import run_seniority, seniority_due
from ranks.testing import MemoryTenants

T0 = datetime(2026, 3, 1, 10, 0, tzinfo=UTC)


async def studio(tenants: MemoryTenants, tenant: str, *stripes: Criteria) -> Category:
    """A program with Karate: White (with these stripes), then Orange after 30 days;
    `ana` holds White since T0."""
    s = tenants(tenant)
    await programs.set_program(s.programs, s.studios, True, None)
    karate = await programs.create_category(
        s.programs, CategoryChanges(name="Karate", auto_promote=True)
    )
    await programs.add_rank(s.programs, karate.id, RankChanges(name="White", stripes=stripes), None)
    await programs.add_rank(
        s.programs,
        karate.id,
        RankChanges(name="Orange", criteria=Criteria(min_days_in_rank=30)),
        None,
    )
    program = await programs.current_program(s.programs)
    category = program.categories[0]
    await rank_changes.client_arrived(s.cards, "ana", f"created-{tenant}", T0)
    await rank_changes.change_by_hand(
        s.members, s.cards, s.roster, program, category, "ana", ChangeKind.ASSIGNMENT,
        rank_id=category.ranks[0].id, actor_id="staff", note=None, now=T0,
    )  # fmt: skip
    return category


async def rank_of(tenants: MemoryTenants, tenant: str) -> tuple[str, int]:
    member = (await tenants(tenant).members.load("ana")).state
    assert member is not None
    [holding] = member.holdings.values()
    return holding.rank_id, holding.stripes


async def test_R1_a_studio_turning_its_program_on_is_listed_once() -> None:
    tenants = MemoryTenants()
    s = tenants("t1")
    await programs.set_program(s.programs, s.studios, True, None)
    await programs.set_program(s.programs, s.studios, True, None)
    await programs.set_program(tenants("t2").programs, s.studios, False, None)
    assert await studios_with_program(s.studios) == ["t1"]


async def test_R5_the_job_promotes_after_the_days_in_every_studio_with_the_program_on() -> None:
    tenants = MemoryTenants()
    karate = await studio(tenants, "t1")
    judo = await studio(tenants, "t2")
    t2 = tenants("t2")
    await programs.set_program(t2.programs, t2.studios, False, None)  # listed, now off

    day29 = await run_seniority(tenants, None, T0 + timedelta(days=29))
    assert (day29.tenants, day29.checked, day29.changed) == (2, 0, 0)
    day30 = await run_seniority(tenants, None, T0 + timedelta(days=30))
    assert (day30.checked, day30.changed) == (1, 1)
    assert await rank_of(tenants, "t1") == (karate.ranks[1].id, 0)
    assert await rank_of(tenants, "t2") == (judo.ranks[0].id, 0)  # its program is off
    again = await run_seniority(tenants, None, T0 + timedelta(days=31))
    assert (again.checked, again.changed) == (0, 0)


async def test_R5_two_jobs_at_once_promote_once() -> None:
    tenants = MemoryTenants()
    await studio(tenants, "t1")
    day30 = T0 + timedelta(days=30)
    runs = await asyncio.gather(*(run_seniority(tenants, "t1", day30) for _ in range(3)))
    assert sum(run.changed for run in runs) == 1
    promotions = [e for e in tenants.storage.pending() if b"client_promoted" in bytes(e["value"])]
    assert len(promotions) == 1


async def test_R5_a_stripe_asking_for_days_is_found_from_its_own_step() -> None:
    tenants = MemoryTenants()
    karate = await studio(tenants, "t1", Criteria(min_days_in_rank=10))
    s = tenants("t1")
    program = await programs.current_program(s.programs)
    assert await seniority_due(s.roster, program, T0 + timedelta(days=9), UTC) == []
    assert await seniority_due(s.roster, program, T0 + timedelta(days=10), UTC) == ["ana"]
    await run_seniority(tenants, "t1", T0 + timedelta(days=10))
    assert await rank_of(tenants, "t1") == (karate.ranks[0].id, 1)  # the stripe, still White
    # The next step (Orange, 30 days) counts from the stripe.
    assert await seniority_due(s.roster, program, T0 + timedelta(days=39), UTC) == []
    assert await seniority_due(s.roster, program, T0 + timedelta(days=40), UTC) == ["ana"]


async def test_R5_a_first_rank_dated_in_the_past_is_due_at_the_next_run() -> None:
    """Seed 000: "basándose en … el tiempo pasado dentro de una categoría (conocido como
    Antigüedad)". A client who came with White earned 40 days ago (another dojo) is
    promoted by the first run of the job, dated at the run."""
    tenants = MemoryTenants()
    await studio(tenants, "t1")
    s = tenants("t1")
    program = await programs.current_program(s.programs)
    karate = program.categories[0]
    now = T0 + timedelta(days=1)
    await rank_changes.client_arrived(s.cards, "bea", "created-bea", now)
    done = await rank_changes.change_by_hand(
        s.members, s.cards, s.roster, program, karate, "bea", ChangeKind.ASSIGNMENT,
        rank_id=karate.ranks[0].id, actor_id="staff", note="viene de otro dojo", now=now,
        since=now - timedelta(days=40),
    )  # fmt: skip
    assert done.holding.since == now - timedelta(days=40) == done.change.at
    assert await seniority_due(s.roster, program, now, UTC) == ["bea"]
    run = await run_seniority(tenants, "t1", now)
    assert (run.checked, run.changed) == (1, 1)
    member = (await s.members.load("bea")).state
    assert member is not None
    assert member.holdings[karate.id].rank_id == karate.ranks[1].id
    assert [(c.kind, c.trigger.value, c.at) for c in member.history][1] == (
        ChangeKind.PROMOTION, "AUTOMATIC", now
    )  # fmt: skip


async def test_R5_what_a_dated_assignment_refuses() -> None:
    tenants = MemoryTenants()
    await studio(tenants, "t1")
    s = tenants("t1")
    program = await programs.current_program(s.programs)
    karate = program.categories[0]

    async def refused(client: str, since: datetime, rank: int = 1) -> str:
        try:
            await rank_changes.change_by_hand(
                s.members, s.cards, s.roster, program, karate, client, ChangeKind.ASSIGNMENT,
                rank_id=karate.ranks[rank].id, actor_id="staff", note=None, now=T0, since=since,
            )  # fmt: skip
        except RankRefused as exc:
            return exc.code
        raise AssertionError("accepted")

    # ana already holds White in Karate: a dated assignment would rewrite her history.
    assert await refused("ana", T0 - timedelta(days=5)) == "SINCE_NOT_ALLOWED"
    await rank_changes.client_arrived(s.cards, "cris", "created-cris", T0)
    assert await refused("cris", T0 + timedelta(minutes=1)) == "FUTURE_TIME"
    assert await refused("cris", datetime(2026, 1, 1)) == "NAIVE_TIME"
