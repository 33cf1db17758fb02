"""R9 on the in-memory storage: the report's rows, counts, filters and pages."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from ranks.domain.categories import Category, Criteria, RankDef
from ranks.domain.model import ChangeKind
from ranks.domain.program import Program
from ranks.events import VisitRead
from ranks.service_layer import rank_changes
from ranks.service_layer.reports import ReportPage, rank_report
from ranks.testing import MemoryTenants

T0 = datetime(2026, 3, 1, 10, 0, tzinfo=UTC)
WHITE = RankDef("w", "White")
YELLOW = RankDef("y", "Yellow", Criteria(min_visits=2))
KARATE = Category("k", "Karate", auto_promote=True, ranks=(WHITE, YELLOW))


async def studio() -> tuple[MemoryTenants, Program]:
    """c0..c5 hold White; c0 and c1 were promoted to Yellow by two visits on day 2, c5
    by hand."""
    tenants = MemoryTenants()
    s = tenants("t1")
    program = Program(enabled=True, categories=[KARATE])
    for n in range(6):
        client_id = f"c{n}"
        await rank_changes.client_arrived(s.cards, client_id, f"e-{client_id}", T0)
        await rank_changes.change_by_hand(
            s.members, s.cards, s.roster, program, KARATE, client_id,
            ChangeKind.ASSIGNMENT, rank_id="w", actor_id="staff", note=None, now=T0,
        )  # fmt: skip
    for client_id in ("c0", "c1"):
        for v in range(2):
            at = T0 + timedelta(days=2, hours=v)
            visit = VisitRead(visit_id=f"{client_id}-{v}", client_id=client_id, attended_at=at)
            await rank_changes.record_visit(s.members, s.cards, s.roster, program, visit, at, UTC)
    await rank_changes.change_by_hand(
        s.members, s.cards, s.roster, program, KARATE, "c5",
        ChangeKind.PROMOTION, rank_id=None, actor_id="staff", note=None, now=T0,
    )  # fmt: skip
    visit = VisitRead(visit_id="c2-0", client_id="c2", attended_at=T0 + timedelta(days=1))
    await rank_changes.record_visit(s.members, s.cards, s.roster, program, visit, T0, UTC)
    return tenants, program


async def report(
    tenants: MemoryTenants,
    *,
    rank_id: str | None = None,
    eligible_only: bool = False,
    since: datetime | None = None,
    after: str | None = None,
    size: int = 50,
) -> ReportPage:
    s = tenants("t1")
    return await rank_report(
        s.roster, s.shown, KARATE, rank_id=rank_id, eligible_only=eligible_only,
        auto_promoted_since=since, after=after, size=size,
    )  # fmt: skip


def ids(page: ReportPage) -> list[str]:
    return [line.row.client_id for line in page.lines]


async def test_R9_who_holds_which_rank_with_counts() -> None:
    tenants, _ = await studio()
    every = await report(tenants)
    assert (ids(every), every.total, every.has_next) == ([f"c{n}" for n in range(6)], 6, False)
    yellow = await report(tenants, rank_id="y")
    assert (ids(yellow), yellow.total) == (["c0", "c1", "c5"], 3)
    assert (await report(tenants, rank_id="no-such-rank")).total == 0


async def test_R9_the_members_add_visits_in_rank_and_the_last_change() -> None:
    tenants, _ = await studio()
    lines = {line.row.client_id: line for line in (await report(tenants)).lines}
    assert lines["c2"].holding is not None and lines["c2"].holding.visits_in_rank == 1
    assert lines["c3"].holding is not None and lines["c3"].holding.visits_in_rank == 0
    last = lines["c0"].last_change
    assert last is not None and (last.kind, last.to_rank_id) == (ChangeKind.PROMOTION, "y")


async def test_R9_promoted_automatically_since_a_date() -> None:
    tenants, _ = await studio()
    page = await report(tenants, since=T0 + timedelta(days=1))
    # c5 was promoted by hand: not an automatic promotion.
    assert (ids(page), page.total) == (["c0", "c1"], 2)
    assert (await report(tenants, since=T0 + timedelta(days=3))).total == 0


async def test_R9_pages_follow_the_cursor_and_count_every_row() -> None:
    tenants, _ = await studio()
    first = await report(tenants, size=4)
    assert (ids(first), first.total, first.has_next) == (["c0", "c1", "c2", "c3"], 6, True)
    second = await report(tenants, size=4, after="c3")
    assert (ids(second), second.total, second.has_next) == (["c4", "c5"], 6, False)
    assert ids(await report(tenants, rank_id="y", after="c0", size=1)) == ["c1"]


async def test_R9_eligible_only_and_erased_clients_leave_the_report() -> None:
    tenants, program = await studio()
    judo = Category(
        "k", "Karate", auto_promote=False, ranks=(WHITE, YELLOW), notify_on_eligibility=True
    )
    s = tenants("t1")
    announced = Program(enabled=True, categories=[judo])
    for v in range(2):
        at = T0 + timedelta(days=3, hours=v)
        visit = VisitRead(visit_id=f"c3-{v}", client_id="c3", attended_at=at)
        await rank_changes.record_visit(s.members, s.cards, s.roster, announced, visit, at, UTC)
    page = await report(tenants, eligible_only=True)
    assert (ids(page), page.total) == (["c3"], 1)
    await rank_changes.forget(s.members, s.cards, s.roster, program, "c3", "erased-c3")
    assert (await report(tenants, eligible_only=True)).total == 0
    assert "c3" not in ids(await report(tenants))
