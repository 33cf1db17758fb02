"""Client card rules: what a valid card is. Plain data, no I/O."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from plumbing.text import BAD_TEXT, text_problem


class ClientStatus(StrEnum):
    LEAD = "LEAD"
    ACTIVE = "ACTIVE"
    INACTIVE = "INACTIVE"
    ARCHIVED = "ARCHIVED"


class ClientSource(StrEnum):
    MANUAL = "MANUAL"
    IMPORT = "IMPORT"
    WIDGET = "WIDGET"
    PARTNER = "PARTNER"
    # A sign-up in the studio's app (a client who proved their contact with a one-time
    # code; made by the identity service only).
    APP = "APP"


class Gender(StrEnum):
    FEMALE = "FEMALE"
    MALE = "MALE"
    NON_BINARY = "NON_BINARY"
    UNDISCLOSED = "UNDISCLOSED"


@dataclass(frozen=True)
class Problem:
    """One thing wrong with an input: becomes a `UserError`."""

    path: tuple[str, ...]
    message: str
    code: str
    # What the message names, by name (`UserError.params`).
    params: dict[str, object] = field(default_factory=dict)


@dataclass
class Problems:
    items: list[Problem] = field(default_factory=list)

    def add(self, message: str, code: str, *path: str, **params: object) -> None:
        self.items.append(Problem(tuple(path), message, code, params))

    def __bool__(self) -> bool:
        return bool(self.items)


EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]{2,}$")
CURRENCY = re.compile(r"^[A-Z]{3}$")
COUNTRY = re.compile(r"^[A-Z]{2}$")
MAX_NAME = 100
MAX_REFERRAL_SOURCE = 200  # "Instagram", "a friend: Ana Ruiz"; never a letter
MAX_WEIGHT_KG = 500.0


def fold(text: str) -> str:
    """Case- and accent-insensitive form for search and sorting ("Álvarez" -> "alvarez")."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def normalise_email(raw: str) -> str | None:
    value = raw.strip().lower()
    if len(value) > 254 or not EMAIL.match(value):
        return None
    return value


def normalise_language(raw: str) -> str | None:
    """`es`, `it`, `pt-BR`, `es_ES` -> a BCP 47 tag with a lower-case language part."""
    head, _, tail = raw.strip().replace("_", "-").partition("-")
    head = head.lower()
    if not re.fullmatch(r"[a-z]{2,3}", head):
        return None
    if not tail:
        return head
    if re.fullmatch(r"[A-Za-z]{2}", tail):
        return f"{head}-{tail.upper()}"
    if re.fullmatch(r"[0-9]{3}|[A-Za-z]{4}", tail):
        return f"{head}-{tail.title()}"
    return None


def branch_time_zone(branch: Mapping[str, Any], studio_time_zone: str) -> str:
    """A branch's time zone: its own when it was given one, else the studio's. Every
    branch therefore has one, and "today" at a branch is the day in it."""
    own = branch.get("time_zone")
    return own if isinstance(own, str) and own else studio_time_zone


def valid_time_zone(name: str) -> bool:
    if name not in available_timezones():
        return False
    try:
        ZoneInfo(name)
    except ZoneInfoNotFoundError:
        return False
    return True


def check_name(
    problems: Problems, value: str | None, field_name: str, *, required: bool
) -> str | None:
    if value is None:
        if required:
            problems.add(f"{field_name} is required", "REQUIRED", field_name)
        return None
    problem = text_problem(value)
    if problem is not None:
        problems.add(f"{field_name} {problem}", BAD_TEXT, field_name)
        return None
    cleaned = " ".join(value.split())
    if required and not cleaned:
        problems.add(f"{field_name} must not be empty", "REQUIRED", field_name)
        return None
    if len(cleaned) > MAX_NAME:
        problems.add(
            f"{field_name} is longer than {MAX_NAME} characters",
            "TOO_LONG",
            field_name,
            maximum=MAX_NAME,
        )
        return None
    return cleaned or None


def check_birth_date(problems: Problems, value: date, today: date) -> None:
    if value > today:
        problems.add("birth date is in the future", "BIRTH_DATE_IN_FUTURE", "birthDate")
    elif value.year < today.year - 130:
        problems.add("birth date is more than 130 years ago", "BIRTH_DATE_TOO_OLD", "birthDate")


def check_weight(problems: Problems, value: float) -> None:
    if value != value or value <= 0:  # NaN or not positive
        problems.add("weight must be a positive number of kilograms", "INVALID_WEIGHT", "weightKg")
    elif value > MAX_WEIGHT_KG:
        problems.add(f"weight must be at most {MAX_WEIGHT_KG:g} kg", "INVALID_WEIGHT", "weightKg")


def check_referral_source(problems: Problems, value: str | None) -> str | None:
    """How the client heard of the studio, one line of at most MAX_REFERRAL_SOURCE
    characters: a longer text is refused (it used to be cut silently)."""
    if value is None:
        return None
    problem = text_problem(value)
    if problem is not None:
        problems.add(f"referralSource {problem}", BAD_TEXT, "referralSource")
        return None
    cleaned = " ".join(value.split())
    if len(cleaned) > MAX_REFERRAL_SOURCE:
        problems.add(
            f"referralSource is longer than {MAX_REFERRAL_SOURCE} characters",
            "TOO_LONG",
            "referralSource",
        )
        return None
    return cleaned or None
