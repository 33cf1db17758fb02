"""The graph's one time and money contract, the same in every subgraph.

- `DateTime` goes out as RFC 3339 in UTC with milliseconds and `Z`
  (`2026-03-02T09:30:00.000Z`), the one form every JavaScript engine parses, React
  Native's included. It comes in as RFC 3339 with an offset (`Z`, `+01:00`); a time
  without one is refused with code `NAIVE_TIME`, never guessed and never a server error.
- `Date` is an RFC 3339 full-date (`2026-03-02`), a day in the studio's calendar.
- `Decimal` is a decimal string (`"12.50"`), never a float: money and rates are exact.

`SubgraphSchema` puts these in place of Strawberry's own `datetime`, `date` and `Decimal`
scalars, so every resolver keeps its plain Python types.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from decimal import Decimal, InvalidOperation

import strawberry
from graphql import GraphQLError
from strawberry.file_uploads import Upload
from strawberry.types.scalar import ScalarDefinition

from plumbing.clock import rfc3339
from plumbing.i18n import current_language

RFC3339 = "https://datatracker.ietf.org/doc/html/rfc3339"

# RFC 3339 date-time: a full date, `T` (or `t`, or a space), a time with optional
# fraction, and an offset. Nothing looser (no week dates, no basic format).
_DATE_TIME = re.compile(
    r"^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d{1,9})?(?P<offset>[Zz]|[+-]\d{2}:\d{2})?$"
)
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
# An exponent is a decimal too (1e+20): how large an amount may be is each rule's to say,
# with its own code (BAD_AMOUNT), not the scalar's.
_DECIMAL = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d{1,6})?$")


# What a scalar refuses, in Spanish and Italian (`params`: the scalar and the value); in
# English each refusal keeps its own, more precise, words.
_REFUSALS = {
    "DateTime": (
        "{value} no es una fecha y hora RFC 3339, como 2026-03-02T09:30:00Z",
        "{value} non è una data e ora RFC 3339, come 2026-03-02T09:30:00Z",
    ),
    "NAIVE_TIME": (
        "{value} no tiene desfase horario; añade uno (Z para UTC, o el del estudio, como +01:00)",
        "{value} non ha un fuso orario; aggiungine uno (Z per UTC, o quello dello studio, "
        "come +01:00)",
    ),
    "Date": (
        "{value} no es una fecha RFC 3339, como 2026-03-02",
        "{value} non è una data RFC 3339, come 2026-03-02",
    ),
    "Decimal": (
        '{value} no es un número decimal, como "12.50" (con punto, sin coma)',
        '{value} non è un numero decimale, come "12.50" (con il punto, senza virgola)',
    ),
}


class InvalidScalar(GraphQLError):
    """A value its scalar refuses, with the code a caller can act on (a GraphQLError, so
    that graphql-core reports it as the caller's mistake, for variables and literals)."""

    def __init__(
        self, message: str, code: str = "BAD_USER_INPUT", *, scalar: str, value: object
    ) -> None:
        params = {"scalar": scalar, "value": repr(value)}
        words = _REFUSALS[code if code == NaiveTime.code else scalar]
        language = current_language()
        if language in ("es", "it"):
            message = words[language == "it"].format(**params)
        super().__init__(message, extensions={"code": code, "params": params})


class NaiveTime(InvalidScalar):
    """A DateTime without an offset: which moment it means depends on a time zone the
    caller did not say."""

    code = "NAIVE_TIME"

    def __init__(self, message: str, *, value: object) -> None:
        super().__init__(message, self.code, scalar="DateTime", value=value)


def serialize_datetime(value: datetime) -> str:
    if value.tzinfo is None:
        raise ValueError("a naive datetime cannot be sent: times are stored in UTC")
    return rfc3339(value)


def parse_datetime(value: object) -> datetime:
    if not isinstance(value, str):
        raise InvalidScalar(
            "a DateTime is a string in RFC 3339 form, such as 2026-03-02T09:30:00Z",
            scalar="DateTime",
            value=value,
        )
    matched = _DATE_TIME.match(value.strip())
    if matched is None:
        raise InvalidScalar(
            f"{value!r} is not an RFC 3339 date-time, such as 2026-03-02T09:30:00Z",
            scalar="DateTime",
            value=value,
        )
    if matched["offset"] is None:
        raise NaiveTime(
            f"{value!r} has no offset; add one (Z for UTC, or the studio's, such as +01:00)",
            value=value,
        )
    text = value.strip().replace("z", "Z").replace("t", "T").replace(" ", "T")
    fraction = matched[1]
    if fraction and len(fraction) > 7:  # Python keeps microseconds: drop what is finer
        text = text.replace(fraction, fraction[:7], 1)
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError as exc:
        raise InvalidScalar(
            f"{value!r} is not a valid date-time: {exc}", scalar="DateTime", value=value
        ) from None


def parse_date(value: object) -> date:
    if not isinstance(value, str) or _DATE.match(value) is None:
        raise InvalidScalar(
            f"{value!r} is not an RFC 3339 full-date, such as 2026-03-02",
            scalar="Date",
            value=value,
        )
    try:
        return date.fromisoformat(value)
    except ValueError as exc:
        raise InvalidScalar(
            f"{value!r} is not a valid date: {exc}", scalar="Date", value=value
        ) from None


def parse_decimal(value: object) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise InvalidScalar(
            f'{value!r} is not a decimal string, such as "12.50"', scalar="Decimal", value=value
        )
    text = str(value).strip()
    if _DECIMAL.match(text) is None:
        raise InvalidScalar(
            f'{value!r} is not a decimal number, such as "12.50" (a dot, no comma)',
            scalar="Decimal",
            value=value,
        )
    try:
        return Decimal(text)
    except InvalidOperation:
        raise InvalidScalar(
            f"{value!r} is not a decimal number", scalar="Decimal", value=value
        ) from None


DateTime = strawberry.scalar(
    name="DateTime",
    description=(
        "A moment, RFC 3339 with an offset. Sent as UTC with milliseconds "
        "(2026-03-02T09:30:00.000Z); accepted with any offset; without one it is refused "
        "(NAIVE_TIME)."
    ),
    specified_by_url=RFC3339,
    serialize=serialize_datetime,
    parse_value=parse_datetime,
)

Date = strawberry.scalar(
    name="Date",
    description="A calendar day, RFC 3339 full-date (2026-03-02), in the studio's time zone.",
    specified_by_url=RFC3339,
    serialize=date.isoformat,
    parse_value=parse_date,
)

DecimalScalar = strawberry.scalar(
    name="Decimal",
    description=(
        'An exact decimal number as a string ("12.50"): amounts of money, rates, '
        "percentages. Never a float."
    ),
    specified_by_url="https://speleotrove.com/decimal/daconvs.html#reftostr",
    serialize=str,
    parse_value=parse_decimal,
)

UploadScalar = strawberry.scalar(
    name="Upload",
    description="A file sent in a multipart request beside the operation.",
    specified_by_url="https://github.com/jaydenseric/graphql-multipart-request-spec",
    serialize=lambda _: None,
    parse_value=lambda value: value,
)

SCALAR_OVERRIDES: dict[object, ScalarDefinition] = {
    datetime: DateTime,
    date: Date,
    Decimal: DecimalScalar,
    Upload: UploadScalar,
}
