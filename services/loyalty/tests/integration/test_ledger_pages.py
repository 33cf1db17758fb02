"""Sealed ledger pages against the real FerretDB: a long history keeps the state small,
the whole ledger reads back in order on every path, an old invoice can still be
refunded, an erasure scrubs the notes of the sealed pages too, a writer that loses its
race leaves no page behind, and accounts as loyalty stored them before the storage port
load and grow."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from loyalty.adapters.accounts import ACCOUNTS, AccountLedgers
from loyalty.adapters.ledger_documents import PACKED, entry_doc, lot_doc, unpacked
from loyalty.adapters.ledger_pages import PAGE, PAGES
from loyalty.adapters.tenant_storage import LoyaltyStores
from loyalty.domain.ledger import Account, Entry
from loyalty.service_layer import points, purchases
from loyalty.service_layer.batches import PurchaseBatches
from loyalty.testing_sales import T0, program_on, purchase
from plumbing.mongo import Doc
from plumbing.packed import pack
from plumbing.storage import Conflict
from plumbing.storage.insert_chain import ChainRepository

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
