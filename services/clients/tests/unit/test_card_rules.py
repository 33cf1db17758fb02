"""Pure rules of the client card: custom field values, booking check, CSV headers."""

from __future__ import annotations

from datetime import date

import pytest
from clients.domain.booking_block import BlockMode, BookingBlock
from clients.domain.card import (
    BookingChannel,
    CustomFieldType,
    Disliked,
    FieldSpec,
    Invalid,
    booking_check,
    clean_choices,
    custom_value,
    header_key,
    parse_date,
    parse_gender,
)


@pytest.mark.parametrize(
    ("kind", "raw", "stored"),
    [
        (CustomFieldType.TEXT, "  hola ", "hola"),
        (CustomFieldType.NUMBER, "12,50", "12.5"),
        (CustomFieldType.NUMBER, "-3", "-3"),
        (CustomFieldType.NUMBER, "0.00", "0"),
        (CustomFieldType.NUMBER, "1E+3", "1000"),
        (CustomFieldType.NUMBER, "999999999999999", "999999999999999"),
        (CustomFieldType.NUMBER, "0.000001", "0.000001"),
        (CustomFieldType.NUMBER, "-1,250000", "-1.25"),
        (CustomFieldType.DATE, "2024-02-29", "2024-02-29"),
        (CustomFieldType.EMAIL, "A@B.ES", "a@b.es"),
        (CustomFieldType.BOOLEAN, "Sí", "true"),
        (CustomFieldType.BOOLEAN, "no", "false"),
    ],
)
def test_values_are_normalised_by_type(kind: CustomFieldType, raw: str, stored: str) -> None:
    assert custom_value(FieldSpec(kind), raw) == stored


@pytest.mark.parametrize(
    ("kind", "raw", "code"),
    [
        (CustomFieldType.NUMBER, "doce", "INVALID_NUMBER"),
        (CustomFieldType.NUMBER, "NaN", "INVALID_NUMBER"),
        (CustomFieldType.NUMBER, "Infinity", "INVALID_NUMBER"),
        (CustomFieldType.NUMBER, "-inf", "INVALID_NUMBER"),
        (CustomFieldType.NUMBER, "1e400", "INVALID_NUMBER"),
        (CustomFieldType.NUMBER, "1e999999999", "INVALID_NUMBER"),
        (CustomFieldType.NUMBER, "1e15", "INVALID_NUMBER"),
        (CustomFieldType.NUMBER, "1e-400", "INVALID_NUMBER"),
        (CustomFieldType.NUMBER, "0.0000001", "INVALID_NUMBER"),
        (CustomFieldType.NUMBER, "1" * 41, "INVALID_NUMBER"),
        (CustomFieldType.DATE, "2023-02-29", "INVALID_DATE"),
        (CustomFieldType.EMAIL, "nope", "INVALID_EMAIL"),
        (CustomFieldType.PHONE, "12", "INVALID_PHONE"),
        (CustomFieldType.BOOLEAN, "maybe", "INVALID_BOOLEAN"),
        (CustomFieldType.TEXT, "   ", "REQUIRED"),
        (CustomFieldType.TEXT, "x" * 2001, "TOO_LONG"),
    ],
)
def test_bad_values_are_refused(kind: CustomFieldType, raw: str, code: str) -> None:
    with pytest.raises(Invalid) as refused:
        custom_value(FieldSpec(kind), raw)
    assert refused.value.code == code


def test_choices_match_ignoring_case_and_accents() -> None:
    spec = FieldSpec(CustomFieldType.CHOICE, ("Mañana", "Tarde"))
    assert custom_value(spec, "manana") == "Mañana"
    with pytest.raises(Invalid):
        custom_value(spec, "Noche")
    with pytest.raises(Invalid):
        clean_choices(CustomFieldType.CHOICE, ["Solo"])
    assert clean_choices(CustomFieldType.TEXT, None) is None


def test_booking_check_reasons() -> None:
    wax = Disliked("wax", "Cera", "piel sensible")
    blocked = booking_check(
        channel=BookingChannel.ONLINE,
        service_id="yoga",
        block=BookingBlock(BlockMode.WAITLIST_ONLY),
        status="ACTIVE",
        disliked=[wax],
        language="it",
    )
    assert (blocked.allowed, blocked.codes, blocked.waitlist_allowed) == (
        False,
        ["ONLINE_BOOKING_BLOCKED"],
        True,
    )
    assert "lista d'attesa" in blocked.reasons[0]
    in_studio = booking_check(
        channel=BookingChannel.IN_STUDIO,
        service_id="yoga",
        block=BookingBlock(BlockMode.WAITLIST_ONLY),
        status="ACTIVE",
        disliked=[wax],
        language="en",
    )
    assert in_studio.allowed is True
    disliked = booking_check(
        channel=BookingChannel.IN_STUDIO,
        service_id="wax",
        block=None,
        status="ACTIVE",
        disliked=[wax],
        language="en",
    )
    assert disliked.codes == ["DISLIKED_SERVICE"] and not disliked.waitlist_allowed
    assert disliked.reasons == ["The client does not want this service: Cera (piel sensible)."]
    archived = booking_check(
        channel=BookingChannel.IN_STUDIO,
        service_id="x",
        block=None,
        status="ARCHIVED",
        disliked=[],
        language="es",
    )
    assert archived.codes == ["CLIENT_ARCHIVED"]


def test_csv_headers_and_cells() -> None:
    assert header_key("First Name") == "first_name"
    assert header_key("Apellidos") == "last_name"
    assert header_key("Teléfono") == "phone"
    assert header_key("Data di nascita") == "birth_date"
    assert header_key("Shoe size") is None
    assert parse_date("31/12/1990") == date(1990, 12, 31)
    assert parse_gender("Mujer") == "FEMALE"
    assert parse_gender("non-binary") == "NON_BINARY"
    with pytest.raises(Invalid):
        parse_date("1990-13-01")
