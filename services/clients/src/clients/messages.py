"""The clients context's messages (`plumbing.i18n`): code -> language -> template over
the message's `params`. Codes without an entry read the common sentences."""

from __future__ import annotations

MESSAGES: dict[str, dict[str, str]] = {
    # Rows of a CSV import (`ImportRowError`).
    "DUPLICATE_ROW": {
        "en": "duplicate: {kind} {value} is also on row {row}",
        "es": "duplicado: {value} también está en la fila {row}",
        "it": "duplicato: {value} è anche nella riga {row}",
    },
    "DUPLICATE_CLIENT": {
        "en": "duplicate: {kind} {value} belongs to client {client}",
        "es": "duplicado: {value} ya pertenece a otro cliente",
        "it": "duplicato: {value} appartiene già a un altro cliente",
    },
    "UNREADABLE_ROW": {
        "en": "a quote opens a cell and is not closed on this row (or a quote inside a cell "
        'is not doubled as ""): fix the quote and import the row again',
        "es": "una comilla abre una celda y no se cierra en esta fila (o una comilla dentro "
        'de una celda no está duplicada como ""): corrige la comilla e importa la fila de nuevo',
        "it": "una virgoletta apre una cella e non si chiude in questa riga (o una virgoletta "
        'dentro una cella non è raddoppiata come ""): correggi e importa di nuovo la riga',
    },
    "TOO_MANY_ROWS": {
        "en": "the file has more than {maximum} rows: split it",
        "es": "el archivo tiene más de {maximum} filas: divídelo",
        "it": "il file ha più di {maximum} righe: dividilo",
    },
    # Cards.
    "DUPLICATE_CHOICE": {
        "en": "choice {value} is listed twice",
        "es": "la opción {value} aparece dos veces",
        "it": "l'opzione {value} compare due volte",
    },
    "TOO_MANY_CHOICES": {
        "en": "a CHOICE field has at most {maximum} choices",
        "es": "un campo CHOICE tiene como máximo {maximum} opciones",
        "it": "un campo CHOICE ha al massimo {maximum} opzioni",
    },
}
