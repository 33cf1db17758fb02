"""What every implementation promises of a read model's runs, claims and deletions
(the rest of the read-model contract is in `test_contract.py`)."""

from __future__ import annotations

import asyncio

import pytest
from plumbing.event_handlers import SEEN_KEEP
from plumbing.storage import Delta, Storage
from plumbing.testing import unique_tenant


async def test_a_run_is_applied_once_and_each_of_its_events_is_remembered(
    storage: Storage,
) -> None:
    views = storage.read_model("views", unique_tenant())
    assert await views.apply_once("day", "e0", Delta(inc={"n": 1}))
    run = [f"r{i}" for i in range(SEEN_KEEP + 6)]  # longer than the ids a document keeps
    assert await views.apply_run("day", run, Delta(inc={"n": len(run)}, set={"last": "r"}))
    assert not await views.apply_run("day", run, Delta(inc={"n": len(run)}))  # the run again
    assert not await views.apply_run("day", ["new", run[0]], Delta(inc={"n": 2}))
    for event_id in (run[0], run[-1]):  # any one of them, alone
        assert not await views.apply_once("day", event_id, Delta(inc={"n": 1}))
    assert await views.get("day") == {"n": 1 + len(run), "last": "r"}
    with pytest.raises(ValueError):
        await views.apply_run("day", [], Delta(inc={"n": 1}))


async def test_the_first_event_to_claim_a_key_owns_it(storage: Storage) -> None:
    facts = storage.read_model("claims", unique_tenant())
    assert await facts.claim("sale:1", "e1", {"total": 10})
    assert await facts.claim("sale:1", "e1", {"total": 10})  # its own replay
    assert not await facts.claim("sale:1", "e2", {"total": 99})  # the same fact again
    assert await facts.get("sale:1") == {"total": 10, "event_id": "e1"}
    # A claimed document is a read model like any other: later events change it once.
    assert await facts.apply_once("sale:1", "e3", Delta(set={"status": "REFUNDED"}))
    assert (await facts.get("sale:1") or {}).get("status") == "REFUNDED"


async def test_many_claims_go_in_one_write_and_existing_keys_are_left_alone(
    storage: Storage,
) -> None:
    marks = storage.read_model("claims", unique_tenant())
    assert await marks.claim("m2", "e0", {})
    existed = await marks.claim_new({"m1": ("e1", {"p": 1}), "m2": ("e2", {}), "m3": ("e3", {})})
    assert existed == {"m2"}
    found = await marks.get_many(["m1", "m2", "m3"])
    assert {key: doc["event_id"] for key, doc in found.items()} == {
        "m1": "e1",
        "m2": "e0",
        "m3": "e3",
    }
    assert await marks.claim_new({}) == set()


async def test_concurrent_claims_of_one_key_have_one_owner(storage: Storage) -> None:
    marks = storage.read_model("claims", unique_tenant())
    owners = await asyncio.gather(*(marks.claim("once", f"e{i}", {}) for i in range(8)))
    assert sum(owners) == 1


async def test_a_deleted_document_is_gone_and_starts_afresh(storage: Storage) -> None:
    tenant = unique_tenant()
    views, others = (
        storage.read_model("views", tenant),
        storage.read_model("views", unique_tenant()),
    )
    await views.apply_once("c1", "e1", Delta(inc={"n": 1}))
    await others.apply_once("c1", "e1", Delta(inc={"n": 1}))
    await views.delete("c1")
    await views.delete("c1")  # twice is harmless
    assert await views.get("c1") is None
    assert await others.get("c1") == {"n": 1}  # another studio's, untouched
    assert await views.apply_once("c1", "e2", Delta(inc={"n": 5}))
    assert await views.get("c1") == {"n": 5}
