"""The request's language, the catalogs, and what a caller reads in es, it and en."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest
import strawberry
from plumbing.auth import principal_from_claims
from plumbing.error_codes import UserErrorCode
from plumbing.gql import SubgraphSchema, UserError, schema_extensions, user_error
from plumbing.i18n import (
    LANGUAGES,
    catalog_problems,
    from_accept_language,
    money,
    negotiate,
    placeholders,
    speaking,
    translate,
)
from plumbing.messages import COMMON, WITH_PARAMS


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("es-ES,es;q=0.9,en;q=0.8", "es"),
        ("it-IT", "it"),
        ("fr-FR,fr;q=0.9,it;q=0.5,es;q=0.4", "it"),  # French is not spoken: the next wins
        ("en;q=0.2, es;q=0.9", "es"),  # by weight, not by position
        ("es;q=0, it", "it"),  # q=0 means "not this one"
        ("*", None),
        ("fr, de", None),
        ("", None),
        (None, None),
        ("es;q=bogus, it;q=0.1", "it"),
    ],
)
def test_accept_language_picks_the_best_spoken_language(
    header: str | None, expected: str | None
) -> None:
    assert from_accept_language(header) == expected


def test_the_header_then_the_person_then_the_studio_decide() -> None:
    assert negotiate("it", "es", "en") == "it"
    assert negotiate("fr", "es-MX", "it") == "es"
    assert negotiate(None, None, "it") == "it"
    assert negotiate(None, "de", "fr") == "en"


def test_the_token_carries_the_persons_language() -> None:
    claims: dict[str, Any] = {"tenant": "t1", "sub": "p1", "roles": ["ADMIN"], "lang": "it"}
    assert principal_from_claims(claims).language == "it"
    assert principal_from_claims({**claims, "lang": None}).language is None


def test_every_code_has_a_common_sentence_in_every_language_without_parameters() -> None:
    assert sorted(set(UserErrorCode) - set(COMMON)) == []
    for code, texts in COMMON.items():
        assert len(texts) == len(LANGUAGES) and all(texts), code
        assert not any(placeholders(t) for t in texts), code


def test_shared_sentences_name_the_same_parameters_in_every_language() -> None:
    for code, variants in WITH_PARAMS.items():
        for variant in variants:
            catalog = {code: dict(zip(LANGUAGES, variant, strict=True))}
            assert catalog_problems(catalog) == []
            assert placeholders(variant[1]) == placeholders(variant[0]) == placeholders(variant[2])


def test_catalog_problems_names_missing_languages_and_unknown_parameters() -> None:
    catalog = {
        "A": {"en": "{x}", "es": "{x}", "it": "{y}"},
        "B": {"en": "b", "es": "b"},
    }
    assert catalog_problems(catalog) == [
        "A (it) names ['y'], which en does not",
        "B: no sentence in it",
    ]


def test_a_sentence_comes_from_the_context_then_the_shared_then_the_common_one() -> None:
    own = {"TOO_LONG": {"en": "{field} > {maximum}", "es": "{field} pasa de {maximum}", "it": "x"}}
    with speaking("en", own):
        assert translate("TOO_LONG", {"maximum": 3}, fallback="call site") == "call site"
        assert translate("TOO_LONG", {"field": "a", "maximum": 3}) == "a > 3"
    with speaking("es", own):
        assert translate("TOO_LONG", {"field": "a", "maximum": 3}) == "a pasa de 3"
        assert translate("TOO_LONG", {"field": "a"}) == "a es demasiado largo"
        assert translate("TOO_LONG", {}) == "el valor es demasiado largo"
    with speaking("it"):
        assert translate("NOT_A_CODE", fallback="as written") == "as written"


def test_money_carries_its_currency_written_the_languages_way() -> None:
    assert money("1234.5", "EUR", "en") == "€1,234.50"
    assert money("1234.5", "EUR", "es") == "1.234,50 €"
    assert money("-3", "USD", "it") == "-3,00 $"
    assert money("12", "CHF", "en") == "CHF 12.00"
    assert money("x", "EUR", "es") == "0,00 €"


def test_a_user_error_reads_in_the_language_it_was_built_in_with_the_same_params() -> None:
    built = {}
    for language in LANGUAGES:
        with speaking(language):
            built[language] = user_error(
                "title is too long", "TOO_LONG", "input", "title", maximum=200
            )
    assert built["en"].message == "title is too long"
    assert built["es"].message == "title supera los 200 caracteres"
    assert built["it"].message == "title supera i 200 caratteri"
    assert {(e.code, tuple((p.name, p.value) for p in e.params)) for e in built.values()} == {
        (UserErrorCode.TOO_LONG, (("maximum", "200"),))
    }


@strawberry.type
class Query:
    @strawberry.field
    def after(self, at: datetime) -> str:
        return at.isoformat()


@strawberry.type
class Mutation:
    @strawberry.mutation
    def rename(self, name: str) -> list[UserError]:
        return [user_error(f"name is longer than {3} characters", "TOO_LONG", "name", maximum=3)]


SCHEMA = SubgraphSchema(query=Query, mutation=Mutation, extensions=schema_extensions())


class Context:
    """The part of the request context the `Speaking` extension reads."""

    def __init__(self, language: str) -> None:
        self.language = language
        self.messages: dict[str, dict[str, str]] = {}


async def answer(language: str, query: str, variables: dict[str, Any] | None = None) -> Any:
    return await SCHEMA.execute(query, variable_values=variables, context_value=Context(language))


async def test_a_naive_time_is_refused_with_one_code_in_every_language() -> None:
    query = "query($at: DateTime!) { after(at: $at) }"
    refusals = {}
    for language in LANGUAGES:
        result = await answer(language, query, {"at": "2026-03-02T09:30:00"})
        assert result.errors is not None and len(result.errors) == 1
        refusals[language] = result.errors[0]
    assert {e.extensions["code"] for e in refusals.values()} == {"NAIVE_TIME"}
    assert {str(e.extensions["params"]) for e in refusals.values()} == {
        str({"argument": "at", "scalar": "DateTime", "value": "'2026-03-02T09:30:00'"})
    }
    assert refusals["en"].message.startswith("Variable '$at' has invalid value: ")
    assert refusals["es"].message.startswith("El argumento 'at' tiene un valor no válido: ")
    assert "no tiene desfase horario" in refusals["es"].message
    assert refusals["it"].message.startswith("L'argomento 'at' ha un valore non valido: ")
    assert "non ha un fuso orario" in refusals["it"].message


async def test_a_user_error_answers_in_the_requests_language() -> None:
    mutation = 'mutation { rename(name: "abcd") { field message code params { name value } } }'
    answers = {}
    for language in LANGUAGES:
        result = await answer(language, mutation)
        assert result.errors is None
        answers[language] = result.data["rename"][0]
    assert answers["en"]["message"] == "name is longer than 3 characters"
    assert answers["es"]["message"] == "name supera los 3 caracteres"
    assert answers["it"]["message"] == "name supera i 3 caratteri"
    assert {(a["code"], str(a["params"])) for a in answers.values()} == {
        ("TOO_LONG", str([{"name": "maximum", "value": "3"}]))
    }
