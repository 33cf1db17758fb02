"""N1/R10/B5: placeholders are checked when saved, defaults exist in es/it/en, rendering."""

from __future__ import annotations

from datetime import date

import pytest
from notifications.domain.templates import (
    LANGUAGES,
    SPECS,
    TemplateError,
    Text,
    date_text,
    default_text,
    language_of,
    placeholders_in,
    rank_word,
    render,
    validate,
)


def test_every_default_uses_only_its_own_placeholders() -> None:
    for key, spec in SPECS.items():
        for channel in spec.channels:
            for language in LANGUAGES:
                text = default_text(key, channel, language)
                used = set(placeholders_in(text.body)) | set(placeholders_in(text.subject or ""))
                assert used <= spec.placeholders, (key, channel, language, used)
                assert text.body.strip()
                assert (text.subject is not None) == (
                    channel == "EMAIL" and key != "rank_eligible_staff"
                )


def test_an_unknown_placeholder_is_refused_with_the_allowed_ones() -> None:
    with pytest.raises(TemplateError) as refused:
        validate("payment_reminder", "EMAIL", "es", "Hola", "Hola {nombre}")
    assert refused.value.code == "UNKNOWN_PLACEHOLDER"
    assert "{nombre}" in str(refused.value)
    assert "{client_first_name}" in str(refused.value)


@pytest.mark.parametrize(
    "body", ["{client_first_name", "{studio!r}", "{studio:>10}", "{studio.name}", "{0}", "{}"]
)
def test_anything_but_a_plain_placeholder_is_refused(body: str) -> None:
    with pytest.raises(TemplateError) as refused:
        validate("payment_reminder", "SMS", "en", None, body)
    assert refused.value.code == "BAD_TEMPLATE"


def test_legacy_codes_become_placeholders_and_literal_braces_stay() -> None:
    text = validate("points_balance", "SMS", "es", None, "Tienes $CLIPOINTS$ puntos {{ok}}")
    assert text.body == "Tienes {points} puntos {{ok}}"
    assert render(text, {"points": 70}).body == "Tienes 70 puntos {ok}"


def test_rendering_fills_missing_values_with_nothing() -> None:
    text = Text(subject="{studio}", body="{client_first_name}: {points_value}")
    assert render(text, {"studio": "Dojo", "client_first_name": "Ana"}) == Text("Dojo", "Ana: ")


def test_the_rank_word_follows_terminology_and_language() -> None:
    assert rank_word("BELTS", "es") == "cinturón"
    assert rank_word("CHALLENGES", "it") == "sfida"
    assert rank_word("RANKINGS", "en") == "rank"
    assert rank_word(None, "de") == "belt"


def test_the_language_is_the_first_supported_candidate() -> None:
    assert language_of(None, "es") == "es"
    assert language_of("it-IT", "es") == "it"
    assert language_of("de", "fr") == "en"


def test_channel_and_key_are_checked() -> None:
    with pytest.raises(TemplateError) as staff_by_mail:
        validate("rank_eligible_staff", "EMAIL", "en", None, "x")
    assert staff_by_mail.value.code == "BAD_CHANNEL"
    with pytest.raises(TemplateError) as unknown:
        validate("welcome", "EMAIL", "en", None, "x")
    assert unknown.value.code == "UNKNOWN_TEMPLATE"


def test_the_expiry_reminder_tells_the_points_the_balance_and_the_day() -> None:
    spec = SPECS["points_expiring"]
    assert (spec.category, spec.channels, spec.manual) == (
        "SERVICE",
        ("EMAIL", "SMS", "PUSH"),
        False,
    )
    assert {"points", "expiring_points", "expiry_date"} <= spec.placeholders
    values = {"studio": "Dojo", "points": 500, "expiring_points": 120, "expiry_date": "1 May 2027"}
    sms = render(default_text("points_expiring", "SMS", "en"), values)
    assert sms.body == "Dojo: 120 of your 500 points expire on 1 May 2027."
    mail = render(default_text("points_expiring", "EMAIL", "es"), {**values, "expiry_date": "x"})
    assert mail.subject == "Dojo: tus puntos caducan el x"
    assert "120 de tus 500 puntos caducan el x" in mail.body


def test_dates_are_written_with_the_month_name_in_the_language() -> None:
    day = date(2027, 3, 5)
    assert date_text(day, "es") == "5 de marzo de 2027"
    assert date_text(day, "it") == "5 marzo 2027"
    assert date_text(day, "en") == "5 March 2027"
    assert date_text(day, "de") == "5 March 2027"  # unsupported: English
