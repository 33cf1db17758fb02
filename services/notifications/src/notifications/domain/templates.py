"""N1/R10: transactional templates, their placeholders and their default texts.

A template is identified by (key, channel, language). A studio may override any of
them; what it has not overridden falls back to the defaults below (es, it, en).
Placeholders are `{name}`; `{{` and `}}` write literal braces. A template may use only
the placeholders its key offers, so a typo is refused when the template is saved, not
discovered when a client receives "{client_frist_name}".
"""

from __future__ import annotations

import string
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date

LANGUAGES: tuple[str, ...] = ("es", "it", "en")
FALLBACK_LANGUAGE = "en"
CHANNELS: tuple[str, ...] = ("EMAIL", "SMS", "PUSH")

CLIENT_FIELDS = frozenset(
    {"client_first_name", "client_last_name", "client_name", "studio", "points", "points_value"}
)
RANK_FIELDS = frozenset({"rank", "next_rank", "rank_word", "category"})

# Older exports of studio templates used `$CLIPOINTS$`-style codes (seed 002).
LEGACY_CODES: Mapping[str, str] = {
    "$CLIPOINTS$": "{points}",
    "$CLINOMBRE$": "{client_first_name}",
    "$CENTRO$": "{studio}",
}


class TemplateError(ValueError):
    """A template that cannot be saved: unknown key, channel or placeholder, bad braces."""

    def __init__(self, message: str, code: str = "BAD_TEMPLATE", **params: object) -> None:
        super().__init__(message)
        self.code = code
        self.params = params  # what the message names, by name (`UserError.params`)


@dataclass(frozen=True, slots=True)
class TemplateSpec:
    key: str
    # None: a staff notification (console), not subject to a client's preferences.
    category: str | None
    channels: tuple[str, ...]
    placeholders: frozenset[str]
    # Whether staff may send it by hand from the client card (N4).
    manual: bool = False


SPECS: Mapping[str, TemplateSpec] = {
    spec.key: spec
    for spec in (
        TemplateSpec(
            "rank_eligible_staff",
            None,
            ("PUSH",),
            frozenset(
                {"client_first_name", "client_last_name", "client_name", "studio"}
                | RANK_FIELDS
                | {"visits_in_rank", "days_in_rank"}
            ),
        ),
        TemplateSpec("rank_eligible_client", "SERVICE", CHANNELS, CLIENT_FIELDS | RANK_FIELDS),
        TemplateSpec("rank_promoted", "SERVICE", CHANNELS, CLIENT_FIELDS | RANK_FIELDS),
        TemplateSpec(
            "points_receipt",
            "TRANSACTIONS",
            CHANNELS,
            CLIENT_FIELDS | {"points_used", "amount", "invoice_number"},
        ),
        TemplateSpec("payment_reminder", "TRANSACTIONS", CHANNELS, CLIENT_FIELDS, manual=True),
        TemplateSpec("booking_invitation", "APPOINTMENTS", CHANNELS, CLIENT_FIELDS, manual=True),
        TemplateSpec("points_balance", "SERVICE", CHANNELS, CLIENT_FIELDS, manual=True),
        # L10 (seed 002, `$CLIPOINTS$` in appointment reminders): `{points}` is the balance
        # when the reminder is written, not when it was asked for.
        TemplateSpec("appointment_reminder", "APPOINTMENTS", CHANNELS, CLIENT_FIELDS, manual=True),
        # B5: `{points}` stays the balance, as everywhere; the lot is `{expiring_points}`.
        TemplateSpec(
            "points_expiring",
            "SERVICE",
            CHANNELS,
            CLIENT_FIELDS | {"expiring_points", "expiry_date"},
        ),
    )
}

# The word a studio uses for a rank (R1): Belts, Rankings or Challenges, per language.
RANK_WORDS: Mapping[str, Mapping[str, str]] = {
    "BELTS": {"es": "cinturón", "it": "cintura", "en": "belt"},
    "RANKINGS": {"es": "ranking", "it": "livello", "en": "rank"},
    "CHALLENGES": {"es": "desafío", "it": "sfida", "en": "challenge"},
}


def rank_word(terminology: str | None, language: str) -> str:
    words = RANK_WORDS.get((terminology or "BELTS").upper(), RANK_WORDS["BELTS"])
    return words.get(language, words[FALLBACK_LANGUAGE])


@dataclass(frozen=True, slots=True)
class Text:
    subject: str | None
    body: str


# (subject, e-mail body, short text for SMS and push) per key and language.
_DEFAULTS: Mapping[str, Mapping[str, tuple[str, str, str]]] = {
    "rank_eligible_staff": {
        "es": (
            "",
            "",
            "{client_name} cumple los requisitos para el próximo {rank_word} en {category}: "
            "{next_rank} (actual: {rank}).",
        ),
        "it": (
            "",
            "",
            "{client_name} ha i requisiti per il passaggio di {rank_word} in {category}: "
            "{next_rank} (attuale: {rank}).",
        ),
        "en": (
            "",
            "",
            "{client_name} is eligible for the next {rank_word} in {category}: "
            "{next_rank} (now: {rank}).",
        ),
    },
    "rank_eligible_client": {
        "es": (
            "{studio}: ya puedes optar a {next_rank}",
            "Hola {client_first_name}:\n\nHas cumplido los requisitos de {category} para tu "
            "próximo {rank_word}: {next_rank}. Tu instructor confirmará la promoción muy "
            "pronto.\n\n{studio}",
            "{studio}: ya puedes optar a tu próximo {rank_word} en {category}: {next_rank}.",
        ),
        "it": (
            "{studio}: puoi passare a {next_rank}",
            "Ciao {client_first_name},\n\nhai raggiunto i requisiti di {category} per il "
            "passaggio di {rank_word}: {next_rank}. Il tuo istruttore confermerà presto la "
            "promozione.\n\n{studio}",
            "{studio}: hai i requisiti per il passaggio di {rank_word} in {category}: {next_rank}.",
        ),
        "en": (
            "{studio}: you are ready for {next_rank}",
            "Hi {client_first_name},\n\nyou now meet the requirements of {category} for your "
            "next {rank_word}: {next_rank}. Your instructor will confirm the promotion "
            "soon.\n\n{studio}",
            "{studio}: you are eligible for your next {rank_word} in {category}: {next_rank}.",
        ),
    },
    "rank_promoted": {
        "es": (
            "{studio}: ¡nuevo {rank_word}!",
            "¡Enhorabuena, {client_first_name}!\n\nYa tienes {rank} en {category}.\n\n{studio}",
            "¡Enhorabuena! Ya tienes {rank} en {category}. {studio}",
        ),
        "it": (
            "{studio}: nuova promozione!",
            "Complimenti, {client_first_name}!\n\nOra hai {rank} in {category}.\n\n{studio}",
            "Complimenti! Ora hai {rank} in {category}. {studio}",
        ),
        "en": (
            "{studio}: a new {rank_word}!",
            "Congratulations, {client_first_name}!\n\nYou now hold {rank} in "
            "{category}.\n\n{studio}",
            "Congratulations! You now hold {rank} in {category}. {studio}",
        ),
    },
    "points_receipt": {
        "es": (
            "{studio}: recibo de tu pago con puntos",
            "Hola {client_first_name}:\n\nHas pagado {amount} con {points_used} puntos "
            "(factura {invoice_number}). Tu saldo es ahora de {points} puntos "
            "({points_value}).\n\n{studio}",
            "{studio}: has pagado {amount} con {points_used} puntos. Saldo: {points} puntos.",
        ),
        "it": (
            "{studio}: ricevuta del pagamento con punti",
            "Ciao {client_first_name},\n\nhai pagato {amount} con {points_used} punti "
            "(fattura {invoice_number}). Il tuo saldo ora è di {points} punti "
            "({points_value}).\n\n{studio}",
            "{studio}: hai pagato {amount} con {points_used} punti. Saldo: {points} punti.",
        ),
        "en": (
            "{studio}: receipt for your payment with points",
            "Hi {client_first_name},\n\nyou paid {amount} with {points_used} points "
            "(invoice {invoice_number}). Your balance is now {points} points "
            "({points_value}).\n\n{studio}",
            "{studio}: you paid {amount} with {points_used} points. Balance: {points} points.",
        ),
    },
    "payment_reminder": {
        "es": (
            "{studio}: recordatorio de pago",
            "Hola {client_first_name}:\n\nTe recordamos que tienes un pago pendiente con "
            "{studio}. Puedes abonarlo en tu próxima visita.\n\nGracias.",
            "{studio}: te recordamos que tienes un pago pendiente.",
        ),
        "it": (
            "{studio}: promemoria di pagamento",
            "Ciao {client_first_name},\n\nti ricordiamo che hai un pagamento in sospeso con "
            "{studio}. Puoi saldarlo alla prossima visita.\n\nGrazie.",
            "{studio}: ti ricordiamo che hai un pagamento in sospeso.",
        ),
        "en": (
            "{studio}: payment reminder",
            "Hi {client_first_name},\n\nthis is a reminder that a payment to {studio} is "
            "due. You can settle it on your next visit.\n\nThank you.",
            "{studio}: a reminder that you have a payment due.",
        ),
    },
    "booking_invitation": {
        "es": (
            "{studio}: reserva tu próxima cita",
            "Hola {client_first_name}:\n\nTe esperamos pronto. Reserva tu próxima cita desde "
            "la app o llamándonos.\n\n{studio}",
            "{studio}: te esperamos. Reserva tu próxima cita desde la app.",
        ),
        "it": (
            "{studio}: prenota il tuo prossimo appuntamento",
            "Ciao {client_first_name},\n\nti aspettiamo presto. Prenota il prossimo "
            "appuntamento dall'app o chiamandoci.\n\n{studio}",
            "{studio}: ti aspettiamo. Prenota il prossimo appuntamento dall'app.",
        ),
        "en": (
            "{studio}: book your next visit",
            "Hi {client_first_name},\n\nwe look forward to seeing you. Book your next visit "
            "in the app or give us a call.\n\n{studio}",
            "{studio}: we look forward to seeing you. Book your next visit in the app.",
        ),
    },
    "appointment_reminder": {
        "es": (
            "{studio}: recordatorio de tu cita",
            "Hola {client_first_name}:\n\nTe recordamos tu próxima cita en {studio}. "
            "Tienes {points} puntos ({points_value}) para usar en ella.\n\n{studio}",
            "{studio}: te recordamos tu próxima cita. Tienes {points} puntos.",
        ),
        "it": (
            "{studio}: promemoria del tuo appuntamento",
            "Ciao {client_first_name},\n\nti ricordiamo il tuo prossimo appuntamento da "
            "{studio}. Hai {points} punti ({points_value}) da usare.\n\n{studio}",
            "{studio}: ti ricordiamo il tuo prossimo appuntamento. Hai {points} punti.",
        ),
        "en": (
            "{studio}: your appointment reminder",
            "Hi {client_first_name},\n\nthis is a reminder of your next appointment at "
            "{studio}. You have {points} points ({points_value}) to use.\n\n{studio}",
            "{studio}: a reminder of your next appointment. You have {points} points.",
        ),
    },
    "points_balance": {
        "es": (
            "{studio}: tus puntos",
            "Hola {client_first_name}:\n\nTienes {points} puntos, que valen "
            "{points_value}.\n\n{studio}",
            "{studio}: tienes {points} puntos ({points_value}).",
        ),
        "it": (
            "{studio}: i tuoi punti",
            "Ciao {client_first_name},\n\nhai {points} punti, che valgono "
            "{points_value}.\n\n{studio}",
            "{studio}: hai {points} punti ({points_value}).",
        ),
        "en": (
            "{studio}: your points",
            "Hi {client_first_name},\n\nyou have {points} points, worth "
            "{points_value}.\n\n{studio}",
            "{studio}: you have {points} points ({points_value}).",
        ),
    },
    "points_expiring": {
        "es": (
            "{studio}: tus puntos caducan el {expiry_date}",
            "Hola {client_first_name}:\n\n{expiring_points} de tus {points} puntos caducan el "
            "{expiry_date}. Úsalos antes de esa fecha en tu próxima visita o desde la "
            "app.\n\n{studio}",
            "{studio}: {expiring_points} de tus {points} puntos caducan el {expiry_date}.",
        ),
        "it": (
            "{studio}: i tuoi punti scadono il {expiry_date}",
            "Ciao {client_first_name},\n\n{expiring_points} dei tuoi {points} punti scadono il "
            "{expiry_date}. Usali entro quella data alla prossima visita o dall'app."
            "\n\n{studio}",
            "{studio}: {expiring_points} dei tuoi {points} punti scadono il {expiry_date}.",
        ),
        "en": (
            "{studio}: your points expire on {expiry_date}",
            "Hi {client_first_name},\n\n{expiring_points} of your {points} points expire on "
            "{expiry_date}. Use them before then, on your next visit or in the app."
            "\n\n{studio}",
            "{studio}: {expiring_points} of your {points} points expire on {expiry_date}.",
        ),
    },
}


MONTHS: Mapping[str, tuple[str, ...]] = {
    "es": (
        "enero", "febrero", "marzo", "abril", "mayo", "junio",
        "julio", "agosto", "septiembre", "octubre", "noviembre", "diciembre",
    ),
    "it": (
        "gennaio", "febbraio", "marzo", "aprile", "maggio", "giugno",
        "luglio", "agosto", "settembre", "ottobre", "novembre", "dicembre",
    ),
    "en": (
        "January", "February", "March", "April", "May", "June",
        "July", "August", "September", "October", "November", "December",
    ),
}  # fmt: skip


def date_text(day: date, language: str) -> str:
    """A date as the client reads it, with the month's name (never 03/04: which is it?)."""
    language = language_of(language)
    month = MONTHS[language][day.month - 1]
    if language == "es":
        return f"{day.day} de {month} de {day.year}"
    return f"{day.day} {month} {day.year}"


def language_of(*candidates: str | None) -> str:
    """The first supported language among the candidates (client's, then studio's)."""
    for candidate in candidates:
        code = (candidate or "").strip().lower()[:2]
        if code in LANGUAGES:
            return code
    return FALLBACK_LANGUAGE


def default_text(key: str, channel: str, language: str) -> Text:
    subject, body, short = _DEFAULTS[key][language_of(language)]
    if channel == "EMAIL":
        return Text(subject=subject or None, body=body or short)
    return Text(subject=None, body=short)


def spec_of(key: str) -> TemplateSpec:
    try:
        return SPECS[key]
    except KeyError:
        known = ", ".join(sorted(SPECS))
        raise TemplateError(
            f"unknown template {key!r}; known templates: {known}", "UNKNOWN_TEMPLATE"
        ) from None


def placeholders_in(text: str) -> list[str]:
    """The placeholder names a text uses, refusing anything but plain `{name}`."""
    try:
        parsed = list(string.Formatter().parse(text))
    except ValueError as exc:
        raise TemplateError(
            f"the braces do not match ({exc}); write {{{{ for a literal brace"
        ) from exc
    names: list[str] = []
    for _, name, spec, conversion in parsed:
        if name is None:
            continue
        if not name.isidentifier() or spec or conversion:
            raise TemplateError(
                f"{{{name}{'!' + conversion if conversion else ''}"
                f"{':' + spec if spec else ''}}} is not a placeholder; use {{name}}"
            )
        names.append(name)
    return names


def check_slot(key: str, channel: str, language: str) -> TemplateSpec:
    """The spec of a template the studio may write: a known key, one of its channels, an
    offered language."""
    spec = spec_of(key)
    if channel not in spec.channels:
        raise TemplateError(
            f"template {key!r} is not sent by {channel}; channels: {', '.join(spec.channels)}",
            "BAD_CHANNEL",
        )
    if language not in LANGUAGES:
        raise TemplateError(
            f"language {language!r} is not offered; use one of es, it, en", "BAD_LANGUAGE"
        )
    return spec


def validate(key: str, channel: str, language: str, subject: str | None, body: str) -> Text:
    """Check a template a studio wants to save; returns it with legacy codes translated."""
    spec = check_slot(key, channel, language)
    for code, placeholder in LEGACY_CODES.items():
        body = body.replace(code, placeholder)
        subject = subject.replace(code, placeholder) if subject is not None else None
    if not body.strip():
        raise TemplateError("the body must not be empty")
    if subject is not None and channel != "EMAIL":
        raise TemplateError(f"only e-mail templates have a subject, not {channel}")
    for text in (subject or "", body):
        unknown = sorted(set(placeholders_in(text)) - spec.placeholders)
        if unknown:
            raise TemplateError(
                f"unknown placeholder {', '.join('{' + u + '}' for u in unknown)} in "
                f"{key!r}; allowed: {', '.join('{' + p + '}' for p in sorted(spec.placeholders))}",
                "UNKNOWN_PLACEHOLDER",
            )
    return Text(subject=subject.strip() if subject else None, body=body)


def render(text: Text, values: Mapping[str, object]) -> Text:
    """Fill a template in; a placeholder with no value yet renders as an empty string."""
    filled = {name: "" if values.get(name) is None else str(values[name]) for name in _all_in(text)}
    return Text(
        subject=text.subject.format_map(filled) if text.subject else None,
        body=text.body.format_map(filled),
    )


def _all_in(text: Text) -> set[str]:
    return set(placeholders_in(text.subject or "")) | set(placeholders_in(text.body))
