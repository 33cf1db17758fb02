"""The crm context's words (`plumbing.i18n`): the labels its timeline lines show
(statuses, channels, yes/no, the studio's word for a rank) and its refusals' templates.
A status nobody listed shows as it came (a billing partner's own word)."""

from __future__ import annotations

from collections.abc import Mapping

# The refusals of this context: code -> language -> template over `params`.
MESSAGES: dict[str, dict[str, str]] = {
    "OVERPAID": {
        "en": "payments ({paid}) exceed the total ({total})",
        "es": "los pagos ({paid}) superan el total ({total})",
        "it": "i pagamenti ({paid}) superano il totale ({total})",
    },
    "UNKNOWN_BOOKING": {
        "en": "unknown booking {id}",
        "es": "reserva desconocida: {id}",
        "it": "prenotazione sconosciuta: {id}",
    },
    # Facts pushed by partners and the app.
    "BAD_KIND": {
        "en": "unknown app event kind {value} (one of {choices})",
        "es": "tipo de evento de la app desconocido: {value} (uno de {choices})",
        "it": "tipo di evento dell'app sconosciuto: {value} (uno di {choices})",
    },
    "BAD_STATUS": {
        "en": "unknown booking status {value} (one of {choices})",
        "es": "estado de reserva desconocido: {value} (uno de {choices})",
        "it": "stato di prenotazione sconosciuto: {value} (uno di {choices})",
    },
}

# status -> (en, es, it): memberships and credits as billing partners report them.
STATUSES: dict[str, tuple[str, str, str]] = {
    "ACTIVE": ("active", "activa", "attiva"),
    "PAUSED": ("paused", "en pausa", "in pausa"),
    "EXPIRED": ("expired", "caducada", "scaduta"),
    "CANCELLED": ("cancelled", "cancelada", "annullata"),
    "VOID": ("void", "anulada", "annullata"),
    "PENDING": ("pending", "pendiente", "in attesa"),
    "AVAILABLE": ("available", "disponible", "disponibile"),
    "IN_USE": ("in use", "en uso", "in uso"),
    "USED": ("used", "usada", "usata"),
}

CHANNELS: dict[str, tuple[str, str, str]] = {
    "EMAIL": ("email", "email", "email"),
    "SMS": ("SMS", "SMS", "SMS"),
    "PUSH": ("app notification", "notificación de la app", "notifica dell'app"),
    "WHATSAPP": ("WhatsApp", "WhatsApp", "WhatsApp"),
}

YES_NO = {True: ("on", "activada", "attivata"), False: ("off", "desactivada", "disattivata")}

# The studio's word (the ranks program's terminology) in the timeline's phrases:
# terminology -> (en, es, it).
RANK_ASSIGNED: dict[str, tuple[str, str, str]] = {
    "BELTS": ("Belt assigned", "Cinturón asignado", "Cintura assegnata"),
    "RANKINGS": ("Rank assigned", "Ranking asignado", "Livello assegnato"),
    "CHALLENGES": ("Challenge assigned", "Desafío asignado", "Sfida assegnata"),
}
STRIPE: dict[str, tuple[str, str, str]] = {
    "BELTS": ("stripe", "grado", "grado"),
    "RANKINGS": ("level", "nivel", "gradino"),
    "CHALLENGES": ("milestone", "hito", "traguardo"),
}
SESSION = ("session", "sesión", "sessione")

LANGUAGES = ("en", "es", "it")


def word(table: Mapping[str, tuple[str, str, str]], key: object, language: str) -> str:
    """`key`'s word in `language`; a key nobody listed as it came."""
    words = table.get(str(key).upper()) if key is not None else None
    if words is None:
        return "?" if key is None else str(key)
    return words[LANGUAGES.index(language) if language in LANGUAGES else 0]


def terminology_word(
    table: Mapping[str, tuple[str, str, str]], terminology: object, language: str
) -> str:
    """The phrase of the studio's terminology (belts when the event names none)."""
    key = str(terminology or "BELTS").upper()
    return word(table, key if key in table else "BELTS", language)
