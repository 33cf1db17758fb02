"""Use cases on what clients hold: their arrival and erasure, manual changes (ranks and
stripes), skills signed off, visits, seniority.

Each one is a `decide` on the client's member (`plumbing.storage.change` loads it, saves
the new state with its events in one write, and decides again on a concurrent change),
then brings the roster (the report's read model) up to date for what changed.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, tzinfo

from plumbing.card_arrival import awaited, pauses_for
from plumbing.contracts import EventData
from plumbing.ids import new_id
from plumbing.storage import (
    Decision,
    Delta,
    Keep,
    Loaded,
    Outgoing,
    ReadModel,
    Repository,
    Save,
    change,
    outgoing,
)

from ranks.adapters.roster import Roster, RosterRow
from ranks.domain.categories import Category, RankRefused
from ranks.domain.member import Member
from ranks.domain.model import (
    Change,
    ChangeKind,
    Holding,
    count_visit,
    manual_change,
    settle,
    sign_off,
    stripe_change,
)
from ranks.domain.program import Program
from ranks.events import VisitRead, catalog
from ranks.service_layer.rank_events import change_event, eligible_event

Members = Repository[Member]
# Makes a manual change of one holding (None: the client holds nothing there yet).
ChangeMaker = Callable[[Holding | None], tuple[Holding, Change]]


class UnknownClient(Exception):
    pass


def _member(current: Loaded[Member], client_id: str) -> Member:
    """The client's member; a client whose card arrived but who holds nothing yet starts
    with an empty one (callers checked the card before deciding)."""
    return current.state or Member(client_id=client_id)


def _outgoing(
    members: Members, member: Member, now: datetime, events: Sequence[EventData]
) -> list[Outgoing]:
    return [
        outgoing(catalog, e, tenant=members.tenant, subject=member.client_id, time=now)
        for e in events
    ]


async def _refresh_roster(roster: Roster, client_id: str, changed: dict[str, Holding]) -> None:
    for category_id, holding in changed.items():
        await roster.put(category_id, RosterRow.of(client_id, holding))


async def card_known(cards: ReadModel, client_id: str) -> bool:
    """The clients context announced this client and has not erased it."""
    doc = await cards.get(client_id)
    return bool(doc and doc.get("card") and not doc.get("erased"))


async def _card_arrived(members: Members, cards: ReadModel, client_id: str) -> None:
    """Staff acting on a client wait a little for a card created a moment ago
    (`plumbing.card_arrival`), then are refused: a rank for an id no card ever had would sit in
    the report with nobody behind it. The consumer does not wait here: a visit before its
    client's card waits in the consumer (`Pending`), which holds up no other message."""

    async def found() -> bool | None:
        if (await members.load(client_id)).exists or await card_known(cards, client_id):
            return True
        return None

    if await awaited(found, pauses_for(client_id)) is None:
        raise UnknownClient(client_id)


async def client_arrived(cards: ReadModel, client_id: str, event_id: str, at: datetime) -> bool:
    """The clients context announced a client (client_created). One read-model write (the
    member is created by its first change); a replay changes nothing."""
    delta = Delta(set={"card": True}, set_on_insert={"created_at": at})
    return await cards.apply_once(client_id, event_id, delta)


async def forget(
    members: Members,
    cards: ReadModel,
    roster: Roster,
    program: Program,
    client_id: str,
    event_id: str,
) -> None:
    """Erasure: the member and its roster rows go; the card is marked erased."""

    def decide(current: Loaded[Member]) -> Decision[Member, None]:
        return Keep(None) if current.state is None else Save(None, None)

    await cards.apply_once(client_id, event_id, Delta(set={"erased": True}))
    await change(members, client_id, decide)
    await roster.forget(client_id, [c.id for c in program.categories])


@dataclass
class ManualResult:
    holding: Holding
    change: Change
    member: Member


async def _by_hand(
    members: Members,
    cards: ReadModel,
    roster: Roster,
    program: Program,
    category: Category,
    client_id: str,
    now: datetime,
    make: ChangeMaker,
) -> ManualResult:
    category_id = category.id

    def decide(current: Loaded[Member]) -> Decision[Member, Change]:
        member = _member(current, client_id)
        holding, made = make(member.holdings.get(category_id))
        member.holdings[category_id] = holding
        member.history.append(made)
        event = change_event(program, category, client_id, made)
        return Save(member, made, _outgoing(members, member, now, [event]))

    await _card_arrived(members, cards, client_id)
    done = await change(members, client_id, decide)
    member = done.current.state
    assert member is not None
    holding = member.holdings[category_id]
    await _refresh_roster(roster, client_id, {category_id: holding})
    return ManualResult(holding, done.result, member)


async def change_by_hand(
    members: Members,
    cards: ReadModel,
    roster: Roster,
    program: Program,
    category: Category,
    client_id: str,
    kind: ChangeKind,
    *,
    rank_id: str | None,
    actor_id: str,
    note: str | None,
    now: datetime,
    since: datetime | None = None,
) -> ManualResult:
    """Assign, promote or demote (R7); `since` dates a first assignment in the past (R5).
    Raises RankRefused or UnknownClient."""

    def make(holding: Holding | None) -> tuple[Holding, Change]:
        return manual_change(
            category,
            holding,
            kind,
            rank_id=rank_id,
            actor_id=actor_id,
            note=note,
            now=now,
            change_id=new_id(),
            since=since,
        )

    return await _by_hand(members, cards, roster, program, category, client_id, now, make)


async def change_stripe_by_hand(
    members: Members,
    cards: ReadModel,
    roster: Roster,
    program: Program,
    category: Category,
    client_id: str,
    kind: ChangeKind,
    *,
    actor_id: str,
    note: str | None,
    now: datetime,
) -> ManualResult:
    """Award the next stripe or take the last one back. Raises RankRefused or
    UnknownClient."""

    def make(holding: Holding | None) -> tuple[Holding, Change]:
        return stripe_change(
            category, holding, kind, actor_id=actor_id, note=note, now=now, change_id=new_id()
        )

    return await _by_hand(members, cards, roster, program, category, client_id, now, make)


@dataclass
class _Settled:
    changed: dict[str, Holding]
    history: list[Change]
    events: list[EventData]


def _settle(
    program: Program,
    member: Member,
    holdings: dict[str, Holding],
    now: datetime,
    zone: tzinfo,
    since: datetime | None,
) -> _Settled:
    """What the rules make of these holdings now (R5-R6): promotions, announcements."""
    out = _Settled({}, [], [])
    for category_id, holding in holdings.items():
        category = program.category(category_id)
        if category is None:
            continue
        outcome = settle(category, holding, now, zone, new_id(), since=since)
        if outcome.holding != member.holdings.get(category_id):
            out.changed[category_id] = outcome.holding
        if outcome.change is not None:
            out.history.append(outcome.change)
            out.events.append(change_event(program, category, member.client_id, outcome.change))
        if outcome.eligible_for is not None:
            out.events.append(
                eligible_event(
                    program, category, member.client_id, holding, outcome.eligible_for, now, zone
                )
            )
    return out


def _settled_decision(
    members: Members, member: Member, settled: _Settled, now: datetime
) -> Decision[Member, dict[str, Holding]]:
    """Save what changed, or keep the member as it is when nothing did."""
    if not settled.changed:
        return Keep({})
    before = dict(member.holdings)
    member.holdings.update(settled.changed)
    member.history.extend(settled.history)
    # The roster shows the rank, stripes and announcements, not the visits counted.
    visible = {
        k: v
        for k, v in settled.changed.items()
        if (old := before.get(k)) is None
        or (old.rank_id, old.stripes, old.announced_for, old.announced_stripe)
        != (v.rank_id, v.stripes, v.announced_for, v.announced_stripe)
        or (old.since, old.auto_promoted_at, old.step_since)
        != (v.since, v.auto_promoted_at, v.step_since)
    }
    return Save(member, visible, _outgoing(members, member, now, settled.events))


async def sign_off_skill(
    members: Members,
    cards: ReadModel,
    roster: Roster,
    program: Program,
    category: Category,
    client_id: str,
    skill: str,
    now: datetime,
    zone: tzinfo,
) -> Member:
    """B1: staff confirm a skill of the next step (stripe or rank); the last missing one
    may complete the criteria, which then promotes or announces like a visit does."""

    def decide(current: Loaded[Member]) -> Decision[Member, dict[str, Holding]]:
        member = _member(current, client_id)
        signed = sign_off(category, member.holdings.get(category.id), skill)
        settled = _settle(program, member, {category.id: signed}, now, zone, since=now)
        return _settled_decision(members, member, settled, now)

    await _card_arrived(members, cards, client_id)
    done = await change(members, client_id, decide)
    await _refresh_roster(roster, client_id, done.result)
    member = done.current.state
    assert member is not None
    return member


async def record_visit(
    members: Members,
    cards: ReadModel,
    roster: Roster,
    program: Program,
    visit: VisitRead,
    now: datetime,
    zone: tzinfo,
) -> int:
    """Count a visit in every category the client holds a rank in (R4), then promote or
    announce (R5-R6). Returns how many categories changed. Raises UnknownClient before
    writing anything."""
    changed_count = 0

    def decide(current: Loaded[Member]) -> Decision[Member, dict[str, Holding]]:
        nonlocal changed_count
        member = current.state
        if member is None:
            raise UnknownClient(visit.client_id)  # or holds nothing yet: see below
        if not program.enabled:
            return Keep({})
        counted: dict[str, Holding] = {}
        for category_id, holding in member.holdings.items():
            category = program.category(category_id)
            if category is None or category.archived:
                continue
            try:
                counted[category_id] = count_visit(
                    category, holding, visit.key, visit.attended_at, visit.service_id
                )
            except RankRefused:
                continue
        settled = _settle(program, member, counted, now, zone, since=visit.attended_at)
        changed_count = len(settled.changed)
        return _settled_decision(members, member, settled, now)

    try:
        done = await change(members, visit.client_id, decide)
    except UnknownClient:
        if await card_known(cards, visit.client_id):
            return 0  # a client who holds no rank: nothing to count
        raise
    await _refresh_roster(roster, visit.client_id, done.result)
    return changed_count if done.saved else 0


async def reevaluate(
    members: Members, roster: Roster, program: Program, client_id: str, now: datetime, zone: tzinfo
) -> bool:
    """Seniority (R5): what time alone has earned. Idempotent; safe in several replicas
    (of two writers from one version exactly one saves; the other decides again and
    finds nothing left to do)."""

    def decide(current: Loaded[Member]) -> Decision[Member, dict[str, Holding]]:
        member = current.state
        if member is None:
            return Keep({})
        settled = _settle(program, member, dict(member.holdings), now, zone, since=None)
        return _settled_decision(members, member, settled, now)

    done = await change(members, client_id, decide)
    await _refresh_roster(roster, client_id, done.result)
    return done.saved
