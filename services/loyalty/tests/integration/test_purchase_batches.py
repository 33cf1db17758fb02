"""The bulk purchase path against the real FerretDB: the same ledger as one purchase at a
time, replays and refunds handed back, a purchase before its card handed back untouched,
and another writer never overwritten."""

from __future__ import annotations

import dataclasses
from datetime import timedelta

import pytest
from loyalty.adapters.tenant_storage import LoyaltyStores
from loyalty.domain.entries import LoyaltyError
from loyalty.service_layer import points, purchases
from loyalty.service_layer.automation_edits import create_automation
from loyalty.service_layer.batches import PurchaseBatches
from loyalty.testing_sales import T0, ledger, program_on, purchase
from plumbing.outbox import HINTS, READY, batch_groups


async def test_a_batch_writes_the_ledger_one_purchase_at_a_time_would(
    stores: LoyaltyStores,
) -> None:
    sales = [
        purchase("c1", "I-1"),
        purchase("c2", "I-2", "10.00", 1),
        purchase("c1", "I-3", "40.00", 2),
        purchase("c3", "I-4", minutes=3),
        purchase("c3", "I-4", minutes=3),  # the same sale twice: c3 goes one at a time
    ]
    for tenant in ("bulk", "single"):
        await program_on(stores, tenant)
    left = await PurchaseBatches(stores).apply([("bulk", p) for p in sales])
    assert left == {3, 4}
    for position in sorted(left):
        await purchases.purchase_recorded(stores.tenant("bulk"), sales[position])
    for p in sales:
        await purchases.purchase_recorded(stores.tenant("single"), p)
    for client in ("c1", "c2", "c3"):
        assert await ledger(stores, "bulk", client) == await ledger(stores, "single", client)
    assert await ledger(stores, "bulk", "c1") == [("I-1", 100, 100), ("I-3", 200, 300)]
    assert await ledger(stores, "bulk", "c3") == [("I-4", 100, 100)]
    # The bulk events wait in one ready batch: one per earning.
    [batch] = await stores.db[HINTS].find({"groups": {"$exists": True}}).to_list()
    assert sum(len(g["entries"]) for g in batch_groups(batch)) == 3
    assert await stores.db[HINTS].find_one({"_id": f"{batch['_id']}{READY}"}) is not None


async def test_known_invoices_and_accounts_written_by_others_are_handed_back(
    stores: LoyaltyStores,
) -> None:
    await program_on(stores, "t1")
    batches = PurchaseBatches(stores)
    assert (
        await batches.apply([("t1", purchase("c1", "I-1")), ("t1", purchase("c2", "I-2"))]) == set()
    )
    # A refund that came first (it named no client), and a grant by the staff on c1.
    await purchases.purchase_refunded(stores.tenant("t1"), "I-9", None, T0)
    await points.grant(
        stores.tenant("t1"),
        client_id="c1",
        points=5,
        note="gift",
        expiry_days=None,
        actor_id="u",
        now=T0,
    )
    run = [
        ("t1", purchase("c1", "I-4", minutes=5)),  # c1 changed since this process wrote it
        ("t1", purchase("c2", "I-9", minutes=5)),  # refunded before it arrived
        ("t1", purchase("c2", "I-5", minutes=6)),  # same client: goes along, in order
        ("t1", purchase("c3", "I-6", minutes=6)),
    ]
    left = await batches.apply(run)
    assert left == {0, 1, 2}
    for position in sorted(left):
        await purchases.purchase_recorded(stores.tenant("t1"), run[position][1])
    assert await ledger(stores, "t1", "c1") == [("I-1", 100, 100), ("", 5, 105), ("I-4", 100, 205)]
    assert await ledger(stores, "t1", "c2") == [("I-2", 100, 100), ("I-5", 100, 200)]
    assert await ledger(stores, "t1", "c3") == [("I-6", 100, 100)]
    # Replaying the whole run, in bulk then one by one, changes nothing.
    for position in await PurchaseBatches(stores).apply(run):
        await purchases.purchase_recorded(stores.tenant("t1"), run[position][1])
    assert len(await ledger(stores, "t1", "c1")) == 3


async def test_the_first_purchase_of_a_referred_client_rewards_the_referrer(
    stores: LoyaltyStores,
) -> None:
    await program_on(stores, "t1")
    referral = {"trigger": "REFERRAL_FIRST_PURCHASE", "points": 50, "expiry_days": 30}
    made = await create_automation(stores.tenant("t1").automations, referral, by="o", now=T0)
    assert made.refusal is None
    await points.remember_client(stores.tenant("t1"), "new", {"referred_by": "old", "known": True})
    run = [("t1", purchase("new", "I-1")), ("t1", purchase("new", "I-2", minutes=1))]
    assert await PurchaseBatches(stores).apply(run) == set()
    assert await ledger(stores, "t1", "old") == [("", 50, 50)]
    assert await PurchaseBatches(stores).apply(run) == {0, 1}  # known invoices: a replay
    for _, p in run:
        await purchases.purchase_recorded(stores.tenant("t1"), p)
    assert await ledger(stores, "t1", "old") == [("", 50, 50)]


async def test_a_purchase_before_its_clients_card_is_handed_back_untouched(
    stores: LoyaltyStores,
) -> None:
    await program_on(stores, "t1")
    run = [
        ("t1", purchase("stranger", "I-1")),
        ("t1", purchase("c1", "I-2", minutes=1)),
        ("t1", purchase("stranger", "I-3", minutes=2)),
    ]
    assert await PurchaseBatches(stores).apply(run) == {0, 2}
    assert await ledger(stores, "t1", "stranger") == []
    assert (await stores.tenant("t1").accounts().load("stranger")).state is None
    assert await ledger(stores, "t1", "c1") == [("I-2", 100, 100)]
    # Not even its invoices were claimed: once its card is known, the bulk path takes them.
    await points.remember_client(stores.tenant("t1"), "stranger", {"known": True})
    assert await PurchaseBatches(stores).apply([run[0], run[2]]) == set()
    assert await ledger(stores, "t1", "stranger") == [("I-1", 100, 100), ("I-3", 100, 200)]


async def test_another_sale_under_a_used_invoice_number_is_a_fact_conflict(
    stores: LoyaltyStores,
) -> None:
    """Point 7: the first report of an invoice decides; the same number with other
    content is refused with FACT_CONFLICT naming the first event, on both paths, and
    writes nothing; the same content again stays a harmless replay."""
    await program_on(stores, "t1")
    first = dataclasses.replace(purchase("c1", "F-7"), event_id="ev-1")
    assert await PurchaseBatches(stores).apply([("t1", first)]) == set()
    other = dataclasses.replace(purchase("c1", "F-7", "90.00"), event_id="ev-2")
    # The bulk path hands the used number back; one at a time it is refused.
    assert await PurchaseBatches(stores).apply([("t1", other)]) == {0}
    with pytest.raises(LoyaltyError) as refused:
        await purchases.purchase_recorded(stores.tenant("t1"), other)
    assert refused.value.code == "FACT_CONFLICT"
    assert "'F-7'" in refused.value.message and "ev-1" in refused.value.message
    another_client = dataclasses.replace(purchase("c2", "F-7"), event_id="ev-3")
    with pytest.raises(LoyaltyError):
        await purchases.purchase_recorded(stores.tenant("t1"), another_client)
    # `20.0` is `20.00`, and when it was published is not content: a replay.
    again = dataclasses.replace(
        purchase("c1", "F-7", "20.0"), event_id="ev-4", recorded_at=T0 + timedelta(hours=1)
    )
    await purchases.purchase_recorded(stores.tenant("t1"), again)
    assert await ledger(stores, "t1", "c1") == [("F-7", 100, 100)]
    assert await ledger(stores, "t1", "c2") == []
    # A refund that came first keeps the content of the first sale reported after it.
    await purchases.purchase_refunded(stores.tenant("t1"), "F-8", None, T0)
    await purchases.purchase_recorded(stores.tenant("t1"), purchase("c2", "F-8"))
    with pytest.raises(LoyaltyError):
        await purchases.purchase_recorded(stores.tenant("t1"), purchase("c2", "F-8", "5.00"))
