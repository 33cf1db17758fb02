"""Demo data of the notifications context: a studio's own wording of three templates
(the appointment reminder with the old `$CLIPOINTS$` code, L10) and a few messages sent from client cards (they land in the local SMTP and webhook sinks).

The appointment reminders go out by themselves (L10): the demo keeps them on, 24 hours
ahead, and the day's booked sessions (`demo/crm.py`) get theirs from the notifications
job (`studioctl run-job appointment_reminders --service notifications` runs it now), in
the studio's wording below, with the client's points."""

from __future__ import annotations

from studio_admin.demo.state import DemoState
from studio_admin.graph import Graph

UPDATE = """
mutation($key: String!, $channel: Channel!, $language: String!, $subject: String, $body: String!) {
  updateNotificationTemplate(key: $key, channel: $channel, language: $language,
                             subject: $subject, body: $body) {
    template { key } userErrors { field message code }
  }
}
"""
REMINDERS = """
mutation { setAppointmentReminders(enabled: true, hoursBefore: 24) { userErrors { code } } }
"""
SEND = """
mutation($id: ID!, $key: String!, $channel: Channel) {
  sendClientMessage(clientId: $id, templateKey: $key, channel: $channel) {
    accepted userErrors { message code }
  }
}
"""

TEMPLATES: list[tuple[str, str, str, str | None, str]] = [
    (
        "rank_eligible_client",
        "EMAIL",
        "es",
        "{studio}: ¡a por {next_rank}!",
        "Hola {client_first_name}:\n\nYa cumples los requisitos de {category} para tu próximo "
        "{rank_word}: {next_rank}. Habla con tu sensei en la próxima clase.\n\n"
        "Tienes {points} puntos.\n\n{studio}",
    ),
    (
        "payment_reminder",
        "SMS",
        "es",
        None,
        "{studio}: hola {client_first_name}, tienes una cuota pendiente. ¡Gracias!",
    ),
    (
        "appointment_reminder",
        "SMS",
        "es",
        None,
        "$CENTRO$: $CLINOMBRE$, te esperamos en tu próxima cita. Tienes $CLIPOINTS$ puntos.",
    ),
]

# (client, template, channel or None for the first channel that works)
MESSAGES: list[tuple[str, str, str | None]] = [
    ("Ana García", "booking_invitation", "EMAIL"),
    ("Javier Martínez", "payment_reminder", "SMS"),
    ("Marco Rossi", "points_balance", None),
    ("Ana García", "appointment_reminder", "SMS"),
]


def fill(graph: Graph, state: DemoState) -> None:
    for key, channel, language, subject, body in TEMPLATES:
        graph(
            UPDATE,
            {
                "key": key,
                "channel": channel,
                "language": language,
                "subject": subject,
                "body": body,
            },
        )
    graph(REMINDERS, {})
    for name, key, chosen in MESSAGES:
        client_id = state.client_ids.get(name)
        if client_id is None:
            continue
        # The card may not have reached notifications yet; a refusal is not fatal here.
        graph(SEND, {"id": client_id, "key": key, "channel": chosen})
