"""Turning raw input into clean values: phone numbers need a library, so not in domain/."""

from __future__ import annotations

import phonenumbers


def normalise_phone(raw: str, default_region: str | None) -> str | None:
    """E.164 (`+34612345678`), or None when the number is not a possible one.

    A number without a country prefix is read in the studio's country.
    """
    text = raw.strip()
    if not text:
        return None
    try:
        number = phonenumbers.parse(text, None if text.startswith("+") else default_region)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_possible_number(number) or not phonenumbers.is_valid_number(number):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
