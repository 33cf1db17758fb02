"""Live updates of the facts crm applies: the studio's "today" counters as facts arrive
(K2) and the outcome of one recorded fact (K7), from the reports the crm consumer sends
on `crm.events` (`crm.facts_settled.v1`, `plumbing.fact_reports`) as this API process's
feed reads them (`plumbing.live`)."""

from __future__ import annotations

import asyncio
from collections import OrderedDict
from collections.abc import AsyncGenerator
from datetime import datetime
from enum import StrEnum
from typing import Any

import strawberry
from plumbing import topics
from plumbing.auth import STAFF, Role
from plumbing.envelope import Envelope
from plumbing.fact_reports import APPLIED, PARKED, FactReports
from plumbing.gql import context_of, require
from plumbing.live_graph import LiveUpdateKind, updates
from strawberry.types import Info

from crm.events import FactsSettled, SettledFact, catalog
from crm.graphql.summary import CrmSummary, summary_of

FACTS_FEED = "crm-facts"
FACTS_SETTLED = "crm.facts_settled.v1"
FACT_REPORTS = FactReports(
    event_type=FACTS_SETTLED,
    topic=topics.CRM,
    source="crm",
    about=lambda kind: kind.startswith("ingest."),
)


# Every subscriber of a studio reads the same report: it is parsed once per process, and
# the counters it announces are read once per branch (`_today_after`).
_PARSED: OrderedDict[str, list[SettledFact]] = OrderedDict()
SHARED = 1_000  # the reports (and reads) kept for the subscribers still behind
TODAY_READS = "crm-today-reads"  # `Runtime.extras`: the shared reads of the counters


def settled_in(envelope: Envelope) -> list[SettledFact]:
    if envelope.type != FACTS_SETTLED:
        return []
    facts = _PARSED.get(envelope.id)
    if facts is None:
        facts = list(FactsSettled.model_validate(envelope.data).facts)
        _PARSED[envelope.id] = facts
        if len(_PARSED) > SHARED:
            _PARSED.popitem(last=False)
    return facts


async def _today_after(info: Info[Any, Any], branch: str | None, cursor: str) -> CrmSummary:
    """The studio's today as it is after the report at `cursor`: read by the first of its
    subscribers in this process, shared with the others (a thousand open dashboards of
    one studio cost one read per report, not a thousand)."""
    ctx = context_of(info)
    extras = ctx.request.app.state.runtime.extras
    reads: OrderedDict[tuple[str, str | None, str], asyncio.Future[CrmSummary]]
    reads = extras.setdefault(TODAY_READS, OrderedDict())
    key = (ctx.tenant, branch, cursor)
    read = reads.get(key)
    if read is None:
        read = asyncio.ensure_future(summary_of(info, None, "DAY", branch))
        reads[key] = read
        if len(reads) > SHARED:
            reads.popitem(last=False)
    # Shielded: a subscriber that leaves must not cancel the read the others wait for.
    return await asyncio.shield(read)


def fact_keys(envelope: Envelope) -> list[str]:
    """A report is for its studio's counters (`tenant`) and for each fact it names
    (`tenant:event id`)."""
    facts = settled_in(envelope)
    if not facts:
        return []
    return [envelope.tenant, *(f"{envelope.tenant}:{fact.event_id}" for fact in facts)]


@strawberry.enum(description="What the crm consumer did with a fact.")
class FactStatus(StrEnum):
    APPLIED = "APPLIED"
    WAITING = "WAITING"  # for a prerequisite (its session, booking, sale or client card)
    PARKED = "PARKED"  # refused for good: `code` and `reason` say why


@strawberry.type(description="K7: the outcome of one fact a partner or the studio recorded.")
class FactOutcome:
    event_id: strawberry.ID
    type: str = strawberry.field(description="The fact's type (ingest.visit_recorded.v1…).")
    status: FactStatus
    code: str | None = strawberry.field(
        description="WAITING: what it waits for (UNKNOWN_SESSION…); PARKED: why it was "
        "parked (INVALID_DATA, PREREQUISITE_MISSING…)."
    )
    reason: str | None
    at: datetime = strawberry.field(description="When the consumer settled it.")


@strawberry.type(
    description="One live update of a recorded fact: STARTED first, then its outcome "
    "(WAITING may come before APPLIED or PARKED; the subscription ends after either). "
    "REFETCH: the outcome is out of reach of this subscription."
)
class FactOutcomeUpdate:
    kind: LiveUpdateKind
    cursor: str
    outcome: FactOutcome | None = None


@strawberry.type(
    description="K2: the studio's today as facts are applied. STARTED (or REFETCH) with "
    "the counters as they are, then one CHANGE each time the consumer has applied facts "
    "of the studio. Keep `cursor` and pass it as `after` when reconnecting."
)
class CrmTodayUpdate:
    kind: LiveUpdateKind
    cursor: str
    summary: CrmSummary = strawberry.field(description="The studio's today, read after the facts.")
    facts_applied: int = strawberry.field(description="CHANGE: how many facts it follows.")
    last_fact_applied_at: datetime | None = strawberry.field(
        description="When the last fact counted was applied (null on STARTED): a dashboard "
        "is up to date as of this time."
    )


def _outcome(fact: SettledFact) -> FactOutcome:
    return FactOutcome(
        event_id=strawberry.ID(fact.event_id),
        type=fact.type,
        status=FactStatus(fact.outcome),
        code=fact.code,
        reason=fact.reason,
        at=fact.settled_at,
    )


def _family_scope(kind: str) -> str | None:
    if not catalog.knows(kind):
        return None
    return "ingest:" + catalog.topic_of(kind).split(".", 1)[1]


@strawberry.type
class FactsSubscription:
    @strawberry.subscription(
        description="K2: the studio's today (its counters, `CrmSummary`) each time facts "
        "are applied, with the time of the last one (staff)."
    )
    async def crm_today(
        self, info: Info[Any, Any], branch_id: strawberry.ID | None = None, after: str | None = None
    ) -> AsyncGenerator[CrmTodayUpdate, None]:
        ctx = require(info, *STAFF)
        branch = str(branch_id) if branch_id is not None else None

        def any_applied(envelope: Envelope) -> bool:
            return any(fact.outcome == APPLIED for fact in settled_in(envelope))

        async for update in updates(ctx, FACTS_FEED, ctx.tenant, after, any_applied):
            summary = await _today_after(info, branch, update.cursor)
            if update.event is None:
                yield CrmTodayUpdate(
                    kind=update.kind,
                    cursor=update.cursor,
                    summary=summary,
                    facts_applied=0,
                    last_fact_applied_at=None,
                )
                continue
            applied = [f for f in settled_in(update.event.envelope) if f.outcome == APPLIED]
            yield CrmTodayUpdate(
                kind=update.kind,
                cursor=update.cursor,
                summary=summary,
                facts_applied=len(applied),
                last_fact_applied_at=max(f.settled_at for f in applied),
            )

    @strawberry.subscription(
        description="K7: what became of a fact, by the `eventId` a `record*` mutation "
        "answered (or the id of a fact sent onto Kafka): APPLIED, WAITING for a "
        "prerequisite, or PARKED with a reason. An outcome settled shortly before the "
        "subscription opened is delivered too."
    )
    async def fact_outcome(
        self, info: Info[Any, Any], event_id: strawberry.ID, after: str | None = None
    ) -> AsyncGenerator[FactOutcomeUpdate, None]:
        ctx = require(info, *STAFF, Role.PARTNER)
        wanted = str(event_id)

        def mine(fact: SettledFact) -> bool:
            # A partner's key sees the outcome of the kinds of fact it may record.
            scope = _family_scope(fact.type)
            return fact.event_id == wanted and (
                ctx.principal.is_staff or (scope is not None and ctx.principal.allows(scope))
            )

        def about_it(envelope: Envelope) -> bool:
            return any(mine(fact) for fact in settled_in(envelope))

        key = f"{ctx.tenant}:{wanted}"
        async for update in updates(ctx, FACTS_FEED, key, after, about_it, from_window=True):
            if update.event is None:
                yield FactOutcomeUpdate(kind=update.kind, cursor=update.cursor)
                continue
            final = False
            for fact in settled_in(update.event.envelope):
                if mine(fact):
                    yield FactOutcomeUpdate(
                        kind=update.kind, cursor=update.cursor, outcome=_outcome(fact)
                    )
                    final = fact.outcome in (APPLIED, PARKED)
            if final:
                return
