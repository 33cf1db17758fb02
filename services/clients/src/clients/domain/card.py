"""Rules of the richer parts of a client card: custom fields, forms, documents,
disliked services, communication preferences and the booking check. Plain data, no I/O.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from enum import StrEnum

from clients.domain.booking_block import BlockMode, BookingBlock
from clients.domain.model import fold, normalise_email


class CustomFieldType(StrEnum):
    TEXT = "TEXT"
    NUMBER = "NUMBER"
    DATE = "DATE"
    EMAIL = "EMAIL"
    PHONE = "PHONE"
    CHOICE = "CHOICE"
    BOOLEAN = "BOOLEAN"


class BookingChannel(StrEnum):
    ONLINE = "ONLINE"
    IN_STUDIO = "IN_STUDIO"


MESSAGE_CATEGORIES = ("APPOINTMENTS", "SERVICE", "PACKAGES", "MARKETING", "TRANSACTIONS")
CHANNELS = ("SMS", "PUSH", "EMAIL")

MAX_LABEL = 80
MAX_CHOICES = 50
MAX_TEXT_VALUE = 2000
MAX_NUMBER_TEXT = 40  # a NUMBER value as typed
MAX_INTEGER_DIGITS = 15  # what a float keeps exactly; no studio counts beyond
MAX_DECIMALS = 6
MAX_FORM_NAME = 120
MAX_COMMENT = 1000
MAX_DOC_TYPE = 60

TRUE_WORDS = {"true", "yes", "si", "sí", "1", "y"}
FALSE_WORDS = {"false", "no", "0", "n"}


class Invalid(ValueError):
    """A value a rule refuses; its message is shown to the caller."""

    def __init__(self, message: str, code: str, **params: object) -> None:
        super().__init__(message)
        self.message = message
        self.code = code
        self.params = params


def clean_label(raw: str, what: str, maximum: int) -> str:
    value = " ".join(raw.split())
    if not value:
        raise Invalid(f"{what} must not be empty", "REQUIRED")
    if len(value) > maximum:
        raise Invalid(f"{what} is longer than {maximum} characters", "TOO_LONG", maximum=maximum)
    return value


def clean_choices(kind: CustomFieldType, raw: list[str] | None) -> list[str] | None:
    """A CHOICE field needs two or more distinct choices; other types take none."""
    if kind is not CustomFieldType.CHOICE:
        if raw:
            raise Invalid("only CHOICE fields have choices", "CHOICES_NOT_ALLOWED")
        return None
    cleaned: list[str] = []
    seen: set[str] = set()
    for choice in raw or []:
        value = clean_label(choice, "a choice", MAX_LABEL)
        if fold(value) in seen:
            raise Invalid(f"choice {value!r} is listed twice", "DUPLICATE_CHOICE", value=value)
        seen.add(fold(value))
        cleaned.append(value)
    if len(cleaned) < 2:
        raise Invalid("a CHOICE field needs at least two choices", "CHOICES_REQUIRED")
    if len(cleaned) > MAX_CHOICES:
        raise Invalid(
            f"a CHOICE field has at most {MAX_CHOICES} choices",
            "TOO_MANY_CHOICES",
            maximum=MAX_CHOICES,
        )
    return cleaned


def clean_collect_on(raw: list[str] | None) -> list[str]:
    """Names of the intake forms that collect the field (kept in order, once each)."""
    out: list[str] = []
    for name in raw or []:
        value = clean_label(name, "a form name", MAX_FORM_NAME)
        if value not in out:
            out.append(value)
    return out


@dataclass(frozen=True)
class FieldSpec:
    kind: CustomFieldType
    choices: tuple[str, ...] = ()


def number_text(number: Decimal) -> str:
    """A NUMBER value as stored: plain digits, at most MAX_INTEGER_DIGITS before the point
    and MAX_DECIMALS after it. The bounds are checked on the exponent before formatting:
    `1e400` would otherwise be stored as 401 digits (and `1e999999999` take a gigabyte)."""
    if number == 0:
        return "0"
    # `adjusted()` is the exponent of the leading digit, read without computing anything:
    # normalising 1e999999999 would overflow the decimal context.
    if number.adjusted() < -MAX_DECIMALS:
        raise Invalid(f"a number has at most {MAX_DECIMALS} decimals", "INVALID_NUMBER")
    if number.adjusted() >= MAX_INTEGER_DIGITS:
        raise Invalid(
            f"a number has at most {MAX_INTEGER_DIGITS} digits before the decimal point",
            "INVALID_NUMBER",
        )
    number = number.normalize()
    exponent = number.as_tuple().exponent
    if isinstance(exponent, int) and exponent < -MAX_DECIMALS:
        raise Invalid(f"a number has at most {MAX_DECIMALS} decimals", "INVALID_NUMBER")
    return format(number, "f")


def custom_value(spec: FieldSpec, raw: str, *, phone: str | None = None) -> str:
    """The stored text of a custom field value, or Invalid.

    `phone` is the already-normalised number (E.164) for PHONE fields, None when the
    raw text was not a valid number (the phone library lives outside the domain).
    """
    text = raw.strip()
    if not text:
        raise Invalid("the value is empty: send null to clear it", "REQUIRED")
    match spec.kind:
        case CustomFieldType.TEXT:
            if len(text) > MAX_TEXT_VALUE:
                raise Invalid(
                    f"text is longer than {MAX_TEXT_VALUE} characters",
                    "TOO_LONG",
                    maximum=MAX_TEXT_VALUE,
                )
            return text
        case CustomFieldType.NUMBER:
            if len(text) > MAX_NUMBER_TEXT:
                raise Invalid(f"a number is at most {MAX_NUMBER_TEXT} characters", "INVALID_NUMBER")
            try:
                number = Decimal(text.replace(",", ".") if text.count(",") == 1 else text)
            except InvalidOperation:
                raise Invalid(f"{text!r} is not a number", "INVALID_NUMBER", value=text) from None
            if not number.is_finite():
                raise Invalid(f"{text!r} is not a number", "INVALID_NUMBER", value=text)
            return number_text(number)
        case CustomFieldType.DATE:
            try:
                return date.fromisoformat(text).isoformat()
            except ValueError:
                raise Invalid(
                    f"{text!r} is not a date (YYYY-MM-DD)", "INVALID_DATE", value=text
                ) from None
        case CustomFieldType.EMAIL:
            email = normalise_email(text)
            if email is None:
                raise Invalid(f"{text!r} is not a valid email address", "INVALID_EMAIL", value=text)
            return email
        case CustomFieldType.PHONE:
            if phone is None:
                raise Invalid(f"{text!r} is not a valid phone number", "INVALID_PHONE", value=text)
            return phone
        case CustomFieldType.CHOICE:
            for choice in spec.choices:
                if fold(choice) == fold(text):
                    return choice
            raise Invalid(
                f"{text!r} is not one of the choices: {', '.join(spec.choices)}", "INVALID_CHOICE"
            )
        case CustomFieldType.BOOLEAN:
            word = fold(text)
            if word in TRUE_WORDS:
                return "true"
            if word in FALSE_WORDS:
                return "false"
            raise Invalid(f"{text!r} is not yes/no (true or false)", "INVALID_BOOLEAN")
    raise Invalid("unknown field type", "INVALID_TYPE")  # pragma: no cover


def clean_comment(raw: str | None) -> str | None:
    if raw is None:
        return None
    value = raw.strip()
    if len(value) > MAX_COMMENT:
        raise Invalid(f"a comment is at most {MAX_COMMENT} characters", "TOO_LONG")
    return value or None


# ---------------------------------------------------------------- booking check

REASONS: dict[str, dict[str, str]] = {
    "ONLINE_BOOKING_BLOCKED": {
        "en": "Online booking is blocked for this client: they can only join a waitlist.",
        "es": "La reserva online está bloqueada para este cliente: solo puede apuntarse a "
        "la lista de espera.",
        "it": "La prenotazione online è bloccata per questo cliente: può solo iscriversi "
        "alla lista d'attesa.",
    },
    "NEEDS_APPROVAL": {
        "en": "Bookings for this client need the studio's approval.",
        "es": "Las reservas de este cliente necesitan la aprobación del centro.",
        "it": "Le prenotazioni di questo cliente richiedono l'approvazione del centro.",
    },
    "BOOKING_BLOCKED": {
        "en": "This client cannot book, nor join a waitlist.",
        "es": "Este cliente no puede reservar ni apuntarse a la lista de espera.",
        "it": "Questo cliente non può prenotare né iscriversi alla lista d'attesa.",
    },
    "DISLIKED_SERVICE": {
        "en": "The client does not want this service: {name}{comment}.",
        "es": "El cliente no quiere este servicio: {name}{comment}.",
        "it": "Il cliente non vuole questo servizio: {name}{comment}.",
    },
    "CLIENT_ARCHIVED": {
        "en": "The client's card is archived.",
        "es": "La ficha del cliente está archivada.",
        "it": "La scheda del cliente è archiviata.",
    },
}


@dataclass(frozen=True)
class Disliked:
    service_id: str
    service_name: str
    comment: str | None = None


@dataclass(frozen=True)
class BookingVerdict:
    allowed: bool
    codes: list[str] = field(default_factory=list)
    reasons: list[str] = field(default_factory=list)
    # What each reason names, in the order of `codes` (the block's mode, the disliked
    # service), so a frontend may word a reason itself.
    params: list[dict[str, str]] = field(default_factory=list)
    waitlist_allowed: bool = True
    block: BookingBlock | None = None  # the block that applied (B7), with its reason


def reason_text(code: str, language: str, **values: str) -> str:
    texts = REASONS[code]
    template = texts.get(language.split("-")[0].lower(), texts["en"])
    return template.format(**values)


def booking_check(
    *,
    channel: BookingChannel,
    service_id: str,
    block: BookingBlock | None,
    status: str,
    disliked: list[Disliked],
    language: str,
    branch_id: str | None = None,
) -> BookingVerdict:
    """May this client book this service on this channel (at this branch), and if not, why.

    - A block (C4, B7) that covers the branch, by its mode: WAITLIST_ONLY refuses ONLINE
      and leaves the waitlist open (in the studio staff may book them); NEEDS_APPROVAL
      refuses ONLINE (the booking system asks the studio) and leaves the waitlist open;
      NO_BOOKING refuses every channel, waitlist included.
    - A disliked service (C7) is refused on every channel, waitlist included.
    - An archived card books nothing.
    """
    codes: list[str] = []
    reasons: list[str] = []
    params: list[dict[str, str]] = []
    waitlist = True
    if status == "ARCHIVED":
        codes.append("CLIENT_ARCHIVED")
        params.append({})
        reasons.append(reason_text("CLIENT_ARCHIVED", language))
        waitlist = False
    applied = block if block is not None and block.covers(branch_id) else None
    if applied is not None:
        code = {
            BlockMode.WAITLIST_ONLY: "ONLINE_BOOKING_BLOCKED",
            BlockMode.NEEDS_APPROVAL: "NEEDS_APPROVAL",
            BlockMode.NO_BOOKING: "BOOKING_BLOCKED",
        }[applied.mode]
        if applied.mode is BlockMode.NO_BOOKING or channel is BookingChannel.ONLINE:
            codes.append(code)
            params.append({"mode": applied.mode.value, "channel": channel.value})
            reasons.append(reason_text(code, language))
        if applied.mode is BlockMode.NO_BOOKING:
            waitlist = False
    for item in disliked:
        if item.service_id == service_id:
            comment = f" ({item.comment})" if item.comment else ""
            codes.append("DISLIKED_SERVICE")
            named = {"serviceId": item.service_id, "serviceName": item.service_name}
            params.append(named | ({"comment": item.comment} if item.comment else {}))
            reasons.append(
                reason_text("DISLIKED_SERVICE", language, name=item.service_name, comment=comment)
            )
            waitlist = False
            break
    return BookingVerdict(
        allowed=not codes,
        codes=codes,
        reasons=reasons,
        params=params,
        waitlist_allowed=waitlist,
        block=applied,
    )


# ---------------------------------------------------------------- CSV import headers

HEADER_ALIASES: dict[str, str] = {}
for _name, _aliases in {
    "first_name": ("firstname", "first", "givenname", "name", "nombre", "nome"),
    "middle_name": ("middlename", "middle", "segundonombre", "secondonome"),
    "last_name": ("lastname", "last", "surname", "familyname", "apellido", "apellidos", "cognome"),
    "email": ("email", "emailaddress", "mail", "correo", "correoelectronico"),
    "phone": ("phone", "phonenumber", "mobile", "telephone", "telefono", "movil", "cellulare"),
    "birth_date": (
        "birthdate",
        "dateofbirth",
        "birthday",
        "dob",
        "fechadenacimiento",
        "datadinascita",
    ),
    "gender": ("gender", "sex", "genero", "sexo", "genere", "sesso"),
    "language": ("language", "lang", "idioma", "lingua"),
    "status": ("status", "estado", "stato"),
    "referral_source": ("referralsource", "referral", "source", "origen", "provenienza"),
    "preferred_branch_id": ("preferredbranchid", "branchid", "branch", "sede"),
    "weight_kg": ("weightkg", "weight", "peso"),
    "line1": ("line1", "address", "addressline1", "street", "direccion", "indirizzo"),
    "line2": ("line2", "addressline2"),
    "city": ("city", "ciudad", "citta"),
    "postal_code": ("postalcode", "zip", "zipcode", "postcode", "codigopostal", "cap"),
    "region": ("region", "state", "province", "provincia"),
    "country": ("country", "pais", "paese"),
}.items():
    for _alias in _aliases:
        HEADER_ALIASES[_alias] = _name


def header_key(raw: str) -> str | None:
    """`First Name`, `first_name`, `Nombre` -> `first_name`; None for unknown columns."""
    return HEADER_ALIASES.get(re.sub(r"[^a-z0-9]", "", fold(raw)))


GENDER_WORDS = {
    "female": "FEMALE", "f": "FEMALE", "woman": "FEMALE", "mujer": "FEMALE", "donna": "FEMALE",
    "male": "MALE", "m": "MALE", "man": "MALE", "hombre": "MALE", "uomo": "MALE",
    "nonbinary": "NON_BINARY", "non_binary": "NON_BINARY", "nb": "NON_BINARY",
    "undisclosed": "UNDISCLOSED", "x": "UNDISCLOSED",
}  # fmt: skip


def parse_gender(raw: str) -> str:
    word = fold(raw).replace("-", "").replace(" ", "")
    value = GENDER_WORDS.get(word) or GENDER_WORDS.get(fold(raw).replace("-", "_"))
    if value is None:
        raise Invalid(
            f"{raw!r} is not a gender (female, male, non-binary, undisclosed)", "INVALID_GENDER"
        )
    return value


def parse_status(raw: str) -> str:
    value = raw.strip().upper()
    if value not in ("LEAD", "ACTIVE", "INACTIVE", "ARCHIVED"):
        raise Invalid(
            f"{raw!r} is not a status (LEAD, ACTIVE, INACTIVE, ARCHIVED)", "INVALID_STATUS"
        )
    return value


def parse_date(raw: str) -> date:
    text = raw.strip()
    try:
        return date.fromisoformat(text)
    except ValueError:
        pass
    m = re.fullmatch(r"(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})", text)  # day first: 31/12/1990
    if m:
        try:
            return date(int(m.group(3)), int(m.group(2)), int(m.group(1)))
        except ValueError:
            pass
    raise Invalid(f"{raw!r} is not a date (YYYY-MM-DD or DD/MM/YYYY)", "INVALID_DATE")
