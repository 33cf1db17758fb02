"""What the clients consumer does with other contexts' events: the ranks and the points
balance each card keeps for C10's search (`service_layer.standings`)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping

from plumbing.app import Runtime
from plumbing.clock import as_utc
from plumbing.envelope import Envelope
from plumbing.event_handlers import BatchHandler, newest_per_client

from clients.adapters.standings import CardBalances, held_ranks
from clients.events import POINTS_EVENTS, RANK_EVENTS, PointsBalance, RankHeld
from clients.service_layer import standings


def _points(runtime: Runtime) -> Callable[[Envelope, PointsBalance], Awaitable[None]]:
    async def apply(envelope: Envelope, data: PointsBalance) -> None:
        await standings.record_points(
            CardBalances(runtime.db, envelope.tenant), envelope.id, data.client_id,
            data.balance_after, as_utc(envelope.time),
        )  # fmt: skip

    return apply


def handlers(runtime: Runtime) -> Mapping[str, Callable[[Envelope], Awaitable[None]]]:
    db = runtime.db
    apply_points = _points(runtime)

    async def rank(envelope: Envelope) -> None:
        data = RankHeld.model_validate(envelope.data)
        await standings.record_rank(
            held_ranks(db, envelope.tenant), data.client_id, data.category_id, data.rank_id,
            as_utc(envelope.time),
        )  # fmt: skip

    async def points(envelope: Envelope) -> None:
        await apply_points(envelope, PointsBalance.model_validate(envelope.data))

    return {**dict.fromkeys(RANK_EVENTS, rank), **dict.fromkeys(POINTS_EVENTS, points)}


def batch_handlers(runtime: Runtime) -> Mapping[str, BatchHandler]:
    """Of a run of points events (a burst of purchases), each client's newest only."""
    return dict.fromkeys(POINTS_EVENTS, newest_per_client(PointsBalance, _points(runtime)))
