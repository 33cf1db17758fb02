"""What a consumer's event handlers raise, and what they are built with.

A handler applies one event (`Handler`); a service may give a hot event type a batch
handler as well (`BatchHandler`, see `plumbing.consumer`). A handler refuses what can
never be applied (`Rejected`: parked at once) and puts aside what arrives before its
prerequisite (`Pending`: waits, `plumbing.waiting`). A replay must have no second
effect: an insert keyed by the event, or a state update guarded by the event id
(`once`).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Hashable, Iterable, Mapping
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from plumbing import dlq
from plumbing.envelope import Envelope
from plumbing.mongo import Doc

# The event ids a document has seen (`once`), the last SEEN_KEEP of them.
SEEN_FIELD = "_events"
SEEN_KEEP = 64

Handler = Callable[[Envelope], Awaitable[None]]
# Applies what it can of a run of events of one type; returns those it left.
BatchHandler = Callable[[list[Envelope]], Awaitable[list[Envelope]]]


class Rejected(Exception):
    """The event can never be applied (invalid data): park it on the DLQ at once."""

    def __init__(self, reason: str, code: str = dlq.INVALID_DATA) -> None:
        super().__init__(reason)
        self.reason = reason
        self.code = code


class Pending(Exception):
    """The event needs something that has not arrived yet (its session, its booking, the
    client's card): it waits and is tried again (`plumbing.waiting`). Raise it before
    writing anything. `code` names what is missing (`UNKNOWN_SESSION`…)."""

    def __init__(self, reason: str, code: str) -> None:
        super().__init__(f"{code}: {reason}")
        self.reason = reason
        self.code = code


T = TypeVar("T")


def newest_per_key(items: Iterable[tuple[Hashable, Envelope, T]]) -> list[tuple[Envelope, T]]:
    """Of a run's events about the same thing (`key`), the newest by event time (the
    later in the run on a tie): for read models where the newest wins anyway, a run
    then costs one write per thing, not one per event."""
    newest: dict[Hashable, tuple[Envelope, T]] = {}
    for key, envelope, value in items:
        if key not in newest or newest[key][0].time <= envelope.time:
            newest[key] = (envelope, value)
    return list(newest.values())


M = TypeVar("M", bound=BaseModel)


def newest_per_client(
    model: type[M],
    apply: Callable[[Envelope, M], Awaitable[None]],
    *,
    wanted: Callable[[M], bool] = lambda _: True,
) -> BatchHandler:
    """A batch handler for a read model that keeps only each client's newest value: of a
    run, each `(tenant, client_id)`'s newest event (`newest_per_key`) is applied. Events
    whose data is not a `model` are left to the one-at-a-time path (which parks them
    with their reason); those not `wanted` change nothing."""

    async def handle(events: list[Envelope]) -> list[Envelope]:
        readable: list[tuple[Hashable, Envelope, M]] = []
        left: list[Envelope] = []
        for event in events:
            try:
                data = model.model_validate(event.data)
            except ValidationError:
                left.append(event)
                continue
            if wanted(data):
                readable.append(((event.tenant, getattr(data, "client_id", None)), event, data))
        await asyncio.gather(*(apply(e, d) for e, d in newest_per_key(readable)))
        return left

    return handle


def once(event_id: str) -> tuple[Doc, Doc]:
    """Filter and update fragments that apply a state update at most once per event.

    The filter matches only documents that have not seen the event; the update records
    it, in the same single-document write as the effect. The list keeps the last
    `SEEN_KEEP` ids: replays arrive close to the original on the same partition.
    """
    return (
        {SEEN_FIELD: {"$ne": event_id}},
        {"$push": {SEEN_FIELD: {"$each": [event_id], "$slice": -SEEN_KEEP}}},
    )


def merge(*updates: Mapping[str, Any]) -> Doc:
    """Merge MongoDB update documents operator by operator."""
    merged: Doc = {}
    for update in updates:
        for op, fields in update.items():
            merged.setdefault(op, {}).update(fields)
    return merged
