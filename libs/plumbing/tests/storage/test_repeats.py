"""An action sent with an idempotency key happens once on every implementation of the
storage port; a repeat answers the first result (`plumbing.repeats`)."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest
from plumbing import repeats
from plumbing.mongo import Doc
from plumbing.repeats import RepeatRefused, once, repeats_of
from plumbing.storage import MemoryStorage, Storage
from plumbing.testing import unique_tenant

from .conftest import needs_isolated_updates

START = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)


class Effect:
    """Counts what really happened; answers the running count as the result."""

    def __init__(self, *, record: bool = True, pause: float = 0.0) -> None:
        self.done = 0
        self.record = record
        self.pause = pause

    async def run(self) -> tuple[str, Doc | None]:
        await asyncio.sleep(self.pause)
        self.done += 1
        result = f"effect {self.done}"
        return result, ({"said": result} if self.record else None)

    async def replay(self, record: Doc) -> str:
        return f"again: {record['said']}"


class Clock:
    def __init__(self) -> None:
        self.at = START

    def __call__(self) -> datetime:
        return self.at


async def test_a_repeated_key_answers_the_first_result_and_acts_once(storage: Storage) -> None:
    repo, effect, clock = repeats_of(storage, unique_tenant("rep")), Effect(), Clock()
    first = await once(repo, "staff-1", "k-1", "promote", clock, effect.run, effect.replay)
    again = await once(repo, "staff-1", "k-1", "promote", clock, effect.run, effect.replay)
    assert (first, again, effect.done) == ("effect 1", "again: effect 1", 1)


async def test_keys_belong_to_one_actor_and_one_tenant(storage: Storage) -> None:
    effect, clock = Effect(), Clock()
    tenant = unique_tenant("rep")
    for where, actor in [(tenant, "staff-1"), (tenant, "staff-2"), (unique_tenant("o"), "staff-1")]:
        await once(
            repeats_of(storage, where), actor, "k", "promote", clock, effect.run, effect.replay
        )
    assert effect.done == 3


async def test_without_a_key_every_call_acts(storage: Storage) -> None:
    repo, effect, clock = repeats_of(storage, unique_tenant("rep")), Effect(), Clock()
    for _ in range(2):
        await once(repo, "staff-1", None, "promote", clock, effect.run, effect.replay)
    assert effect.done == 2


async def test_concurrent_repeats_wait_for_the_first_result(storage: Storage) -> None:
    needs_isolated_updates(storage)
    repo, effect, clock = repeats_of(storage, unique_tenant("rep")), Effect(pause=0.1), Clock()
    results = await asyncio.gather(
        *(once(repo, "staff-1", "k", "remind", clock, effect.run, effect.replay) for _ in range(4))
    )
    assert effect.done == 1
    assert sorted(results) == ["again: effect 1"] * 3 + ["effect 1"]


async def test_a_key_given_to_another_action_is_refused(storage: Storage) -> None:
    repo, effect, clock = repeats_of(storage, unique_tenant("rep")), Effect(), Clock()
    await once(repo, "staff-1", "k", "promote", clock, effect.run, effect.replay)
    with pytest.raises(RepeatRefused) as refused:
        await once(repo, "staff-1", "k", "demote", clock, effect.run, effect.replay)
    assert refused.value.reason == "BAD_IDEMPOTENCY_KEY"
    assert effect.done == 1


async def test_a_refusal_or_a_failure_frees_the_key(storage: Storage) -> None:
    repo, clock = repeats_of(storage, unique_tenant("rep")), Clock()
    refused = Effect(record=False)
    await once(repo, "staff-1", "k", "promote", clock, refused.run, refused.replay)
    await once(repo, "staff-1", "k", "promote", clock, refused.run, refused.replay)
    assert refused.done == 2

    async def broken() -> tuple[str, Doc | None]:
        raise RuntimeError("the database went away")

    with pytest.raises(RuntimeError):
        await once(repo, "staff-1", "k2", "promote", clock, broken, refused.replay)
    effect = Effect()
    assert await once(repo, "staff-1", "k2", "promote", clock, effect.run, effect.replay) == (
        "effect 1"
    )


async def test_a_claim_left_by_a_stopped_process_is_taken_over(storage: Storage) -> None:
    repo, clock = repeats_of(storage, unique_tenant("rep")), Clock()
    # A claim written by a process that then stopped (no release ran):
    await repo.save(
        await repo.load(repeats._aggregate_key("staff-1")),
        {"entries": [{"key": "k", "action": "promote", "at": START, "token": "gone"}]},
    )
    clock.at = START + repeats.STALE + timedelta(seconds=1)
    effect = Effect()
    assert await once(repo, "staff-1", "k", "promote", clock, effect.run, effect.replay) == (
        "effect 1"
    )


async def test_keys_are_kept_a_bounded_time_and_number(storage: Storage) -> None:
    repo, effect, clock = repeats_of(storage, unique_tenant("rep")), Effect(), Clock()
    await once(repo, "staff-1", "old", "promote", clock, effect.run, effect.replay)
    clock.at = START + repeats.RETENTION + timedelta(seconds=1)
    assert await once(repo, "staff-1", "old", "promote", clock, effect.run, effect.replay) == (
        "effect 2"
    )
    for n in range(repeats.KEEP + 5):
        await once(repo, "staff-1", f"k{n}", "grant", clock, effect.run, effect.replay)
    kept = (await repo.load(repeats._aggregate_key("staff-1"))).state or {}
    assert len(kept["entries"]) == repeats.KEEP
    assert kept["entries"][0]["key"] == "k5"


@pytest.mark.parametrize("key", ["", "a b", "x" * 256, "naïve", "line\nbreak"])
async def test_a_malformed_key_is_refused(key: str) -> None:
    effect = Effect()
    repo = repeats_of(MemoryStorage(), "t")
    with pytest.raises(RepeatRefused):
        await once(repo, "staff-1", key, "promote", Clock(), effect.run, effect.replay)
    assert effect.done == 0
