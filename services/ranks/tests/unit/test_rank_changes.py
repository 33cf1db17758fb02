"""Use cases of ranks on the in-memory storage (`plumbing.storage.MemoryStorage`): the
rules that touch storage, by feature id, in milliseconds."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from plumbing.envelope import Envelope
from plumbing.storage import MemoryStorage, Repository
from ranks.adapters.members import CARDS, MEMBERS
from ranks.adapters.programs import PROGRAM_STUDIOS, PROGRAMS
from ranks.adapters.roster import MemoryRoster
from ranks.domain.categories import Category, Criteria, RankDef, RankRefused
from ranks.domain.member import Member
from ranks.domain.model import ChangeKind, Trigger
from ranks.domain.program import Program
from ranks.events import VisitRead
from ranks.service_layer import programs, rank_changes
from ranks.service_layer.programs import CategoryChanges, RankChanges, current_program
from ranks.service_layer.seniority import seniority_due

T0 = datetime(2026, 3, 1, 10, 0, tzinfo=UTC)
ZONE = ZoneInfo("UTC")
WHITE = RankDef("w", "White")
YELLOW = RankDef("y", "Yellow", Criteria(min_visits=3))
ORANGE = RankDef("o", "Orange", Criteria(min_days_in_rank=30))
KARATE = Category("k", "Karate", auto_promote=True, ranks=(WHITE, YELLOW, ORANGE))
# Without auto-promotion: eligibility is announced to the owner and the client.
JUDO = Category(
    "j",
    "Judo",
    auto_promote=False,
    notify_on_eligibility=True,
    notify_roles=("OWNER",),
    notify_client=True,
    ranks=(WHITE, YELLOW, ORANGE),
)


class World:
    def __init__(self, *categories: Category) -> None:
        self.storage = MemoryStorage()
        self.members: Repository[Member] = self.storage.repository(MEMBERS, "t1")
        self.cards = self.storage.read_model(CARDS, "t1")
        self.roster = MemoryRoster()
        self.program = Program(enabled=True, categories=list(categories or (KARATE,)))

    async def client(self, client_id: str = "ana", rank_id: str | None = "w") -> None:
        await rank_changes.client_arrived(self.cards, client_id, f"created-{client_id}", T0)
        if rank_id is not None:
            category = self.program.categories[0]
            await self.by_hand(client_id, ChangeKind.ASSIGNMENT, rank_id, category=category)

    async def by_hand(
        self,
        client_id: str,
        kind: ChangeKind,
        rank_id: str | None = None,
        *,
        category: Category | None = None,
        at: datetime = T0,
    ) -> rank_changes.ManualResult:
        return await rank_changes.change_by_hand(
            self.members,
            self.cards,
            self.roster,
            self.program,
            category or self.program.categories[0],
            client_id,
            kind,
            rank_id=rank_id,
            actor_id="staff-1",
            note="exam",
            now=at,
        )

    async def visit(self, key: str, hours: float, client_id: str = "ana") -> int:
        at = T0 + timedelta(hours=hours)
        visit = VisitRead(visit_id=key, client_id=client_id, attended_at=at)
        return await rank_changes.record_visit(
            self.members, self.cards, self.roster, self.program, visit, at, ZONE
        )

    async def member(self, client_id: str = "ana") -> Member:
        state = (await self.members.load(client_id)).state
        assert state is not None
        return state

    def events(self) -> list[Envelope]:
        return [Envelope.from_bytes(bytes(e["value"])) for e in self.storage.pending()]

    def types(self) -> list[str]:
        return [e.type for e in self.events()]


async def test_R4_a_visit_reported_twice_counts_once() -> None:
    world = World()
    await world.client()
    for key, hours in [("v1", 1), ("v2", 2), ("v1", 1), ("v2", 2)]:
        await world.visit(key, hours)
    assert (await world.member()).holdings["k"].visits == 2
    assert "ranks.client_promoted.v1" not in world.types()


async def test_R4_only_visits_since_entering_the_rank_count() -> None:
    world = World()
    await world.client()  # White since T0
    assert await world.visit("early", -1) == 0  # attended before the rank began
    await world.visit("v1", 1)
    assert (await world.member()).holdings["k"].visit_keys == ("v1",)


async def test_R4_a_visit_of_an_unknown_client_writes_nothing() -> None:
    world = World()
    with pytest.raises(rank_changes.UnknownClient):
        await world.visit("v1", 1, client_id="nobody")
    assert not (await world.members.load("nobody")).exists


async def test_R5_R6_automatic_promotion_on_the_third_visit_with_event_and_roster() -> None:
    world = World()
    await world.client()
    for n in range(3):
        await world.visit(f"v{n}", n + 1)
    member = await world.member()
    assert member.holdings["k"].rank_id == "y"
    last = member.history[-1]
    assert (last.kind, last.trigger, last.actor_id) == (
        ChangeKind.PROMOTION,
        Trigger.AUTOMATIC,
        None,
    )
    assert world.types().count("ranks.client_promoted.v1") == 1
    [row] = await world.roster.rows("k")
    assert (row.rank_id, row.auto_promoted_at) == ("y", T0 + timedelta(hours=3))


async def test_R5_two_concurrent_deciders_promote_once() -> None:
    world = World()
    await world.client()
    await world.visit("v1", 1)
    await world.visit("v2", 2)
    # Two replicas apply the deciding visit (a redelivery) at the same moment.
    await asyncio.gather(world.visit("v3", 3), world.visit("v3", 3))
    member = await world.member()
    promotions = [c for c in member.history if c.kind is ChangeKind.PROMOTION]
    assert len(promotions) == 1
    assert world.types().count("ranks.client_promoted.v1") == 1


async def test_R5_seniority_is_due_once_the_days_are_reached() -> None:
    world = World()
    await world.client("ana", rank_id="y")  # Yellow since T0; Orange asks for 30 days
    await world.client("ben", rank_id=None)
    await world.by_hand("ben", ChangeKind.ASSIGNMENT, "y", at=T0 + timedelta(days=10))
    await world.client("cid", rank_id="w")  # White: Yellow asks for visits, not days

    at29, at30, at40 = (T0 + timedelta(days=d) for d in (29, 30, 40))
    assert await seniority_due(world.roster, world.program, at29, ZONE) == []
    assert await seniority_due(world.roster, world.program, at30, ZONE) == ["ana"]
    assert await seniority_due(world.roster, world.program, at40, ZONE) == [
        "ana",
        "ben",
    ]


async def test_R5_seniority_promotes_once_even_when_run_twice_at_once() -> None:
    world = World()
    await world.client(rank_id="y")  # Yellow since T0; Orange asks for 30 days
    day30 = T0 + timedelta(days=30)
    due = await seniority_due(world.roster, world.program, day30, ZONE)
    assert due == ["ana"]
    done = await asyncio.gather(
        *(
            rank_changes.reevaluate(world.members, world.roster, world.program, "ana", day30, ZONE)
            for _ in range(2)
        )
    )
    assert sorted(done) == [False, True]
    member = await world.member()
    assert member.holdings["k"].rank_id == "o"
    assert [c.trigger for c in member.history].count(Trigger.AUTOMATIC) == 1
    assert await seniority_due(world.roster, world.program, day30, ZONE) == []


async def test_R6_eligibility_is_announced_once() -> None:
    world = World(JUDO)
    await world.client()
    for n in range(5):
        await world.visit(f"v{n}", n + 1)
    member = await world.member()
    assert member.holdings["j"].rank_id == "w"
    assert member.holdings["j"].announced_for == "y"
    [eligible] = [e for e in world.events() if e.type == "ranks.client_eligible.v1"]
    assert eligible.data["notify_roles"] == ["OWNER"]
    assert eligible.data["notify_client"] is True
    [row] = await world.roster.rows("j")
    assert row.eligible


async def test_R7_R8_assign_promote_demote_are_kept_in_the_history() -> None:
    world = World()
    await world.client()
    await world.by_hand("ana", ChangeKind.PROMOTION, at=T0 + timedelta(hours=1))
    done = await world.by_hand("ana", ChangeKind.DEMOTION, at=T0 + timedelta(hours=2))
    assert done.holding.rank_id == "w"
    history = (await world.member()).history
    assert [(c.kind, c.from_rank_id, c.to_rank_id) for c in history] == [
        (ChangeKind.ASSIGNMENT, None, "w"),
        (ChangeKind.PROMOTION, "w", "y"),
        (ChangeKind.DEMOTION, "y", "w"),
    ]
    assert all(c.actor_id == "staff-1" and c.note == "exam" for c in history)
    assert world.types() == [
        "ranks.rank_assigned.v1",
        "ranks.client_promoted.v1",
        "ranks.client_demoted.v1",
    ]
    [row] = await world.roster.rows("k")
    assert row.rank_id == "w"


async def test_R7_refusals_and_unknown_clients_write_nothing() -> None:
    world = World()
    await world.client()
    with pytest.raises(RankRefused):
        await world.by_hand("ana", ChangeKind.DEMOTION)  # LOWEST
    with pytest.raises(rank_changes.UnknownClient):
        await world.by_hand("nobody", ChangeKind.ASSIGNMENT, "w")
    assert len((await world.member()).history) == 1
    assert world.types() == ["ranks.rank_assigned.v1"]


async def test_R7_a_card_counts_once_and_a_client_without_rank_ignores_visits() -> None:
    world = World()
    await world.client(rank_id=None)
    replay = await rank_changes.client_arrived(world.cards, "ana", "created-ana", T0)
    assert replay is False
    assert await world.visit("v1", 1) == 0  # known, holds nothing: no member written
    assert not (await world.members.load("ana")).exists
    card = await world.cards.get("ana")
    assert card is not None and (card["card"], card["created_at"]) == (True, T0)
    await world.by_hand("ana", ChangeKind.ASSIGNMENT, "w")  # the first change creates it
    assert (await world.member()).holdings["k"].rank_id == "w"


async def test_R7_erasure_forgets_the_member_and_its_rows() -> None:
    world = World()
    await world.client()
    await rank_changes.forget(
        world.members, world.cards, world.roster, world.program, "ana", "erased-ana"
    )
    assert not (await world.members.load("ana")).exists
    assert await world.roster.rows("k") == []
    with pytest.raises(rank_changes.UnknownClient):
        await world.by_hand("ana", ChangeKind.ASSIGNMENT, "w")


async def test_R9_the_roster_follows_rank_changes_not_every_visit() -> None:
    world = World()
    await world.client()
    [before] = await world.roster.rows("k")
    await world.visit("v1", 1)
    [after] = await world.roster.rows("k")
    assert before == after


async def test_R2_R3_program_edits_and_ranks_held_stay_put() -> None:
    storage = MemoryStorage()
    repo = storage.repository(PROGRAMS, "t1")
    roster = MemoryRoster()
    await programs.set_program(repo, storage.repository(PROGRAM_STUDIOS, "*"), True, None)
    category = await programs.create_category(
        repo, CategoryChanges(name="Karate", auto_promote=True)
    )
    _, white = await programs.add_rank(repo, category.id, RankChanges(name="White"), None)
    _, yellow = await programs.add_rank(
        repo, category.id, RankChanges(name="Yellow", criteria=Criteria(min_visits=3)), None
    )
    program = await current_program(repo)
    assert [r.name for r in program.categories[0].ranks] == ["White", "Yellow"]
    # A client holds White: Yellow may not move under it, nor White go.
    members = storage.repository(MEMBERS, "t1")
    cards = storage.read_model(CARDS, "t1")
    await rank_changes.client_arrived(cards, "ana", "created-ana", T0)
    await rank_changes.change_by_hand(
        members,
        cards,
        roster,
        program,
        program.categories[0],
        "ana",
        ChangeKind.ASSIGNMENT,
        rank_id=white.id,
        actor_id="s",
        note=None,
        now=T0,
    )
    with pytest.raises(RankRefused):
        await programs.remove(repo, roster, white.id)
    await programs.remove(repo, roster, yellow.id)
    assert [r.name for r in (await current_program(repo)).categories[0].ranks] == ["White"]
    # Five saves: the refused removal wrote nothing.
    assert (await repo.load("program")).version == 5


async def test_R2_two_managers_editing_at_once_both_keep_their_change() -> None:
    storage = MemoryStorage()
    repo = storage.repository(PROGRAMS, "t1")
    await programs.set_program(repo, storage.repository(PROGRAM_STUDIOS, "*"), True, None)
    await asyncio.gather(
        programs.create_category(repo, CategoryChanges(name="Karate")),
        programs.create_category(repo, CategoryChanges(name="Judo")),
    )
    names = sorted(c.name for c in (await current_program(repo)).categories)
    assert names == ["Judo", "Karate"]
