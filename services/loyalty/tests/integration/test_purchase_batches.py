"""The bulk purchase path against the real FerretDB: the same ledger as one purchase at a
time, replays and refunds handed back, and another writer never overwritten. Sealed
ledger pages: a long history keeps the state small, the whole ledger reads back in order
on every path, an old invoice can still be refunded, an erasure scrubs the notes of
the sealed pages too, and a writer that loses its race leaves no page behind."""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from loyalty.adapters.accounts import ACCOUNTS, PAGE, PAGES, Accounts
from loyalty.adapters.automations import Automations
from loyalty.adapters.chain import Chain, Conflict
from loyalty.adapters.ledger_documents import PACKED, unpacked
from loyalty.domain.earning import Line, Payment
from loyalty.domain.ledger import Entry
from loyalty.service_layer import points, purchases
from loyalty.service_layer.batches import PurchaseBatches
from plumbing.mongo import Doc
from plumbing.outbox import HINTS, READY, batch_groups
from plumbing.testing import scratch_database
from pymongo.asynchronous.database import AsyncDatabase

T0 = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)


@pytest.fixture
async def db() -> AsyncIterator[AsyncDatabase[Doc]]:
    async with scratch_database("loyalty_batches") as scratch:
        yield scratch


async def program_on(db: AsyncDatabase[Doc], tenant: str) -> None:
    """The points program on, and the cards of c1, c2 and c3 known (as their
    `clients.client_created` leaves them): a purchase before its card waits for it."""
    await points.update_program(
        db,
        tenant,
        T0 - timedelta(days=1),
        lambda p: dataclasses.replace(p, enabled=True, earn_percent=Decimal("5")),
    )
    for client in ("c1", "c2", "c3"):
        await points.remember_client(db, tenant, client, {"known": True})


def purchase(
    client: str, invoice: str, amount: str = "20.00", minutes: int = 0
) -> purchases.Purchase:
    at = T0 + timedelta(minutes=minutes)
    return purchases.Purchase(
        invoice=invoice,
        client_id=client,
        branch_id="b1",
        occurred_at=at,
        recorded_at=at,
        lines=[Line("SERVICE", "s1", "Class", Decimal(amount), 1)],
        payments=[Payment("CASH", Decimal(amount))],
    )


async def ledger(db: AsyncDatabase[Doc], tenant: str, client: str) -> list[tuple[str, int, int]]:
    account = (await Accounts(db, tenant).load(client)).account
    return [(e.invoice_number or "", e.points, e.balance_after) for e in account.entries]


async def test_a_batch_writes_the_ledger_one_purchase_at_a_time_would(
    db: AsyncDatabase[Doc],
) -> None:
    sales = [
        purchase("c1", "I-1"),
        purchase("c2", "I-2", "10.00", 1),
        purchase("c1", "I-3", "40.00", 2),
        purchase("c3", "I-4", minutes=3),
        purchase("c3", "I-4", minutes=3),  # the same sale twice: c3 goes one at a time
    ]
    for tenant in ("bulk", "single"):
        await program_on(db, tenant)
    left = await PurchaseBatches(db).apply([("bulk", p) for p in sales])
    assert left == {3, 4}
    for position in sorted(left):
        await purchases.purchase_recorded(db, "bulk", sales[position])
    for p in sales:
        await purchases.purchase_recorded(db, "single", p)
    for client in ("c1", "c2", "c3"):
        assert await ledger(db, "bulk", client) == await ledger(db, "single", client)
    assert await ledger(db, "bulk", "c1") == [("I-1", 100, 100), ("I-3", 200, 300)]
    assert await ledger(db, "bulk", "c3") == [("I-4", 100, 100)]
    # The bulk events wait in one ready batch: one per earning.
    [batch] = await db[HINTS].find({"groups": {"$exists": True}}).to_list()
    assert sum(len(g["entries"]) for g in batch_groups(batch)) == 3
    assert await db[HINTS].find_one({"_id": f"{batch['_id']}{READY}"}) is not None


async def test_known_invoices_and_accounts_written_by_others_are_handed_back(
    db: AsyncDatabase[Doc],
) -> None:
    await program_on(db, "t1")
    batches = PurchaseBatches(db)
    assert (
        await batches.apply([("t1", purchase("c1", "I-1")), ("t1", purchase("c2", "I-2"))]) == set()
    )
    # A refund that came first (it named no client), and a grant by the staff on c1.
    await purchases.purchase_refunded(db, "t1", "I-9", None, T0)
    await points.grant(
        db, "t1", client_id="c1", points=5, note="gift", expiry_days=None, actor_id="u", now=T0
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
        await purchases.purchase_recorded(db, "t1", run[position][1])
    assert await ledger(db, "t1", "c1") == [("I-1", 100, 100), ("", 5, 105), ("I-4", 100, 205)]
    assert await ledger(db, "t1", "c2") == [("I-2", 100, 100), ("I-5", 100, 200)]
    assert await ledger(db, "t1", "c3") == [("I-6", 100, 100)]
    # Replaying the whole run, in bulk then one by one, changes nothing.
    for position in await PurchaseBatches(db).apply(run):
        await purchases.purchase_recorded(db, "t1", run[position][1])
    assert len(await ledger(db, "t1", "c1")) == 3


async def test_the_first_purchase_of_a_referred_client_rewards_the_referrer(
    db: AsyncDatabase[Doc],
) -> None:
    await program_on(db, "t1")
    await Automations(db, "t1").add(
        {"id": "a1", "trigger": "REFERRAL_FIRST_PURCHASE", "points": 50, "expiry_days": 30}
    )
    await points.remember_client(db, "t1", "new", {"referred_by": "old", "known": True})
    run = [("t1", purchase("new", "I-1")), ("t1", purchase("new", "I-2", minutes=1))]
    assert await PurchaseBatches(db).apply(run) == set()
    assert await ledger(db, "t1", "old") == [("", 50, 50)]
    assert await PurchaseBatches(db).apply(run) == {0, 1}  # known invoices: a replay
    for _, p in run:
        await purchases.purchase_recorded(db, "t1", p)
    assert await ledger(db, "t1", "old") == [("", 50, 50)]


async def test_a_purchase_before_its_clients_card_is_handed_back_untouched(
    db: AsyncDatabase[Doc],
) -> None:
    await program_on(db, "t1")
    run = [
        ("t1", purchase("stranger", "I-1")),
        ("t1", purchase("c1", "I-2", minutes=1)),
        ("t1", purchase("stranger", "I-3", minutes=2)),
    ]
    assert await PurchaseBatches(db).apply(run) == {0, 2}
    assert await ledger(db, "t1", "stranger") == []
    assert not (await Accounts(db, "t1").load("stranger")).exists
    assert await ledger(db, "t1", "c1") == [("I-2", 100, 100)]
    # Not even its invoices were claimed: once its card is known, the bulk path takes them.
    await points.remember_client(db, "t1", "stranger", {"known": True})
    assert await PurchaseBatches(db).apply([run[0], run[2]]) == set()
    assert await ledger(db, "t1", "stranger") == [("I-1", 100, 100), ("I-3", 100, 200)]


@pytest.mark.parametrize(("head", "newest"), [(0, 0), (0, 1), (3, 3), (3, 4), (3, 37), (0, 64)])
async def test_the_newest_state_is_found_however_far_behind_the_head_is(
    db: AsyncDatabase[Doc], head: int, newest: int
) -> None:
    chain = Chain(db, "things", "t1")
    if newest:
        await chain.states.insert_many(
            [{"_id": chain.state_id("x", v), "n": v} for v in range(1, newest + 1)]
        )
    if head:
        await chain.advance("x", head, {})
    version, doc = await chain.latest("x")
    assert version == newest
    assert (doc or {}).get("n") == (newest or None)


# ---------------------------------------------------------------- sealed ledger pages
PURCHASES = 5 * PAGE + 7


async def state_of(db: AsyncDatabase[Doc], tenant: str, client: str) -> Doc:
    _, doc = await Chain(db, ACCOUNTS, tenant).latest(client)
    assert doc is not None
    # The ledger fields are written packed, and read as they were before packing.
    assert isinstance(doc[PACKED], str)
    assert "entries" not in doc
    return unpacked(doc)


def summary(entries: list[Entry]) -> list[tuple[str, int, int]]:
    return [(e.invoice_number or e.source_type, e.points, e.balance_after) for e in entries]


async def test_a_long_history_is_sealed_into_pages_and_reads_back_whole(
    db: AsyncDatabase[Doc],
) -> None:
    for tenant in ("bulk", "single"):
        await program_on(db, tenant)
    sales = [purchase("c1", f"I-{i}", minutes=i) for i in range(PURCHASES)]
    batches = PurchaseBatches(db)
    for start in range(0, PURCHASES, 20):  # runs of 20, as a consumer would apply them
        assert await batches.apply([("bulk", p) for p in sales[start : start + 20]]) == set()
    for p in sales:
        await purchases.purchase_recorded(db, "single", p)

    expected = [(f"I-{i}", 100, 100 * (i + 1)) for i in range(PURCHASES)]
    for tenant in ("bulk", "single"):
        accounts = Accounts(db, tenant)
        full = await accounts.load("c1")
        assert summary(full.account.entries) == expected
        light = await accounts.load("c1", history=False)
        assert light.account.balance == 100 * PURCHASES
        assert summary(await accounts.history(light)) == expected
        state = await state_of(db, tenant, "c1")
        # The state holds less than a page's worth; the rest is in sealed pages.
        assert len(state["entries"]) == PURCHASES % PAGE
        assert len(state["pages"]) * PAGE + len(state["entries"]) == PURCHASES
        assert len(state["pages"]) == PURCHASES // PAGE
        assert len(await db[PAGES].find({"tenant": tenant}).to_list()) == len(state["pages"])


async def pages_named(db: AsyncDatabase[Doc], tenant: str, client: str) -> list[str]:
    return [str(p) for p in (await state_of(db, tenant, client))["pages"]]


async def test_a_writer_that_loses_its_race_leaves_no_page_behind(db: AsyncDatabase[Doc]) -> None:
    await program_on(db, "t1")
    batches = PurchaseBatches(db)
    run = [
        ("t1", purchase(c, f"I-{c}-{i}", minutes=i)) for c in ("c1", "c2") for i in range(PAGE - 1)
    ]
    assert await batches.apply(run) == set()
    # Another writer moves both accounts; the batch (which remembers them as it wrote them)
    # and a single writer holding an older read each seal a page and lose.
    stale = await Accounts(db, "t1").load("c2")
    for client in ("c1", "c2"):
        await purchases.purchase_recorded(
            db, "t1", purchase(client, f"I-{client}-other", minutes=90)
        )
    assert await batches.apply([("t1", purchase("c1", "I-c1-late", minutes=91))]) == {0}
    stale.account.earn(
        entry_id="late",
        invoice="I-c2-late",
        points=100,
        point_value=Decimal("0.01"),
        at=T0 + timedelta(minutes=91),
        expires_at=None,
        branch_id="b1",
        source_name=None,
    )
    with pytest.raises(Conflict):
        await Accounts(db, "t1").save(stale, [])
    named = await pages_named(db, "t1", "c1") + await pages_named(db, "t1", "c2")
    assert len(named) == 2
    pages = await db[PAGES].find({"tenant": "t1"}).to_list()
    assert sorted(p["_id"] for p in pages) == sorted(named)


async def test_an_invoice_in_a_sealed_page_can_still_be_refunded(db: AsyncDatabase[Doc]) -> None:
    await program_on(db, "t1")
    for i in range(3 * PAGE):
        await purchases.purchase_recorded(db, "t1", purchase("c1", f"I-{i}", minutes=i))
    assert "I-0" not in {
        e.get("invoice_number") for e in (await state_of(db, "t1", "c1"))["entries"]
    }
    await purchases.purchase_refunded(db, "t1", "I-0", "c1", T0 + timedelta(days=1))
    loaded = await Accounts(db, "t1").load("c1")
    assert loaded.account.balance == 100 * (3 * PAGE - 1)
    refund = loaded.account.entries[-1]
    assert (refund.invoice_number, refund.points) == ("I-0", -100)
    # A second refund of the same invoice changes nothing.
    await purchases.purchase_refunded(db, "t1", "I-0", "c1", T0 + timedelta(days=1))
    assert (await Accounts(db, "t1").load("c1")).account.balance == loaded.account.balance


async def test_erasure_scrubs_the_notes_of_sealed_pages(db: AsyncDatabase[Doc]) -> None:
    await program_on(db, "t1")
    await points.remember_client(db, "t1", "c1", {"known": True})  # its card event
    for i in range(3 * PAGE):
        await points.grant(
            db,
            "t1",
            client_id="c1",
            points=1,
            note=f"private note {i}",
            expiry_days=None,
            actor_id="u",
            now=T0 + timedelta(minutes=i),
        )
    before = (await state_of(db, "t1", "c1"))["pages"]
    assert before
    await points.erase(db, "t1", "c1")
    loaded = await Accounts(db, "t1").load("c1")
    assert loaded.account.balance == 3 * PAGE
    assert len(loaded.account.entries) == 3 * PAGE
    assert all(e.note is None for e in loaded.account.entries)
    # The pages that held the notes are gone; what is left carries none.
    for page_id in before:
        assert await db[PAGES].find_one({"_id": page_id}) is None
    async for page in db[PAGES].find({"tenant": "t1"}):
        assert all("note" not in e for e in unpacked(page)["entries"])


async def test_an_erasure_that_keeps_losing_its_race_fails_so_that_it_is_retried(
    db: AsyncDatabase[Doc], monkeypatch: pytest.MonkeyPatch
) -> None:
    await program_on(db, "t1")
    await purchases.purchase_recorded(db, "t1", purchase("c1", "I-1"))

    async def always_second(self: Accounts, loaded: object, events: object) -> None:
        raise Conflict("c1")

    monkeypatch.setattr(Accounts, "save", always_second)
    with pytest.raises(RuntimeError, match="kept changing"):
        await points.erase(db, "t1", "c1")


async def test_the_expiry_job_keeps_the_sealed_history(db: AsyncDatabase[Doc]) -> None:
    await program_on(db, "t1")
    for i in range(PAGE + 3):
        await purchases.purchase_recorded(db, "t1", purchase("c1", f"I-{i}", minutes=i))
    # Every lot is due ten years on: the job settles them without reading the pages.
    expired = await points.expire(db, "t1", T0 + timedelta(days=3650))
    assert expired == 100 * (PAGE + 3)
    loaded = await Accounts(db, "t1").load("c1")
    assert loaded.account.balance == 0
    kinds = [e.source_type for e in loaded.account.entries]
    assert kinds == ["PURCHASE"] * (PAGE + 3) + ["EXPIRY"] * (PAGE + 3)
    state = await state_of(db, "t1", "c1")
    assert len(state["pages"]) == 2 * (PAGE + 3) // PAGE


async def test_states_and_pages_written_before_packing_read_and_grow_as_before(
    db: AsyncDatabase[Doc],
) -> None:
    await program_on(db, "t1")
    for i in range(PAGE + 2):
        await purchases.purchase_recorded(db, "t1", purchase("c1", f"I-{i}", minutes=i))
    # Rewrite the newest state and its page as they were stored before packing.
    chain = Chain(db, ACCOUNTS, "t1")
    version, doc = await chain.latest("c1")
    assert doc is not None
    await chain.states.replace_one({"_id": doc["_id"]}, {**unpacked(doc), PACKED: None})
    [page_id] = doc["pages"]
    page = await db[PAGES].find_one({"_id": page_id})
    assert page is not None
    await db[PAGES].replace_one({"_id": page_id}, {**unpacked(page), PACKED: None})

    loaded = await Accounts(db, "t1").load("c1")
    assert loaded.account.version == version
    assert summary(loaded.account.entries) == [
        (f"I-{i}", 100, 100 * (i + 1)) for i in range(PAGE + 2)
    ]
    assert await PurchaseBatches(db).apply([("t1", purchase("c1", "I-new", minutes=99))]) == set()
    assert await PurchaseBatches(db).apply([("t1", purchase("c1", "I-0", minutes=99))]) == {0}
    state = await state_of(db, "t1", "c1")
    assert state["balance"] == 100 * (PAGE + 3)
    assert [e["invoice_number"] for e in state["entries"]] == ["I-16", "I-17", "I-new"]
