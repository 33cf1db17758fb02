"""Validation of the card's own fields (`clean_values`, shared by createClient,
updateClient and the import), on pure values."""

from __future__ import annotations

from datetime import UTC, datetime

from clients.domain.model import Problems
from clients.service_layer.cards import Actor, check_creator_status, clean_values
from clients.service_layer.studio import studio_view

NOW = datetime(2026, 3, 1, 10, 0, tzinfo=UTC)
STUDIO = studio_view("t1", {"country": "ES", "time_zone": "Europe/Madrid"})


def _clean(**given: object) -> tuple[dict[str, object], list[tuple[str, tuple[str, ...]]]]:
    problems = Problems()
    values = clean_values(dict(given), STUDIO, NOW, problems, creating=False)
    return values, [(p.code, p.path) for p in problems.items]


def test_referral_source_is_one_line_of_at_most_200_characters() -> None:
    values, problems = _clean(referral_source="  Instagram,\n  a story  ")
    assert (values["referral_source"], problems) == ("Instagram, a story", [])

    values, problems = _clean(referral_source="x" * 200)
    assert problems == []

    _, problems = _clean(referral_source="x" * 50_000)
    assert problems == [("TOO_LONG", ("referralSource",))]


def test_referral_source_refuses_a_bidi_override() -> None:
    _, problems = _clean(referral_source="Eve\u202egnp.exe")
    assert problems == [("BAD_TEXT", ("referralSource",))]


def test_an_empty_referral_source_clears_it() -> None:
    values, problems = _clean(referral_source="")
    assert (values["referral_source"], problems) == (None, [])


def test_a_partner_creates_leads_only() -> None:
    partner, staff = Actor("partner-1", is_partner=True), Actor("staff-1")
    for status, actor, codes in [
        (None, partner, []),
        ("LEAD", partner, []),
        ("ACTIVE", partner, ["INVALID_STATUS"]),
        ("INACTIVE", partner, ["INVALID_STATUS"]),
        ("ACTIVE", staff, []),
    ]:
        problems = Problems()
        given = {"first_name": "Ana", "last_name": "Ruiz"}
        if status is not None:
            given["status"] = status
        values = clean_values(given, STUDIO, NOW, problems, creating=True)
        check_creator_status(problems, actor, values)
        assert [p.code for p in problems.items] == codes, (status, actor)
