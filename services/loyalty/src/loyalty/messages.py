"""The loyalty context's messages (`plumbing.i18n`): code -> language -> template over
the refusal's `params`. Codes without an entry read the shared and common sentences."""

from __future__ import annotations

MESSAGES: dict[str, dict[str, str]] = {
    "INSUFFICIENT_POINTS": {
        "en": "the client has {balance} points; {points} cannot be taken",
        "es": "el cliente tiene {balance} puntos; no se pueden descontar {points}",
        "it": "il cliente ha {balance} punti; non se ne possono togliere {points}",
    },
    "POINTS_LIMIT": {
        "en": "the client has {balance} points: {points} more would pass the maximum of {maximum}",
        "es": "el cliente tiene {balance} puntos: {points} más superarían el máximo de {maximum}",
        "it": "il cliente ha {balance} punti: altri {points} supererebbero il massimo di {maximum}",
    },
    "ALREADY_REDEEMED": {
        "en": "points already paid for invoice {invoice}",
        "es": "la factura {invoice} ya se pagó con puntos",
        "it": "la fattura {invoice} è già stata pagata con punti",
    },
    "CLIENT_NOT_FOUND": {
        "en": "no client {id} in this studio",
        "es": "no hay ningún cliente {id} en este estudio",
        "it": "nessun cliente {id} in questo studio",
    },
    "BAD_EXPIRY_DAYS": {
        "en": "{field} must be between 1 and {maximum} days",
        "es": "{field} debe estar entre 1 y {maximum} días",
        "it": "{field} deve essere tra 1 e {maximum} giorni",
    },
    "BAD_AMOUNT": {
        "en": "{amount} is not a whole number of points (one point is worth {point_value})",
        "es": "{amount} no es un número entero de puntos (un punto vale {point_value})",
        "it": "{amount} non è un numero intero di punti (un punto vale {point_value})",
    },
    "BAD_DAYS": {
        "en": "days must be zero or more, not {days}",
        "es": "los días deben ser cero o más, no {days}",
        "it": "i giorni devono essere zero o più, non {days}",
    },
}
