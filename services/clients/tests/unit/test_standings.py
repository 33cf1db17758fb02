"""C10's read model on the in-memory storage: the rank a card holds per category, the
newest change winning whatever order the events arrive in."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from clients.service_layer import standings
from plumbing.mongo import Doc
from plumbing.storage import Aggregates, DocCodec, MemoryStorage, Repository, Save, change

T0 = datetime(2026, 3, 1, 10, 0, tzinfo=UTC)


async def ranks_of(*client_ids: str) -> Repository[Doc]:
    ranks = MemoryStorage().repository(Aggregates("clients", DocCodec()), "t1")
    for client_id in client_ids:
        await change(ranks, client_id, lambda _: Save({}, None))
    return ranks


async def test_c10_the_newest_rank_per_category_wins() -> None:
    ranks = await ranks_of("c1")
    later = T0 + timedelta(minutes=5)
    assert await standings.record_rank(ranks, "c1", "belts", "blue", later)
    assert not await standings.record_rank(ranks, "c1", "belts", "white", T0)  # late, older
    assert not await standings.record_rank(ranks, "c1", "belts", "blue", later)  # a replay
    assert await standings.record_rank(ranks, "c1", "kata", "gold", T0)
    card = (await ranks.load("c1")).state
    assert card is not None
    assert card["rank_ids"] == ["blue", "gold"]
    assert card["ranks_held"]["belts"] == {"rank_id": "blue", "at": later}


async def test_c10_a_rank_for_an_unknown_or_erased_client_changes_nothing() -> None:
    ranks = await ranks_of("c1")
    assert not await standings.record_rank(ranks, "nobody", "belts", "blue", T0)
    await ranks.save(await ranks.load("c1"), None)  # erased (C12)
    assert not await standings.record_rank(ranks, "c1", "belts", "blue", T0)
    assert (await ranks.load("c1")).state is None
