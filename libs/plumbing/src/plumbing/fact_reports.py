"""What a consumer tells about the facts it settles, for the graph's live updates.

A partner's fact is applied, waits for a prerequisite (`plumbing.waiting`) or is parked
(`plumbing.dlq`) in the consumer process; subscribers live in the API processes. So the
consumer reports what it did, on Kafka like every other change: the facts settled in the
last `FLUSH_SECONDS`, one event per studio (`FactReports.event_type`, e.g.
`crm.facts_settled.v1`) on the service's own topic. An API process's `LiveFeed` reads it
and hands it to the subscriptions of that studio (the day's counters, a fact's outcome).

A report is sent after the effect it reports and before the offset is committed: a crash
in between loses the report, not the effect (the fact comes again, is a duplicate and is
not reported twice). Subscribers are told to read again on reconnection when a report is
out of reach, so a lost report costs a late counter, never a wrong one.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Protocol

from plumbing.envelope import Envelope
from plumbing.logs import get_logger

log = get_logger("plumbing.fact_reports")

APPLIED = "APPLIED"
WAITING = "WAITING"
PARKED = "PARKED"
# How long reports gather before they are sent: one event per studio per burst.
FLUSH_SECONDS = 0.05
# The most facts one report names (a report stays a few tens of KB).
PER_REPORT = 200
REASON_CHARS = 300


class Publisher(Protocol):
    async def publish(self, topic: str, key: bytes, value: bytes) -> None: ...


@dataclass(frozen=True, slots=True)
class FactReports:
    """Which facts a service reports, as what event, on which topic."""

    event_type: str  # `<context>.facts_settled.v1`
    topic: str  # the service's own topic
    source: str  # the envelope's `source`
    about: Callable[[str], bool]  # the event types reported


class SettledFacts:
    """Gathers the outcomes of one consumer's facts and sends them as reports."""

    def __init__(self, reports: FactReports, publisher: Publisher) -> None:
        self.reports = reports
        self._publisher = publisher
        self._pending: dict[str, list[dict[str, Any]]] = {}
        self._wake = asyncio.Event()

    def note(
        self, envelope: Envelope, outcome: str, code: str | None = None, reason: str | None = None
    ) -> None:
        """One fact's outcome (APPLIED, WAITING, PARKED); facts of other types are not
        reported."""
        if not self.reports.about(envelope.type):
            return
        self._pending.setdefault(envelope.tenant, []).append(
            {
                "event_id": envelope.id,
                "type": envelope.type,
                "outcome": outcome,
                "code": code,
                "reason": reason[:REASON_CHARS] if reason else None,
                "settled_at": datetime.now(UTC).isoformat(),
            }
        )
        self._wake.set()

    def reports_of(self, tenant: str, facts: list[dict[str, Any]]) -> list[Envelope]:
        return [
            Envelope(
                type=self.reports.event_type,
                source=self.reports.source,
                tenant=tenant,
                data={"facts": facts[start : start + PER_REPORT]},
            )
            for start in range(0, len(facts), PER_REPORT)
        ]

    async def flush(self) -> None:
        """Send what was gathered; a report Kafka does not take is logged and dropped (the
        effects are done; subscribers read again when they reconnect)."""
        pending, self._pending = self._pending, {}
        for tenant, facts in pending.items():
            for report in self.reports_of(tenant, facts):
                try:
                    await self._publisher.publish(
                        self.reports.topic, report.key.encode(), report.to_bytes()
                    )
                except Exception as exc:
                    log.warning(
                        "fact_report_failed", tenant=tenant, facts=len(facts), error=repr(exc)
                    )

    async def run(self, stop: asyncio.Event) -> None:
        """Send reports as facts settle, until `stop` (then what is left)."""
        while not stop.is_set():
            stopping = asyncio.ensure_future(stop.wait())
            woken = asyncio.ensure_future(self._wake.wait())
            await asyncio.wait({stopping, woken}, return_when=asyncio.FIRST_COMPLETED)
            for waiter in (stopping, woken):
                waiter.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await waiter
            await asyncio.sleep(FLUSH_SECONDS)
            self._wake.clear()
            await self.flush()
        await self.flush()
