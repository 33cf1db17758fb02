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

# Why a FAILED import stopped (`ImportJob.failureCode`), over its `failureParams`.
IMPORT_FAILURES: dict[str, dict[str, str]] = {
    "STOPPED": {
        "en": "the import stopped before the end of the file; the {processed} rows processed "
        "(of {total}) are kept: import the file again to add the rest (rows already imported "
        "are reported as duplicates)",
        "es": "la importación se detuvo antes del final del archivo; se conservan las "
        "{processed} filas procesadas (de {total}): importa el archivo de nuevo para añadir el "
        "resto (las filas ya importadas se indican como duplicadas)",
        "it": "l'importazione si è fermata prima della fine del file; le {processed} righe "
        "elaborate (su {total}) restano: importa di nuovo il file per aggiungere il resto (le "
        "righe già importate risultano duplicate)",
    },
    "INTERNAL_ERROR": {
        "en": "the import stopped because of an internal error; the {processed} rows processed "
        "(of {total}) are kept",
        "es": "la importación se detuvo por un error interno; se conservan las {processed} "
        "filas procesadas (de {total})",
        "it": "l'importazione si è fermata per un errore interno; le {processed} righe "
        "elaborate (su {total}) restano",
    },
}
