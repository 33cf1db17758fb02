"""Load, decide, save with events, retry on conflict: the one retry loop of the platform.

A use case hands `change` a repository, a key and a pure `decide` function. `decide`
sees the aggregate as loaded and answers with one of:

- `Save(state, result, events)`: write this state and these events together;
- `Keep(result)`: nothing to write (a replay, nothing due);
- `Refuse(result)`: the rules say no; nothing is written.

A domain error raised by `decide` goes straight to the caller (no retry: it was decided
on a fresh read). If another writer saved first, `change` loads again and asks `decide`
again, a bounded number of times, pausing a random, growing moment in between so that
writers that collided do not collide again.

    def decide(current: Loaded[Account]) -> Decision[Account, list[Entry]]:
        account = current.state or Account.new(client_id)
        entries = account.grant(points)          # may raise LoyaltyError
        if not entries:
            return Keep(entries)
        return Save(account, entries, events=[...])

    done = await change(accounts, client_id, decide)
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Generic, TypeAlias, TypeVar

from prometheus_client import Counter

from plumbing.storage.port import Conflict, Loaded, Outgoing, Repository

S = TypeVar("S")
R = TypeVar("R")

# Enough for a handful of writers on one aggregate: each round one of them wins, and the
# pauses below spread the others out (measured with 4 writers in 2 processes on the local
# FerretDB, see docs/storage.md).
ATTEMPTS = 20
PAUSE_FIRST = 0.002  # seconds, doubled per attempt, each pause drawn at random below it
PAUSE_MOST = 0.25

STORAGE_CONFLICTS = Counter(
    "storage_conflicts_total",
    "Saves that lost to another writer and were decided again",
    ["aggregate"],
)


@dataclass(frozen=True, slots=True)
class Save(Generic[S, R]):
    """Write `state` (None forgets it) with `events`; `change` answers `result`."""

    state: S | None
    result: R
    events: Sequence[Outgoing] = ()


@dataclass(frozen=True, slots=True)
class Keep(Generic[R]):
    """Nothing to write; `change` answers `result`."""

    result: R


@dataclass(frozen=True, slots=True)
class Refuse(Generic[R]):
    """The rules refuse; nothing is written and `change` answers `result` (the problems)."""

    result: R


Decision: TypeAlias = Save[S, R] | Keep[R] | Refuse[R]


@dataclass(frozen=True, slots=True)
class Done(Generic[S, R]):
    """What `change` did: the decision's `result`, the aggregate as it stands after
    (`current`: as saved, or as loaded when nothing was written)."""

    result: R
    current: Loaded[S]
    saved: bool
    refused: bool = False
    attempts: int = 1


class TooManyConflicts(RuntimeError):
    """Other writers kept saving first: the aggregate is too busy right now."""


async def change(
    repo: Repository[S],
    key: str,
    decide: Callable[[Loaded[S]], Decision[S, R]],
    *,
    attempts: int = ATTEMPTS,
) -> Done[S, R]:
    """Load `key`, let `decide` choose, save what it chose with the version it loaded;
    on Conflict start again from a fresh load (at most `attempts` times)."""
    for attempt in range(1, attempts + 1):
        current = await repo.load(key)
        decision = decide(current)
        if isinstance(decision, Keep):
            return Done(decision.result, current, saved=False, attempts=attempt)
        if isinstance(decision, Refuse):
            return Done(decision.result, current, saved=False, refused=True, attempts=attempt)
        try:
            saved = await repo.save(current, decision.state, decision.events)
        except Conflict:
            STORAGE_CONFLICTS.labels(repo.name).inc()
            if attempt < attempts:
                await asyncio.sleep(pause(attempt))
            continue
        return Done(decision.result, saved, saved=True, attempts=attempt)
    raise TooManyConflicts(f"{repo.name} {key!r} kept changing during {attempts} attempts")


def pause(attempt: int) -> float:
    """Full jitter: uniform below an exponentially growing bound. Writers that collided
    draw different pauses, so the next round mostly has one writer at a time."""
    bound = min(PAUSE_MOST, PAUSE_FIRST * 2**attempt)
    return random.uniform(0, bound)  # noqa: S311  (spreading retries, not secrets)
