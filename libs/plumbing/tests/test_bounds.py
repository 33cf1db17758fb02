"""The bounds every service applies (plumbing.bounds): money, points, the time a fact
happened; the same answer through a model (Kafka) and through a graph argument."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st
from plumbing import bounds
from plumbing.contracts import EventData
from pydantic import ValidationError

NOW = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)


class Line(EventData):
    amount: bounds.Amount


class Sale(EventData):
    occurred_at: bounds.HappenedAt
    lines: bounds.SaleLines[Line]
    expires_at: bounds.AwareTime | None = None


def refused(data: object) -> str | None:
    try:
        Sale.model_validate(data)
    except ValidationError as exc:
        return bounds.refusal(exc)
    return None


def sale(*amounts: object, at: object = None) -> dict[str, object]:
    when = at if at is not None else datetime.now(UTC).isoformat()
    return {"occurred_at": when, "lines": [{"amount": a} for a in amounts]}


# ---------------------------------------------------------------- money
@given(st.decimals(min_value=0, max_value=bounds.MAX_AMOUNT, places=2))
def test_every_amount_to_the_cent_up_to_the_maximum_is_money(value: Decimal) -> None:
    assert bounds.amount_problem(value) is None
    assert Line(amount=value).amount == value
    assert Line.model_validate_json(json.dumps({"amount": str(value)})).amount == value


@given(
    st.decimals(
        min_value=bounds.MAX_AMOUNT + bounds.CENT, allow_nan=False, allow_infinity=False, places=2
    )
)
def test_anything_above_the_maximum_is_bad_amount(value: Decimal) -> None:
    assert bounds.amount_problem(value) == f"{value} is above the maximum 1000000.00"


@given(st.decimals(max_value=Decimal("-0.01"), allow_nan=False, allow_infinity=False, places=2))
def test_negative_amounts_are_bad_amount(value: Decimal) -> None:
    assert bounds.amount_problem(value) == f"{value} must be 0 or more"


@given(st.decimals(min_value=0, max_value=bounds.MAX_AMOUNT, places=4))
def test_more_than_two_decimals_is_bad_amount(value: Decimal) -> None:
    exact = value == value.quantize(bounds.CENT)
    assert (bounds.amount_problem(value) is None) == exact


@pytest.mark.parametrize(
    "value",
    [
        "99999999999.99",
        1e20,
        "1e20",
        1e30,
        "1E+30",
        "1e999999",
        "NaN",
        "-Infinity",
        "sNaN",
        float("nan"),
        float("inf"),
        -1,
        "10.005",
    ],
)
def test_huge_non_finite_negative_or_fractional_amounts_are_bad_amount(value: object) -> None:
    reason = refused(sale(value))
    assert reason is not None and reason.startswith("BAD_AMOUNT: lines.0.amount: "), reason
    if isinstance(value, str):  # what a graph argument (a Decimal) would be
        assert bounds.amount_problem(Decimal(value)) is not None


def test_json_with_nan_or_huge_numbers_is_bad_amount_not_a_crash() -> None:
    # Python's json reads NaN and 1e400 (inf); a partner's producer may write them.
    for raw in ('{"amount": NaN}', '{"amount": 1e400}', '{"amount": 1e30}'):
        with pytest.raises(ValidationError) as caught:
            Line.model_validate(json.loads(raw))
        assert bounds.code_of(caught.value.errors()[0]) == "BAD_AMOUNT", raw


def test_a_sale_total_above_the_maximum_is_bad_amount_on_its_lines() -> None:
    assert refused(sale("600000.00", "400000.00")) is None
    reason = refused(sale("600000.00", "400000.01"))
    assert reason == "BAD_AMOUNT: lines: the total 1000000.01 is above the maximum 1000000.00"


def test_a_redemption_amount_must_be_more_than_zero() -> None:
    assert bounds.amount_problem(Decimal("0"), positive=True) == "0 must be more than 0"
    assert bounds.amount_problem(Decimal("0")) is None


# ---------------------------------------------------------------- points
@given(st.integers(0, bounds.MAX_BALANCE))
def test_room_keeps_every_balance_within_a_graph_int(balance: int) -> None:
    assert 0 <= balance + bounds.room(balance) == bounds.MAX_BALANCE < bounds.GRAPH_INT_MAX


def test_the_most_a_sale_can_earn_is_credited_up_to_the_maximum() -> None:
    # The highest earning rate a program allows: 100 % at a point value of 0.0001.
    most = bounds.MAX_AMOUNT * 100 / 100 / Decimal("0.0001")
    assert most > bounds.MAX_BALANCE  # so it must be capped ...
    assert min(int(most), bounds.room(0)) <= bounds.GRAPH_INT_MAX  # ... and then fits


@given(st.integers(0, 10**15))
def test_sums_the_graph_shows_fit_an_int(count: int) -> None:
    assert bounds.shown(count) == min(count, 2**31 - 1)


# ---------------------------------------------------------------- time
@given(st.timedeltas(min_value=timedelta(days=-3650), max_value=bounds.FUTURE_SKEW))
def test_a_fact_up_to_the_skew_ahead_happened(delta: timedelta) -> None:
    assert bounds.time_problem(NOW + delta, now=NOW) is None


@given(
    st.timedeltas(
        min_value=bounds.FUTURE_SKEW + timedelta(microseconds=1), max_value=timedelta(days=10**6)
    ),
    st.sampled_from([UTC, timezone(timedelta(hours=-11)), timezone(timedelta(hours=14))]),
)
def test_a_fact_further_ahead_has_not_happened_yet(delta: timedelta, zone: timezone) -> None:
    problem = bounds.time_problem((NOW + delta).astimezone(zone), now=NOW)
    assert problem is not None and problem[0] == "FUTURE_TIME"


@given(st.datetimes(timezones=st.none()))
def test_a_time_without_offset_is_naive_time(value: datetime) -> None:
    problem = bounds.time_problem(value, now=NOW)
    assert problem is not None and problem[0] == "NAIVE_TIME"
    with pytest.raises(bounds.OutOfBounds) as caught:
        bounds.aware(value, "from")
    assert caught.value.extensions == {
        "code": "NAIVE_TIME",
        "params": {"field": "from"},
        "field": "from",
    }


def test_models_refuse_naive_and_future_fact_times_with_their_codes() -> None:
    assert refused(sale("1.00", at="2026-01-01T10:00:00")) == (
        "NAIVE_TIME: occurred_at: needs a time zone offset (e.g. 2026-03-02T10:00:00+01:00)"
    )
    ahead = datetime.now(UTC) + timedelta(days=400)
    reason = refused(sale("1.00", at=ahead.isoformat()))
    assert reason is not None and reason.startswith("FUTURE_TIME: occurred_at: "), reason
    soon = datetime.now(UTC) + timedelta(minutes=4)
    assert refused(sale("1.00", at=soon.isoformat())) is None
    # A time that is legitimately ahead only needs its offset.
    later = {**sale("1.00"), "expires_at": "2031-01-01T00:00:00+00:00"}
    assert refused(later) is None
    naive = refused({**sale("1.00"), "expires_at": "2031-01-01T00:00:00"})
    assert naive is not None and naive.startswith("NAIVE_TIME: expires_at: ")


def test_other_validation_errors_keep_the_callers_wording() -> None:
    with pytest.raises(ValidationError) as caught:
        Sale.model_validate({"lines": []})
    assert bounds.refusal(caught.value) is None
    assert bounds.code_of(caught.value.errors()[0]) is None


def test_event_schemas_document_the_bounds() -> None:
    schema = Line.model_json_schema()["properties"]["amount"]
    assert schema["maximum"] == 1_000_000 and schema["minimum"] == 0
    assert "at most 2 decimals" in schema["description"]
