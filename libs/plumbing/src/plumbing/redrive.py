"""Waiting facts tried again (`plumbing.waiting`), beside the partitions.

A pass comes at most every `REDRIVE_EVERY`, soon after an event of a studio with waiting
facts is applied (that may be what they wait for), and at least every `IDLE_PASS` (to
see what other replicas left waiting). Facts that wait for the same thing are tried
oldest first, one per pass, and a pass shares the process with the partitions in
slices of `REDRIVE_SLICE`.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Hashable
from datetime import UTC, datetime, timedelta

from plumbing.applying import APPLIED, DATABASE_DOWN, WAITING, Applier
from plumbing.logs import get_logger
from plumbing.metrics import EVENTS_WAITING
from plumbing.waiting import Entry, pause_after

# Waiting facts: at most one pass every REDRIVE_EVERY (a pass comes that soon after an
# event of the same studio is applied), and one at least every IDLE_PASS (to see what
# other replicas left waiting).
REDRIVE_EVERY = 0.5
IDLE_PASS = 5.0
# The longest a pass applies waiting facts before the partitions have their turn again.
REDRIVE_SLICE = 0.5

log = get_logger("plumbing.consumer")


class Redrive:
    """Tries one consumer group's waiting facts again, through its `Applier`."""

    def __init__(self, applier: Applier) -> None:
        self._applier = applier
        self._signals = applier.signals
        # Kin of a waiting fact that still waited at its last try: not tried before this.
        self._held: dict[Hashable, datetime] = {}

    async def run(self, stop: asyncio.Event) -> None:
        """Try waiting facts again until `stop`."""
        while not stop.is_set():
            started = time.monotonic()
            try:
                pause = await self.due(stop)
            except DATABASE_DOWN as exc:
                log.warning(
                    "consumer_waiting_for_database", consumer=self._applier.group, error=repr(exc)
                )
                pause = IDLE_PASS
            except Exception:
                log.exception("redrive_failed", consumer=self._applier.group)
                pause = IDLE_PASS
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(
                    stop.wait(), max(started + REDRIVE_EVERY - time.monotonic(), 0)
                )
            waking = asyncio.ensure_future(self._signals.wake.wait())
            stopping = asyncio.ensure_future(stop.wait())
            try:
                await asyncio.wait({waking, stopping}, timeout=pause, return_when="FIRST_COMPLETED")
            finally:
                waking.cancel()
                stopping.cancel()

    async def due(self, stop: asyncio.Event | None = None) -> float:
        """One pass: try each waiting fact that is due, or whose studio and subject had an
        event applied since the last pass, oldest first. Returns the seconds until the
        next one is due.

        Facts that wait for the same thing (a burst before one client's card, bookings of
        one session) are tried oldest first, one per pass: while the oldest still waits,
        the others are held until its next attempt, in memory (a hundred facts for a card
        that has not come cost one try, not a hundred, each a claim and an update)."""
        signals, waiting = self._signals, self._applier.waiting
        signals.wake.clear()
        nudged, signals.nudged = signals.nudged, set()
        studios = {tenant for tenant, _ in nudged}
        entries = await waiting.all()
        signals.tenants = {entry.tenant for entry in entries}
        EVENTS_WAITING.labels(self._applier.group).set(len(entries))
        now = datetime.now(UTC)
        kins = {_kin(entry) for entry in entries}
        self._held = {k: until for k, until in self._held.items() if until > now and k in kins}
        still_waiting: set[Hashable] = set()
        later: list[datetime] = []
        turns = Turns(self._applier.lock, REDRIVE_SLICE)
        try:
            for entry in entries:
                if stop is not None and stop.is_set():
                    break
                kin = _kin(entry)
                touched = (
                    (entry.tenant, None) in nudged
                    or (entry.tenant, entry.subject) in nudged
                    or (entry.subject is None and entry.tenant in studios)
                )
                due = max(entry.next_attempt, self._held.get(kin, entry.next_attempt))
                if kin in still_waiting or (due > now and not touched):
                    later.append(due)
                    continue
                # Tries share the process with the partitions, in slices: a busy consumer
                # still drains its waiting facts, and they never hold its partitions long.
                await turns.take()
                claimed = await waiting.claim(entry, datetime.now(UTC))
                if claimed is None:
                    continue  # another replica tries it, or did
                outcome = await self._applier.guarded(claimed.record(), redriven=claimed)
                if outcome == WAITING:
                    still_waiting.add(kin)
                    pause = timedelta(seconds=pause_after(claimed.attempts + 1))
                    self._held[kin] = datetime.now(UTC) + pause
                    continue
                self._held.pop(kin, None)
                if outcome == APPLIED:
                    self._applier.stats.redriven += 1
                await waiting.done(claimed)
        finally:
            turns.give_back()  # never left held: the partitions wait for it
        if not later:
            return IDLE_PASS
        return min(max((min(later) - datetime.now(UTC)).total_seconds(), 0.0), IDLE_PASS)


class Turns:
    """Holds a lock for turns of at most `seconds`: whoever waits for it (asyncio's locks
    are first come, first served) has it between two turns."""

    def __init__(self, lock: asyncio.Lock, seconds: float) -> None:
        self._lock = lock
        self._seconds = seconds
        self._since: float | None = None

    async def take(self) -> None:
        if self._since is not None and time.monotonic() - self._since > self._seconds:
            self.give_back()
        if self._since is None:
            await self._lock.acquire()
            self._since = time.monotonic()

    def give_back(self) -> None:
        if self._since is not None:
            self._lock.release()
            self._since = None


def _kin(entry: Entry) -> Hashable:
    """Waiting facts that wait for the same thing: the same studio, code and reason (the
    reason names what is missing: `unknown session 'S1'`, `unknown client 'c7'`)."""
    return (entry.tenant, entry.code, entry.reason)
