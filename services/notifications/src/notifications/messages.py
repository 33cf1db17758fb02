"""The notifications context's messages (`plumbing.i18n`): why a message was withheld or
not delivered (`ClientMessage.reasonCode`), code -> language -> template over `params`."""

from __future__ import annotations

MESSAGES: dict[str, dict[str, str]] = {
    "SWITCHED_OFF": {
        "en": "the client switched off {category} messages by {channel}",
        "es": "el cliente desactivó los mensajes {category} por {channel}",
        "it": "il cliente ha disattivato i messaggi {category} via {channel}",
    },
    "NO_ADDRESS": {
        "en": "no {channel} address on file",
        "es": "no hay dirección {channel} registrada",
        "it": "nessun indirizzo {channel} registrato",
    },
    "BAD_HOURS": {
        "en": "hours before must be between {min} and {max}",
        "es": "las horas de antelación deben estar entre {min} y {max}",
        "it": "le ore di anticipo devono essere tra {min} e {max}",
    },
    "NOT_DELIVERED": {
        "en": "not delivered after {attempts} attempts: {error}",
        "es": "no entregado tras {attempts} intentos: {error}",
        "it": "non consegnato dopo {attempts} tentativi: {error}",
    },
}
