"""A partner fact the event model refuses answers coded userErrors on the caller's own
argument path, in a sentence (K7)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from crm.events import MembershipReported, PurchaseRecorded, SessionScheduled
from crm.graphql.fact_refusals import refusals
from pydantic import BaseModel, ValidationError

AT = datetime(2026, 3, 1, 10, 0, tzinfo=UTC).isoformat()


def _refused(model: type[BaseModel], data: dict[str, Any]) -> ValidationError:
    with pytest.raises(ValidationError) as refused:
        model.model_validate(data)
    return refused.value


def test_a_negative_quantity_is_bad_quantity_on_the_line_of_the_input() -> None:
    sale = {
        "invoice_number": "F-1",
        "client_id": "c1",
        "occurred_at": AT,
        "lines": [
            {"category": "SERVICE", "item_id": "s", "name": "Yoga", "amount": "10.00"},
            {"category": "SERVICE", "item_id": "s", "name": "Yoga", "amount": "10", "quantity": -2},
        ],
        "payments": [],
    }

    [error] = refusals(_refused(PurchaseRecorded, sale), under="input")

    assert (str(error.code), error.field) == ("BAD_QUANTITY", ["input", "lines", "1", "quantity"])
    assert error.message == "lines.1.quantity must be at least 1"


def test_a_negative_tolerance_is_bad_days_on_the_inputs_tolerance_days() -> None:
    membership = {
        "membership_id": "m1",
        "client_id": "c1",
        "plan": "Mensual",
        "status": "ACTIVE",
        "valid_from": "2026-03-01",
        "tolerance_days": -1,
        "credits": [{"credit_id": "k1", "kind": "clase", "status": "ACTIVE"}],
        "reported_at": AT,
    }

    [error] = refusals(_refused(MembershipReported, membership), under="input")

    assert (str(error.code), error.field) == ("BAD_DAYS", ["input", "toleranceDays"])
    assert error.message == "toleranceDays must be at least 0"


def test_a_field_the_argument_names_otherwise_is_shown_by_the_arguments_name() -> None:
    session = {"service_id": "s1", "starts_at": AT, "capacity": 10}

    [error] = refusals(_refused(SessionScheduled, session), renames={"session_id": "id"})

    assert (str(error.code), error.field) == ("INVALID", ["id"])
    assert error.message.startswith("id: ")
