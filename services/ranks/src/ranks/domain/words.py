"""The words a studio chose (Belts, Rankings, Challenges), in es, it and en.

Every label and message of this context is built here, so the choice of word and the
language are applied in one place. Unknown languages fall back to English.
"""

from __future__ import annotations

from dataclasses import dataclass

from ranks.domain.categories import Terminology


@dataclass(frozen=True)
class Labels:
    singular: str
    plural: str
    tracking: str
    report: str
    # The sub-ranks earned within a rank (a belt's stripes).
    stripe: str
    stripes: str


LABELS: dict[str, dict[Terminology, Labels]] = {
    "en": {
        Terminology.BELTS: Labels(
            "belt", "belts", "Belt tracking", "Belt report", "stripe", "stripes"
        ),
        Terminology.RANKINGS: Labels(
            "rank", "ranks", "Client rankings", "Rankings report", "level", "levels"
        ),
        Terminology.CHALLENGES: Labels(
            "challenge", "challenges", "Challenges", "Challenges report", "milestone", "milestones"
        ),
    },
    "es": {
        Terminology.BELTS: Labels(
            "cinturón",
            "cinturones",
            "Seguimiento de cinturones",
            "Informe de cinturones",
            "grado",
            "grados",
        ),
        Terminology.RANKINGS: Labels(
            "ranking", "rankings", "Rankings de clientes", "Informe de rankings", "nivel", "niveles"
        ),
        Terminology.CHALLENGES: Labels(
            "desafío", "desafíos", "Desafíos", "Informe de desafíos", "hito", "hitos"
        ),
    },
    "it": {
        Terminology.BELTS: Labels(
            "cintura",
            "cinture",
            "Monitoraggio delle cinture",
            "Report delle cinture",
            "grado",
            "gradi",
        ),
        Terminology.RANKINGS: Labels(
            "livello",
            "livelli",
            "Classifiche dei clienti",
            "Report delle classifiche",
            "gradino",
            "gradini",
        ),
        Terminology.CHALLENGES: Labels(
            "sfida", "sfide", "Sfide", "Report delle sfide", "traguardo", "traguardi"
        ),
    },
}

# {one}/{many}: the chosen word, singular/plural; {stripe}/{stripes}: its sub-ranks.
# Other fields come from the refusal.
MESSAGES: dict[str, dict[str, str]] = {
    "en": {
        "PROGRAM_DISABLED": "{tracking} is turned off for this studio",
        "BAD_NAME": "a name needs 1 to {maximum} characters",
        "BAD_NOTE": "a note has at most {maximum} characters",
        "BAD_CRITERION": "{field} must be between 1 and {maximum}",
        "BAD_POSITION": "position must be between 1 and {maximum}",
        "BAD_ROLE": "only staff roles (OWNER, ADMIN, OPERATOR) can be notified",
        "DUPLICATE_RANK": "this category already has a {one} named {name}",
        "DUPLICATE_CATEGORY": "a category named {name} already exists",
        "UNKNOWN_RANK": "unknown {one}",
        "UNKNOWN_CATEGORY": "unknown category",
        "UNKNOWN_CLIENT": "unknown client",
        "RANK_HELD": "clients hold the {one} {names}: assign them another {one} first",
        "SAME_RANK": "the client already holds the {one} {name}",
        "NO_RANK": "the client holds no {one} in {category}: assign one first",
        "HIGHEST": "the client already holds the highest {one} of this category",
        "LOWEST": "the client already holds the first {one} of this category",
        "CATEGORY_ARCHIVED": "the category {name} is archived",
        "BAD_SKILLS": "at most {maximum} different skills, each 1 to {length} characters",
        "UNKNOWN_SKILL": "the next {one} asks for no skill named {skill}",
        "BAD_STRIPES": "a {one} has at most {maximum} {stripes}",
        "STRIPES_HELD": "clients hold {stripe} {held} of {name}: take it from them first",
        "NO_STRIPES": "{name} has no {stripes}",
        "ALL_STRIPES_HELD": "the client already holds every {stripe} of {name}",
        "NO_STRIPE_HELD": "the client holds no {stripe} of {name}",
        "SINCE_NOT_ALLOWED": "since dates only a first {one} in {category}: the client "
        "already holds one there",
        "FUTURE_TIME": "since cannot be in the future",
        "NAIVE_TIME": "since needs a time zone offset (e.g. 2026-01-15T10:00:00+01:00)",
    },
    "es": {
        "PROGRAM_DISABLED": "{tracking} está desactivado en este estudio",
        "BAD_NAME": "un nombre necesita de 1 a {maximum} caracteres",
        "BAD_NOTE": "una nota tiene como máximo {maximum} caracteres",
        "BAD_CRITERION": "{field} debe estar entre 1 y {maximum}",
        "BAD_POSITION": "la posición debe estar entre 1 y {maximum}",
        "BAD_ROLE": "solo se puede avisar a roles del personal (OWNER, ADMIN, OPERATOR)",
        "DUPLICATE_RANK": "esta categoría ya tiene un {one} llamado {name}",
        "DUPLICATE_CATEGORY": "ya existe una categoría llamada {name}",
        "UNKNOWN_RANK": "{one} desconocido",
        "UNKNOWN_CATEGORY": "categoría desconocida",
        "UNKNOWN_CLIENT": "cliente desconocido",
        "RANK_HELD": "hay clientes con el {one} {names}: asígnales otro {one} antes",
        "SAME_RANK": "el cliente ya tiene el {one} {name}",
        "NO_RANK": "el cliente no tiene ningún {one} en {category}: asígnale uno antes",
        "HIGHEST": "el cliente ya tiene el {one} más alto de esta categoría",
        "LOWEST": "el cliente ya tiene el primer {one} de esta categoría",
        "CATEGORY_ARCHIVED": "la categoría {name} está archivada",
        "BAD_SKILLS": "como máximo {maximum} habilidades distintas, cada una de 1 a {length} caracteres",
        "UNKNOWN_SKILL": "el siguiente {one} no pide ninguna habilidad llamada {skill}",
        "BAD_STRIPES": "un {one} tiene como máximo {maximum} {stripes}",
        "STRIPES_HELD": "hay clientes con el {stripe} {held} de {name}: quítaselo antes",
        "NO_STRIPES": "{name} no tiene {stripes}",
        "ALL_STRIPES_HELD": "el cliente ya tiene todos los {stripes} de {name}",
        "NO_STRIPE_HELD": "el cliente no tiene ningún {stripe} de {name}",
        "SINCE_NOT_ALLOWED": "since solo fecha el primer {one} en {category}: el "
        "cliente ya tiene uno allí",
        "FUTURE_TIME": "since no puede estar en el futuro",
        "NAIVE_TIME": "since necesita la zona horaria (p. ej. 2026-01-15T10:00:00+01:00)",
    },
    "it": {
        "PROGRAM_DISABLED": "{tracking}: funzione disattivata per questo studio",
        "BAD_NAME": "un nome richiede da 1 a {maximum} caratteri",
        "BAD_NOTE": "una nota ha al massimo {maximum} caratteri",
        "BAD_CRITERION": "{field} deve essere tra 1 e {maximum}",
        "BAD_POSITION": "la posizione deve essere tra 1 e {maximum}",
        "BAD_ROLE": "si possono avvisare solo ruoli dello staff (OWNER, ADMIN, OPERATOR)",
        "DUPLICATE_RANK": "questa categoria ha già una {one} chiamata {name}",
        "DUPLICATE_CATEGORY": "esiste già una categoria chiamata {name}",
        "UNKNOWN_RANK": "{one} sconosciuta",
        "UNKNOWN_CATEGORY": "categoria sconosciuta",
        "UNKNOWN_CLIENT": "cliente sconosciuto",
        "RANK_HELD": "alcuni clienti hanno la {one} {names}: assegnate loro un'altra {one} prima",
        "SAME_RANK": "il cliente ha già la {one} {name}",
        "NO_RANK": "il cliente non ha nessuna {one} in {category}: assegnatene una prima",
        "HIGHEST": "il cliente ha già la {one} più alta di questa categoria",
        "LOWEST": "il cliente ha già la prima {one} di questa categoria",
        "CATEGORY_ARCHIVED": "la categoria {name} è archiviata",
        "BAD_SKILLS": "al massimo {maximum} abilità diverse, ognuna da 1 a {length} caratteri",
        "UNKNOWN_SKILL": "la prossima {one} non richiede nessuna abilità chiamata {skill}",
        "BAD_STRIPES": "ogni {one} ha al massimo {maximum} {stripes}",
        "STRIPES_HELD": "alcuni clienti hanno il {stripe} {held} di {name}: toglieteglielo prima",
        "NO_STRIPES": "{name} non ha {stripes}",
        "ALL_STRIPES_HELD": "il cliente ha già tutti i {stripes} di {name}",
        "NO_STRIPE_HELD": "il cliente non ha nessun {stripe} di {name}",
        "SINCE_NOT_ALLOWED": "since data solo la prima {one} in {category}: il "
        "cliente ne ha già una",
        "FUTURE_TIME": "since non può essere nel futuro",
        "NAIVE_TIME": "since richiede il fuso orario (es. 2026-01-15T10:00:00+01:00)",
    },
}


def language_of(language: str | None) -> str:
    base = (language or "en").split("-")[0].lower()
    return base if base in LABELS else "en"


def labels(terminology: Terminology, language: str | None) -> Labels:
    return LABELS[language_of(language)][terminology]


def catalog(terminology: Terminology) -> dict[str, dict[str, str]]:
    """`MESSAGES` with the studio's chosen word filled in, as a `plumbing.i18n` catalog
    (its other names are the refusal's `params`)."""
    filled: dict[str, dict[str, str]] = {}
    for lang, templates in MESSAGES.items():
        words = LABELS[lang][terminology]
        values = _Keep(
            one=words.singular,
            many=words.plural,
            tracking=words.tracking,
            stripe=words.stripe,
            stripes=words.stripes,
        )
        for code, template in templates.items():
            filled.setdefault(code, {})[lang] = template.format_map(values)
    return filled


class _Keep(dict[str, str]):
    """Leaves a name it does not hold as it was (`{name}`), for the next format."""

    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


def message(code: str, terminology: Terminology, language: str | None, **args: object) -> str:
    lang = language_of(language)
    words = LABELS[lang][terminology]
    template = MESSAGES[lang].get(code) or MESSAGES["en"].get(code) or code
    values = {
        "one": words.singular,
        "many": words.plural,
        "tracking": words.tracking,
        "stripe": words.stripe,
        "stripes": words.stripes,
        **args,
    }
    try:
        return template.format(**values)
    except (KeyError, IndexError):
        return template
