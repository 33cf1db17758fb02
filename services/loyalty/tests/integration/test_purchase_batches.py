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
from loyalty.adapters.accounts import ACCOUNTS, AccountLedgers
from loyalty.adapters.ledger_documents import PACKED, entry_doc, lot_doc, unpacked
from loyalty.adapters.ledger_pages import PAGE, PAGES
from loyalty.adapters.programs import PROGRAM_VERSIONS
from loyalty.adapters.tenant_storage import LoyaltyStores
from loyalty.domain.earning import Line, Payment
from loyalty.domain.ledger import Account, Entry
from loyalty.service_layer import points, purchases
from loyalty.service_layer.batches import PurchaseBatches
from plumbing.mongo import Doc
from plumbing.outbox import HINTS, READY, batch_groups
from plumbing.packed import pack
from plumbing.storage import Conflict, Storage, open_storage
from plumbing.storage.chain import ChainRepository
from plumbing.testing import scratch_database

T0 = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)


@pytest.fixture
async def stores() -> AsyncIterator[LoyaltyStores]:
    async with scratch_database("loyalty_batches") as scratch:
        storage: Storage = await open_storage(scratch, [ACCOUNTS, PROGRAM_VERSIONS])
        yield LoyaltyStores(storage, scratch)


async def program_on(stores: LoyaltyStores, tenant: str) -> None:
    """The points program on, and the cards of c1, c2 and c3 known (as their
    `clients.client_created` leaves them): a purchase before its card waits for it."""
    await points.update_program(
        stores.tenant(tenant),
        T0 - timedelta(days=1),
        lambda p: dataclasses.replace(p, enabled=True, earn_percent=Decimal("5")),
    )
    for client in ("c1", "c2", "c3"):
        await points.remember_client(stores.tenant(tenant), client, {"known": True})


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


async def ledger(stores: LoyaltyStores, tenant: str, client: str) -> list[tuple[str, int, int]]:
    state = (await stores.tenant(tenant).accounts().load(client)).state
    entries = [] if state is None else state.account.entries
    return [(e.invoice_number or "", e.points, e.balance_after) for e in entries]


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
    await stores.tenant("t1").automations.add(
        {"id": "a1", "trigger": "REFERRAL_FIRST_PURCHASE", "points": 50, "expiry_days": 30}
    )
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


# ---------------------------------------------------------------- sealed ledger pages
PURCHASES = 5 * PAGE + 7


async def state_of(stores: LoyaltyStores, tenant: str, client: str) -> Doc:
    """The newest state document of the account, as stored on the local database."""
    chain = stores.storage.repository(ACCOUNTS, tenant)
    assert isinstance(chain, ChainRepository)
    version = (await chain.load(client)).version
    doc = await chain.states.find_one({"_id": chain.state_id(client, version)})
    assert doc is not None
    # The account is one packed field.
    assert isinstance(doc[PACKED], str)
    assert "entries" not in doc
    return unpacked(doc)


def accounts(stores: LoyaltyStores, tenant: str = "t1", *, history: bool = True) -> AccountLedgers:
    return stores.tenant(tenant).accounts(history=history)


def summary(entries: list[Entry]) -> list[tuple[str, int, int]]:
    return [(e.invoice_number or e.source_type, e.points, e.balance_after) for e in entries]


async def test_a_long_history_is_sealed_into_pages_and_reads_back_whole(
    stores: LoyaltyStores,
) -> None:
    for tenant in ("bulk", "single"):
        await program_on(stores, tenant)
    sales = [purchase("c1", f"I-{i}", minutes=i) for i in range(PURCHASES)]
    batches = PurchaseBatches(stores)
    for start in range(0, PURCHASES, 20):  # runs of 20, as a consumer would apply them
        assert await batches.apply([("bulk", p) for p in sales[start : start + 20]]) == set()
    for p in sales:
        await purchases.purchase_recorded(stores.tenant("single"), p)

    expected = [(f"I-{i}", 100, 100 * (i + 1)) for i in range(PURCHASES)]
    for tenant in ("bulk", "single"):
        full = (await accounts(stores, tenant).load("c1")).state
        assert full is not None and summary(full.account.entries) == expected
        light = (await accounts(stores, tenant, history=False).load("c1")).state
        assert light is not None and light.account.balance == 100 * PURCHASES
        assert summary(await accounts(stores, tenant).ledger(light)) == expected
        state = await state_of(stores, tenant, "c1")
        # The state holds less than a page's worth; the rest is in sealed pages.
        assert len(state["entries"]) == PURCHASES % PAGE
        assert len(state["pages"]) * PAGE + len(state["entries"]) == PURCHASES
        assert len(state["pages"]) == PURCHASES // PAGE
        pages = await stores.db[PAGES].find({"tenant": tenant}).to_list()
        assert len(pages) == len(state["pages"])


async def pages_named(stores: LoyaltyStores, tenant: str, client: str) -> list[str]:
    return [str(p) for p in (await state_of(stores, tenant, client))["pages"]]


async def test_a_writer_that_loses_its_race_leaves_no_page_behind(stores: LoyaltyStores) -> None:
    await program_on(stores, "t1")
    batches = PurchaseBatches(stores)
    run = [
        ("t1", purchase(c, f"I-{c}-{i}", minutes=i)) for c in ("c1", "c2") for i in range(PAGE - 1)
    ]
    assert await batches.apply(run) == set()
    # Another writer moves both accounts; the batch (which remembers them as it wrote them)
    # and a single writer holding an older read each seal a page and lose.
    stale = await accounts(stores).load("c2")
    for client in ("c1", "c2"):
        await purchases.purchase_recorded(
            stores.tenant("t1"), purchase(client, f"I-{client}-other", minutes=90)
        )
    assert await batches.apply([("t1", purchase("c1", "I-c1-late", minutes=91))]) == {0}
    assert stale.state is not None
    stale.state.account.earn(
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
        await accounts(stores).save(stale, stale.state)
    named = await pages_named(stores, "t1", "c1") + await pages_named(stores, "t1", "c2")
    assert len(named) == 2
    pages = await stores.db[PAGES].find({"tenant": "t1"}).to_list()
    assert sorted(p["_id"] for p in pages) == sorted(named)


async def test_an_invoice_in_a_sealed_page_can_still_be_refunded(stores: LoyaltyStores) -> None:
    await program_on(stores, "t1")
    one = stores.tenant("t1")
    for i in range(3 * PAGE):
        await purchases.purchase_recorded(one, purchase("c1", f"I-{i}", minutes=i))
    own = (await state_of(stores, "t1", "c1"))["entries"]
    assert "I-0" not in {e.get("invoice_number") for e in own}
    await purchases.purchase_refunded(one, "I-0", "c1", T0 + timedelta(days=1))
    loaded = (await accounts(stores).load("c1")).state
    assert loaded is not None and loaded.account.balance == 100 * (3 * PAGE - 1)
    refund = loaded.account.entries[-1]
    assert (refund.invoice_number, refund.points) == ("I-0", -100)
    # A second refund of the same invoice changes nothing.
    await purchases.purchase_refunded(one, "I-0", "c1", T0 + timedelta(days=1))
    again = (await accounts(stores).load("c1")).state
    assert again is not None and again.account.balance == loaded.account.balance


async def test_erasure_scrubs_the_notes_of_sealed_pages(stores: LoyaltyStores) -> None:
    await program_on(stores, "t1")
    one = stores.tenant("t1")
    for i in range(3 * PAGE):
        await points.grant(
            one,
            client_id="c1",
            points=1,
            note=f"private note {i}",
            expiry_days=None,
            actor_id="u",
            now=T0 + timedelta(minutes=i),
        )
    before = (await state_of(stores, "t1", "c1"))["pages"]
    assert before
    await points.erase(one, "c1")
    loaded = (await accounts(stores).load("c1")).state
    assert loaded is not None and loaded.erased and loaded.profile == {}
    assert loaded.account.balance == 3 * PAGE
    assert len(loaded.account.entries) == 3 * PAGE
    assert all(e.note is None for e in loaded.account.entries)
    # The pages that held the notes are gone; what is left carries none.
    for page_id in before:
        assert await stores.db[PAGES].find_one({"_id": page_id}) is None
    async for page in stores.db[PAGES].find({"tenant": "t1"}):
        assert all("note" not in e for e in unpacked(page)["entries"])


async def test_an_erasure_that_keeps_losing_its_race_fails_so_that_it_is_retried(
    stores: LoyaltyStores, monkeypatch: pytest.MonkeyPatch
) -> None:
    await program_on(stores, "t1")
    await purchases.purchase_recorded(stores.tenant("t1"), purchase("c1", "I-1"))

    async def always_second(self: AccountLedgers, *args: object) -> None:
        raise Conflict("c1")

    monkeypatch.setattr(AccountLedgers, "save", always_second)
    with pytest.raises(RuntimeError, match="kept changing"):
        await points.erase(stores.tenant("t1"), "c1")


async def test_the_expiry_job_keeps_the_sealed_history(stores: LoyaltyStores) -> None:
    await program_on(stores, "t1")
    for i in range(PAGE + 3):
        await purchases.purchase_recorded(stores.tenant("t1"), purchase("c1", f"I-{i}", minutes=i))
    # Every lot is due ten years on: the job settles them without reading the pages.
    expired = await points.expire(stores, "t1", T0 + timedelta(days=3650))
    assert expired == 100 * (PAGE + 3)
    loaded = (await accounts(stores).load("c1")).state
    assert loaded is not None and loaded.account.balance == 0
    kinds = [e.source_type for e in loaded.account.entries]
    assert kinds == ["PURCHASE"] * (PAGE + 3) + ["EXPIRY"] * (PAGE + 3)
    state = await state_of(stores, "t1", "c1")
    assert len(state["pages"]) == 2 * (PAGE + 3) // PAGE
    assert state["next_expiry"] is None
    assert await points.expire(stores, "t1", T0 + timedelta(days=3650)) == 0


async def test_accounts_as_loyalty_stored_them_before_the_port_load_and_grow(
    stores: LoyaltyStores,
) -> None:
    """loyalty's own chain kept the balance, pages, visits and first invoice beside the
    packed lots, entries and keys, and the client's profile on the head; its pages were
    sometimes unpacked. Such an account loads, takes purchases on both paths, and its
    profile still decides (the card is known, its referrer)."""
    await program_on(stores, "t1")
    db, tenant = stores.db, "t1"
    first = [purchase("old", f"I-{i}", minutes=i) for i in range(PAGE + 2)]
    one = stores.tenant(tenant)
    account = Account("old")
    for p in first:
        account.earn(
            entry_id=f"e-{p.invoice}",
            invoice=p.invoice,
            points=100,
            point_value=Decimal("0.01"),
            at=p.occurred_at,
            expires_at=p.occurred_at + timedelta(days=365),
            branch_id="b1",
            source_name="Class",
        )
    page_id = f"{tenant}:old~legacy"
    await db[PAGES].insert_one(
        {
            "_id": page_id,
            "tenant": tenant,
            "client_id": "old",
            "entries": [entry_doc(e) for e in account.entries[:PAGE]],  # before packing
        }
    )
    await db["accounts_states"].insert_one(
        {
            "_id": f"{tenant}:old#3",
            "tenant": tenant,
            "client_id": "old",
            "balance": account.balance,
            PACKED: pack(
                {
                    "lots": [lot_doc(lot) for lot in account.lots],
                    "entries": [entry_doc(e) for e in account.entries[PAGE:]],
                    "keys": sorted(account.keys),
                }
            ),
            "pages": [page_id],
            "visits": 0,
            "first_invoice": "I-0",
            "written_at": datetime.now(UTC),
            "_outbox": [],
        }
    )
    await db["accounts_heads"].insert_one(
        {
            "_id": f"{tenant}:old",
            "tenant": tenant,
            "local": "old",
            "v": 3,
            "profile": {"known": True, "referred_by": "c1"},
            "next_expiry": min(lot.expires_at for lot in account.lots if lot.expires_at),
        }
    )
    loaded = await accounts(stores).load("old")
    assert loaded.version == 3 and loaded.state is not None
    assert loaded.state.profile == {"known": True, "referred_by": "c1"}
    expected = [(f"I-{i}", 100, 100 * (i + 1)) for i in range(PAGE + 2)]
    assert summary(loaded.state.account.entries) == expected
    assert (
        await PurchaseBatches(stores).apply([(tenant, purchase("old", "I-new", minutes=99))])
        == set()
    )
    # An invoice its keys know earns nothing again (its invoice was never claimed here).
    assert (
        await PurchaseBatches(stores).apply([(tenant, purchase("old", "I-0", minutes=99))]) == set()
    )
    await purchases.purchase_recorded(one, purchase("old", "I-single", minutes=100))
    state = await state_of(stores, tenant, "old")
    assert state["balance"] == 100 * (PAGE + 4)
    assert state["profile"] == {"known": True, "referred_by": "c1"}
    assert [e["invoice_number"] for e in state["entries"]] == ["I-16", "I-17", "I-new", "I-single"]
