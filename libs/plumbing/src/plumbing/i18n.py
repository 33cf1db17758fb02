"""The language a request is answered in, and the messages it is answered with.

One rule for every subgraph: the request's `Accept-Language` decides, else the
signed-in person's language (the token's `lang` claim), else the studio's; es, it and en
are spoken, anything else reads as English. The language is resolved once per request
(`plumbing.app` builds the request context) and held for the operation by the
`Speaking` extension, so code that builds a message needs no argument for it.

A message is a stable code with parameters (`UserError.code`/`params`, a GraphQL error's
`extensions.code`/`params`); its sentence comes from a catalog: code -> language ->
template over the parameters (`str.format` names). Each context has its own catalog
(`<ctx>/messages.py`, more precise, with parameters) over the common one
(`plumbing.messages`, a sentence without parameters for every code), so a sentence is
always in the request's language even where a context has not written its own. In
English the call site's own sentence stands: it is the one the code was written with
(the English templates are what a sentence reads when no call site gave one).
"""

from __future__ import annotations

import string
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar, Token
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from strawberry.extensions import SchemaExtension

from plumbing.messages import COMMON, WITH_PARAMS

LANGUAGES = ("en", "es", "it")
DEFAULT = "en"

# code -> language -> template
Catalog = Mapping[str, Mapping[str, str]]


def supported(tag: str | None) -> str | None:
    """`es-ES` -> `es`; None for a language not spoken here."""
    base = (tag or "").strip().replace("_", "-").split("-")[0].lower()
    return base if base in LANGUAGES else None


def from_accept_language(header: str | None) -> str | None:
    """The first spoken language of an `Accept-Language` header, by its q-values (RFC 9110
    12.5.4; ties keep the header's order, `*` and `q=0` choose nothing)."""
    ranked: list[tuple[float, int, str]] = []
    for position, part in enumerate((header or "").split(",")):
        tag, _, rest = part.strip().partition(";")
        weight = 1.0
        for parameter in rest.split(";"):
            name, _, value = parameter.strip().partition("=")
            if name.strip().lower() == "q":
                try:
                    weight = float(value)
                except ValueError:
                    weight = 0.0
        language = supported(tag)
        if language and weight > 0:
            ranked.append((-weight, position, language))
    return min(ranked)[2] if ranked else None


def negotiate(accept_language: str | None, person: str | None, studio: str | None) -> str:
    return (
        from_accept_language(accept_language) or supported(person) or supported(studio) or DEFAULT
    )


@dataclass(frozen=True)
class Speech:
    language: str = DEFAULT
    catalog: Catalog = field(default_factory=dict)


_speech: ContextVar[Speech | None] = ContextVar("speech", default=None)


def _current() -> Speech:
    return _speech.get() or Speech()


def current_language() -> str:
    return _current().language


@contextmanager
def speaking(language: str, catalog: Catalog | None = None) -> Iterator[None]:
    """Messages built inside are in `language`, from `catalog` over the common one."""
    token = _speech.set(Speech(supported(language) or DEFAULT, catalog or {}))
    try:
        yield
    finally:
        try:
            _speech.reset(token)
        except ValueError:
            # A subscription's operation ends in another context than the one it began in.
            old = token.old_value
            _speech.set(None if old is Token.MISSING else old)


class Speaking(SchemaExtension):
    """Holds the request's language and the service's catalog (the request context's
    `language` and `messages`) for the whole operation: parsing, validation, variables,
    resolvers and the processing of errors, so a message is in the request's language
    wherever it is built."""

    def on_operation(self) -> Iterator[None]:
        context = self.execution_context.context
        language = getattr(context, "language", None)
        if not isinstance(language, str):
            yield
            return
        with speaking(language, getattr(context, "messages", None)):
            yield


# graphql-core's "Variable '$x' got invalid value" in the other languages (in English the
# gateway rewords it for the caller, naming the field too).
_INVALID_ARGUMENT = {
    "es": "El argumento '{argument}' tiene un valor no válido",
    "it": "L'argomento '{argument}' ha un valore non valido",
}


def invalid_argument(argument: str) -> str | None:
    """ "The argument is invalid" in the request's language; None in English."""
    opening = _INVALID_ARGUMENT.get(current_language())
    return opening.format(argument=argument) if opening else None


def placeholders(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


def catalog_problems(catalog: Catalog) -> list[str]:
    """What is wrong with a catalog: a code without a sentence in each language, or a
    translation naming a parameter the English sentence does not (the English one names
    every parameter its call sites give)."""
    problems: list[str] = []
    for code, texts in catalog.items():
        missing = [lang for lang in LANGUAGES if not texts.get(lang)]
        if missing:
            problems.append(f"{code}: no sentence in {', '.join(missing)}")
            continue
        named = placeholders(texts[DEFAULT])
        for lang in LANGUAGES:
            unknown = placeholders(texts[lang]) - named
            if unknown:
                problems.append(f"{code} ({lang}) names {sorted(unknown)}, which en does not")
    return problems


def _render(template: str | None, values: Mapping[str, str]) -> str | None:
    if template is None or not placeholders(template) <= values.keys():
        return None
    return template.format(**values)


def translate(
    code: str,
    params: Mapping[str, object] | None = None,
    *,
    fallback: str | None = None,
    language: str | None = None,
) -> str:
    """The sentence for `code` in the request's language (or `language`): in English the
    call site's own (`fallback`); else the context's template when its parameters are
    all given, else a shared sentence over the given parameters, else the common one."""
    speech = _current()
    lang = supported(language) or speech.language
    if lang == DEFAULT and fallback:
        return fallback
    values = {name: str(value) for name, value in (params or {}).items()}
    own = _render(speech.catalog.get(code, {}).get(lang), values)
    if own is not None:
        return own
    for variant in WITH_PARAMS.get(code, ()):
        shared = _render(variant[LANGUAGES.index(lang)], values)
        if shared is not None:
            return shared
    common = COMMON.get(code)
    if common is not None:
        return common[LANGUAGES.index(lang)]
    return fallback or code


_SYMBOLS = {"EUR": "€", "USD": "$", "GBP": "£", "CHF": "CHF", "MXN": "MX$", "ARS": "AR$"}


def money(amount: object, currency: str, language: str | None = None) -> str:
    """An amount with its currency, written the language's way: `€1,234.50` in English,
    `1.234,50 €` in Spanish and Italian."""
    lang = supported(language) or current_language()
    try:
        value = Decimal(str(amount)).quantize(Decimal("0.01"))
    except InvalidOperation:
        value = Decimal(0).quantize(Decimal("0.01"))
    written = f"{abs(value):,.2f}"
    symbol = _SYMBOLS.get(currency.upper(), currency.upper())
    sign = "-" if value < 0 else ""
    if lang == "en":
        return f"{sign}{symbol}{written}" if len(symbol) == 1 else f"{sign}{symbol} {written}"
    written = written.replace(",", " ").replace(".", ",").replace(" ", ".")
    return f"{sign}{written} {symbol}"
