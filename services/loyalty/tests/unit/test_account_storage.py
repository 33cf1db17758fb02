"""How an account is kept, on the storage port in memory: sealed ledger pages, the
client's facts in the account's state (C: card known, referrer; erasure), and the bulk
path's `save_many` (L2 in bulk: each account saved or lost on its own, a loser leaving
no page behind). Milliseconds, no stack."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from loyalty.adapters.accounts import ACCOUNTS, AccountLedgers
from loyalty.adapters.ledger_pages import PAGE, MemoryPages
from loyalty.domain.earning import Line, Payment, Program
from loyalty.domain.ledger import LoyaltyError
from loyalty.service_layer.account_changes import change_account, known_account
from loyalty.service_layer.points import anonymised, granting, remembering
from loyalty.service_layer.purchases import Purchase, earning
from plumbing.storage import Change, MemoryStorage, change

T0 = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)
PROGRAM = Program(enabled=True, earn_percent=Decimal("5"), expiry_days=365)


def sale(client: str, invoice: str, minutes: int = 0) -> Purchase:
    at = T0 + timedelta(minutes=minutes)
    return Purchase(
        invoice=invoice,
        client_id=client,
        branch_id="b1",
        occurred_at=at,
        recorded_at=at,
        lines=[Line("SERVICE", "s", "Class", Decimal("20.00"))],
        payments=[Payment("CASH", Decimal("20.00"))],
    )


@pytest.fixture
def pages() -> MemoryPages:
    return MemoryPages("t1")


@pytest.fixture
def storage() -> MemoryStorage:
    return MemoryStorage()


def ledgers(storage: MemoryStorage, pages: MemoryPages, *, history: bool = True) -> AccountLedgers:
    return AccountLedgers(storage.repository(ACCOUNTS, "t1"), pages, history=history)


async def test_L4_a_long_ledger_is_sealed_into_pages_and_reads_back_whole(
    storage: MemoryStorage, pages: MemoryPages
) -> None:
    accounts = ledgers(storage, pages)
    count = 2 * PAGE + 3
    for i in range(count):
        await change_account(accounts, "c1", earning(PROGRAM, sale("c1", f"I-{i}", i)), "EUR")
    stored = (await storage.repository(ACCOUNTS, "t1").load("c1")).state
    assert stored is not None
    assert (len(stored.pages), len(stored.account.entries)) == (2, 3)  # the state stays small
    assert len(pages.pages) == 2
    full = (await accounts.load("c1")).state
    assert full is not None
    assert [e.invoice_number for e in full.account.entries] == [f"I-{i}" for i in range(count)]
    light = (await ledgers(storage, pages, history=False).load("c1")).state
    assert light is not None and light.account.balance == 100 * count
    assert len(await accounts.ledger(light)) == count


async def test_erasure_rewrites_the_pages_without_notes_and_forgets_the_profile(
    storage: MemoryStorage, pages: MemoryPages
) -> None:
    accounts = ledgers(storage, pages)
    await change(accounts, "c1", remembering("c1", {"known": True, "birth_date": "1990-01-01"}))
    for i in range(PAGE + 1):
        grant = granting(
            PROGRAM, points=1, note=f"note {i}", expiry_days=None, actor_id="u", now=T0
        )
        await change_account(accounts, "c1", grant, "EUR")
    before = set(pages.pages)
    await change(accounts, "c1", anonymised("c1"))
    state = (await accounts.load("c1")).state
    assert state is not None and state.erased and state.profile == {}
    assert state.account.balance == PAGE + 1
    assert all(e.note is None for e in state.account.entries)
    assert before.isdisjoint(pages.pages) and len(pages.pages) == 1
    # An erased client's facts are not kept again, and a second erasure writes nothing.
    assert not (await change(accounts, "c1", remembering("c1", {"known": True}))).saved
    assert not (await change(accounts, "c1", anonymised("c1"))).saved


async def test_the_clients_facts_live_in_its_account(
    storage: MemoryStorage, pages: MemoryPages
) -> None:
    accounts = ledgers(storage, pages)
    with pytest.raises(LoyaltyError, match="no client"):
        await known_account(accounts, "nobody")
    first = await change(accounts, "c1", remembering("c1", {"known": True, "referred_by": "c9"}))
    assert first.saved
    replay = await change(accounts, "c1", remembering("c1", {"known": True, "referred_by": "c9"}))
    assert not replay.saved  # a replayed card event writes nothing
    await change_account(accounts, "c1", earning(PROGRAM, sale("c1", "I-1")), "EUR")
    state = await known_account(accounts, "c1")
    assert state.profile == {"known": True, "referred_by": "c9"}
    assert state.account.first_invoice == "I-1"
    # An erased client is refused by what staff do to points.
    await change(accounts, "gone", anonymised("gone"))
    grant = granting(PROGRAM, points=5, note="gift", expiry_days=None, actor_id="u", now=T0)
    with pytest.raises(LoyaltyError, match="no client"):
        await change_account(accounts, "gone", grant, "EUR", must_exist=True)


async def test_L2_in_bulk_each_account_is_saved_or_lost_and_a_loser_leaves_no_page(
    storage: MemoryStorage, pages: MemoryPages
) -> None:
    accounts = ledgers(storage, pages, history=False)
    for client in ("a", "b"):
        await change(accounts, client, remembering(client, {"known": True}))
    held = {c: await accounts.load(c) for c in ("a", "b")}
    stale_b = held["b"]
    # Another writer moves b first.
    await change_account(accounts, "b", earning(PROGRAM, sale("b", "I-other")), "EUR")
    changes: list[Change] = []
    for client, loaded in held.items():
        assert loaded.state is not None
        for i in range(PAGE):  # enough to seal a page
            earning(PROGRAM, sale(client, f"I-{client}-{i}", i))(loaded.state)
        changes.append((loaded, loaded.state, []))
    many = await accounts.save_many(changes)
    assert (sorted(many.saved), many.lost) == (["a"], {"b"})
    assert len(pages.pages) == 1  # a's sealed page; b's was dropped
    # What the bulk path holds after saving is what it saves from next, without a read.
    a = many.saved["a"]
    assert a.state is not None and a.state.account.new_keys == []
    earning(PROGRAM, sale("a", "I-a-next", 99))(a.state)
    again = await accounts.save_many([(a, a.state, [])])
    assert again.lost == set() and again.saved["a"].version == a.version + 1
    b = (await ledgers(storage, pages).load("b")).state
    assert b is not None and [e.invoice_number for e in b.account.entries] == ["I-other"]
    assert stale_b.version < (await accounts.load("b")).version
