"""C9: a human summary of any event, in the reader's language (es, it, en), with the
studio's words: its currency, its terminology for ranks, its services by name.

Readers are tolerant: a field that is missing shows as a neutral word, and an event type
nobody taught this module yet gets a generic sentence built from its name.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from plumbing.i18n import money

from crm.messages import (
    CHANNELS,
    LANGUAGES,
    RANK_ASSIGNED,
    STATUSES,
    STRIPE,
    YES_NO,
    terminology_word,
    word,
)

# Facts about the studio's own work on a client (its notes, tasks, funnel, bounced
# messages): shown to staff, left out of the timeline the client or a partner reads, as
# the card's `notes` are.
STAFF_ONLY = frozenset(
    {
        "note_added",
        "task_created",
        "task_completed",
        "client_moved_in_funnel",
        "notification_bounced",
    }
)

# fact -> language -> template over the event's data (str.format_map, missing -> "?")
TEMPLATES: dict[str, dict[str, str]] = {
    "client_created": {
        "en": "Client card created for {first_name} {last_name}",
        "es": "Ficha de cliente creada para {first_name} {last_name}",
        "it": "Scheda cliente creata per {first_name} {last_name}",
    },
    "client_updated": {
        "en": "Client card updated ({changed})",
        "es": "Ficha de cliente actualizada ({changed})",
        "it": "Scheda cliente aggiornata ({changed})",
    },
    "note_added": {
        "en": "Note added: {text}",
        "es": "Nota añadida: {text}",
        "it": "Nota aggiunta: {text}",
    },
    "preferences_changed": {
        "en": "Communication preference {category}/{channel} set to {enabled}",
        "es": "Preferencia de comunicación {category}/{channel}: {enabled}",
        "it": "Preferenza di comunicazione {category}/{channel}: {enabled}",
    },
    # {session}: the service's name when known, else "session S1" (`_session`).
    "session_scheduled": {
        "en": "Scheduled {session}",
        "es": "Programada {session}",
        "it": "Programmata {session}",
    },
    "booking_made": {
        "en": "Booked {session}{via_app}",
        "es": "Reserva de {session}{via_app}",
        "it": "Prenotazione per {session}{via_app}",
    },
    "booking_cancelled": {
        "en": "Booking for {session} cancelled",
        "es": "Reserva de {session} cancelada",
        "it": "Prenotazione per {session} cancellata",
    },
    "waitlist_joined": {
        "en": "Joined the waitlist of {session}",
        "es": "En lista de espera de {session}",
        "it": "In coda per {session}",
    },
    "waitlist_converted": {
        "en": "Waitlist place for {session} turned into a booking",
        "es": "La espera de {session} se convirtió en reserva",
        "it": "La coda per {session} è diventata una prenotazione",
    },
    "visit_recorded": {
        "en": "Visit recorded",
        "es": "Asistencia registrada",
        "it": "Presenza registrata",
    },
    "purchase_recorded": {
        "en": "Purchase {invoice_number}: {total}{due}",
        "es": "Compra {invoice_number}: {total}{due}",
        "it": "Acquisto {invoice_number}: {total}{due}",
    },
    "purchase_refunded": {
        "en": "Purchase {invoice_number} refunded",
        "es": "Compra {invoice_number} reembolsada",
        "it": "Acquisto {invoice_number} rimborsato",
    },
    "membership_reported": {
        "en": "Membership {plan}: {status}",
        "es": "Cuota {plan}: {status}",
        "it": "Quota {plan}: {status}",
    },
    "membership_next_payment_set": {
        "en": "Next payment of membership {membership_id} moved to {next_payment_on}",
        "es": "Próximo pago de la cuota {membership_id} movido al {next_payment_on}",
        "it": "Prossimo pagamento della quota {membership_id} spostato al {next_payment_on}",
    },
    "gift_card_reported": {
        "en": "Gift card {code}: balance {balance}",
        "es": "Tarjeta regalo {code}: saldo {balance}",
        "it": "Carta regalo {code}: saldo {balance}",
    },
    "app_session_started": {
        "en": "Opened the app ({platform})",
        "es": "Abrió la app ({platform})",
        "it": "Ha aperto l'app ({platform})",
    },
    "app_logged_out": {
        "en": "Logged out of the app",
        "es": "Cerró sesión en la app",
        "it": "Si è disconnesso dall'app",
    },
    "notification_bounced": {
        "en": "A notification bounced ({reason})",
        "es": "Una notificación fue devuelta ({reason})",
        "it": "Una notifica è tornata indietro ({reason})",
    },
    "task_created": {
        "en": "Task created: {title}",
        "es": "Tarea creada: {title}",
        "it": "Compito creato: {title}",
    },
    "task_completed": {
        "en": "Task completed: {title}",
        "es": "Tarea completada: {title}",
        "it": "Compito completato: {title}",
    },
    "client_moved_in_funnel": {
        "en": "Moved to stage {stage_name} of funnel {funnel_name}",
        "es": "Movido a la etapa {stage_name} del embudo {funnel_name}",
        "it": "Spostato nella fase {stage_name} dell'imbuto {funnel_name}",
    },
    # {assigned}, {stripe}: in the studio's terminology (belts, rankings, challenges).
    "rank_assigned": {
        "en": "{assigned}: {rank}",
        "es": "{assigned}: {rank}",
        "it": "{assigned}: {rank}",
    },
    "client_promoted": {
        "en": "Promoted to {rank}",
        "es": "Promocionado a {rank}",
        "it": "Promosso a {rank}",
    },
    "client_demoted": {
        "en": "Demoted to {rank}",
        "es": "Bajado a {rank}",
        "it": "Retrocesso a {rank}",
    },
    "stripe_awarded": {
        "en": "{rank}: {stripe_word} {stripes} of {stripes_in_rank}",
        "es": "{rank}: {stripe_word} {stripes} de {stripes_in_rank}",
        "it": "{rank}: {stripe_word} {stripes} di {stripes_in_rank}",
    },
    "stripe_removed": {
        "en": "{rank}: back to {stripe_word} {stripes} of {stripes_in_rank}",
        "es": "{rank}: vuelve al {stripe_word} {stripes} de {stripes_in_rank}",
        "it": "{rank}: torna al {stripe_word} {stripes} di {stripes_in_rank}",
    },
    "stripe_eligible": {
        "en": "{rank}: eligible for {stripe_word} {stripe} of {stripes_in_rank}",
        "es": "{rank}: apto para el {stripe_word} {stripe} de {stripes_in_rank}",
        "it": "{rank}: idoneo per il {stripe_word} {stripe} di {stripes_in_rank}",
    },
    "client_eligible": {
        "en": "Eligible for {rank}",
        "es": "Apto para {rank}",
        "it": "Idoneo per {rank}",
    },
    "points_earned": {
        "en": "Earned {points} points",
        "es": "Ganó {points} puntos",
        "it": "Ha guadagnato {points} punti",
    },
    "points_redeemed": {
        "en": "Redeemed {points} points",
        "es": "Canjeó {points} puntos",
        "it": "Ha usato {points} punti",
    },
    "points_granted": {
        "en": "Granted {points} points",
        "es": "Recibió {points} puntos",
        "it": "Ha ricevuto {points} punti",
    },
    "points_deducted": {
        "en": "{points} points deducted",
        "es": "Se descontaron {points} puntos",
        "it": "Detratti {points} punti",
    },
    "points_expired": {
        "en": "{points} points expired",
        "es": "Caducaron {points} puntos",
        "it": "Sono scaduti {points} punti",
    },
    "points_reversed": {
        "en": "{points} points reversed",
        "es": "Se revirtieron {points} puntos",
        "it": "Stornati {points} punti",
    },
    "message_sent": {
        "en": "Message sent by {channel}",
        "es": "Mensaje enviado por {channel}",
        "it": "Messaggio inviato via {channel}",
    },
}

GENERIC = {
    "en": "{context}: {fact}",
    "es": "{context}: {fact}",
    "it": "{context}: {fact}",
}
VIA_APP = {"en": " from the app", "es": " desde la app", "it": " dall'app"}
SESSION = {"en": "session {id}", "es": "la sesión {id}", "it": "la sessione {id}"}
DUE = {"en": ", {amount} owed", "es": ", {amount} pendiente", "it": ", {amount} da pagare"}


class _Tolerant(dict[str, Any]):
    def __missing__(self, key: str) -> str:
        return "?"


def _fields(
    fact: str, data: Mapping[str, Any], language: str, currency: str, services: Mapping[str, str]
) -> _Tolerant:
    fields = _Tolerant({k: v for k, v in data.items() if isinstance(v, str | int | float | bool)})
    fields["via_app"] = VIA_APP[language] if data.get("from_app") else ""
    if data.get("session_id") or data.get("service_name"):
        fields["session"] = _session(data, language, services)
    if fact == "client_updated":
        fields["changed"] = ", ".join(sorted(dict(data.get("changes") or {}))) or "-"
    if fact == "purchase_recorded":
        total = sum(
            (
                Decimal(str(_num(line.get("amount"))))
                for line in data.get("lines") or []
                if isinstance(line, dict)
            ),
            Decimal(0),
        )
        fields["total"] = money(total, currency, language)
        due = _num(data.get("amount_due"))
        owed = money(due, currency, language)
        fields["due"] = DUE[language].format(amount=owed) if due > 0 else ""
    if fact == "gift_card_reported":
        balance = _num(data.get("balance"))
        fields["balance"] = money(balance, data.get("currency") or currency, language)
    if "status" in data:
        fields["status"] = word(STATUSES, data.get("status"), language)
    if "enabled" in data:
        fields["enabled"] = YES_NO[bool(data["enabled"])][LANGUAGES.index(language)]
    if "channel" in data:
        fields["channel"] = word(CHANNELS, data.get("channel"), language)
    terminology = data.get("terminology")
    fields["assigned"] = terminology_word(RANK_ASSIGNED, terminology, language)
    fields["stripe_word"] = terminology_word(STRIPE, terminology, language)
    for rank_field in ("rank_name", "to_rank_name", "rank"):
        if data.get(rank_field):
            fields["rank"] = data[rank_field]
            break
    if "points" not in fields and data.get("amount") is not None:
        fields["points"] = data["amount"]
    return fields


def _num(value: Any) -> float:
    try:
        return float(value)
    except (TypeError, ValueError):
        return 0.0


def _session(data: Mapping[str, Any], language: str, services: Mapping[str, str]) -> str:
    """The service a session is of, by name; "session S1" when no name is known."""
    session_id = str(data.get("session_id") or "")
    name = data.get("service_name") or services.get(session_id)
    if name:
        return str(name)
    return SESSION[language].format(id=session_id or "?")


def summarise(
    event_type: str,
    data: Mapping[str, Any],
    language: str,
    *,
    currency: str = "EUR",
    services: Mapping[str, str] | None = None,
) -> str:
    """`ingest.booking_made.v1` + data -> "Reserva de la sesión S1 desde la app": in
    `language`, amounts in `currency` (the studio's), sessions by the name of their
    service (`services`: session id -> service name) when known."""
    lang = language if language in LANGUAGES else "en"
    parts = event_type.split(".")
    context, fact = (parts[0], parts[1]) if len(parts) >= 2 else (event_type, event_type)
    template = TEMPLATES.get(fact, GENERIC)[lang]
    fields = _fields(fact, data, lang, currency, services or {})
    fields.setdefault("context", context)
    fields.setdefault("fact", fact.replace("_", " "))
    return template.format_map(fields)
