"""Every reader of a partner fact applies the same bounds as its producer's model
(`plumbing.bounds`): crm's event models and the tolerant readers of loyalty, ranks and
notifications accept exactly the same facts, and refuse the others with the same code."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

from crm import events as crm
from hypothesis import given, settings
from hypothesis import strategies as st
from loyalty.entrypoints import consumer as loyalty
from notifications.events import AppFactRead
from plumbing import bounds
from pydantic import BaseModel, ValidationError
from ranks.events import VisitRead

NOW = datetime.now(UTC)
amounts = st.one_of(
    st.decimals(min_value=0, max_value=bounds.MAX_AMOUNT, places=2).map(str),
    st.sampled_from(
        ["99999999999.99", "1e20", "1e30", "1000000.01", "-0.01", "10.005", "NaN", "-Infinity"]
    ),
    st.sampled_from([1e20, 1e30, 12.5, float("nan"), float("inf")]),
)
times = st.one_of(
    st.timedeltas(min_value=timedelta(days=-800), max_value=timedelta(days=800)).map(
        lambda d: (NOW + d).isoformat()
    ),
    st.sampled_from(["2031-01-15T18:00:00+00:00", "2026-01-01T10:00:00", "2026-01-01T10:00:00Z"]),
)


def verdict(model: type[BaseModel], data: dict[str, Any]) -> str:
    # Through JSON, as a message on Kafka is read.
    try:
        model.model_validate(json.loads(json.dumps(data)))
    except ValidationError as exc:
        reason = bounds.refusal(exc)
        return reason.split(":", 1)[0] if reason else "INVALID"
    return "ACCEPTED"


@settings(max_examples=300, deadline=None)
@given(
    st.lists(amounts, min_size=1, max_size=3),
    st.lists(amounts, max_size=2),
    amounts,
    st.integers(1, 2 * bounds.MAX_QUANTITY),
    times,
)
def test_crm_and_loyalty_decide_the_same_on_every_sale(
    lines: list[Any], payments: list[Any], due: Any, quantity: int, at: str
) -> None:
    sale = {
        "invoice_number": "I-1",
        "client_id": "c1",
        "occurred_at": at,
        "lines": [
            {"category": "SERVICE", "item_id": "s", "name": "s", "quantity": quantity, "amount": a}
            for a in lines
        ],
        "payments": [{"method": "CASH", "amount": a} for a in payments],
        "amount_due": due,
    }
    assert verdict(crm.PurchaseRecorded, sale) == verdict(loyalty.PurchaseRead, sale)


@settings(max_examples=200, deadline=None)
@given(times)
def test_every_reader_decides_the_same_on_a_visit_a_refund_and_an_app_fact(at: str) -> None:
    visit = {"visit_id": "v1", "client_id": "c1", "attended_at": at}
    decided = {verdict(m, visit) for m in (crm.VisitRecorded, loyalty.VisitRead, VisitRead)}
    assert len(decided) == 1, decided
    refund = {"invoice_number": "I-1", "client_id": "c1", "occurred_at": at}
    assert verdict(crm.PurchaseRefunded, refund) == verdict(loyalty.RefundRead, refund)
    app = {"client_id": "c1", "platform": "IOS", "reason": "APP_UNINSTALLED", "occurred_at": at}
    for model in (crm.AppSessionStarted, crm.AppLoggedOut, crm.NotificationBounced):
        assert verdict(model, app) == verdict(AppFactRead, app)


def test_huge_amounts_and_future_or_naive_times_are_refused_by_every_reader_with_its_code() -> None:
    line = {"category": "SERVICE", "item_id": "s", "name": "s", "amount": "1.00"}
    sale: dict[str, Any] = {
        "invoice_number": "I-1",
        "client_id": "c1",
        "occurred_at": NOW.isoformat(),
        "lines": [line],
        "payments": [],
    }
    for amount in ("99999999999.99", 1e20, "1e30"):
        bad = {**sale, "lines": [{**line, "amount": amount}]}
        assert verdict(crm.PurchaseRecorded, bad) == "BAD_AMOUNT"
        assert verdict(loyalty.PurchaseRead, bad) == "BAD_AMOUNT"
    ahead = {**sale, "occurred_at": (NOW + timedelta(days=400)).isoformat()}
    assert verdict(crm.PurchaseRecorded, ahead) == verdict(loyalty.PurchaseRead, ahead)
    assert verdict(loyalty.PurchaseRead, ahead) == "FUTURE_TIME"
    visit = {"client_id": "c1", "attended_at": "2031-01-15T18:00:00+00:00"}
    assert verdict(VisitRead, visit) == verdict(crm.VisitRecorded, visit) == "FUTURE_TIME"
    naive = {"client_id": "c1", "attended_at": "2026-01-01T10:00:00"}
    assert verdict(VisitRead, naive) == verdict(loyalty.VisitRead, naive) == "NAIVE_TIME"
