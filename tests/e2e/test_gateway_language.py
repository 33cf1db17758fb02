"""The gateway's own errors in the caller's language, with their code and params
(gateway/messages.json, docs/contract.md "Language"): GraphQL validation, the limits, a
missing or bad token, an unknown trusted document and a batch too large, each in es, it
and en, with the same code and params in all three."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
from plumbing.auth import mint_token
from plumbing.testing import GATEWAY_URL, Graph, jwt_secret

LANGUAGES = ("es", "it", "en")


async def _each_language(
    graphs: Callable[..., Graph], tenant: str, query: str, variables: dict[str, Any] | None = None
) -> dict[str, dict[str, Any]]:
    """The first error of `query` per language."""
    errors: dict[str, dict[str, Any]] = {}
    for language in LANGUAGES:
        body = await graphs(tenant, "OWNER", accept_language=language).raw(query, variables)
        errors[language] = body["errors"][0]
    codes = {(e["extensions"]["code"], str(e["extensions"].get("params"))) for e in errors.values()}
    assert len(codes) == 1, errors
    return errors


async def test_an_unknown_field_is_named_in_every_language(
    tenant: str, graphs: Callable[..., Graph]
) -> None:
    errors = await _each_language(graphs, tenant, "{ studio { nam } }")
    assert errors["en"]["extensions"]["params"] == {"field": "nam", "type": "Studio"}
    assert errors["en"]["message"].startswith('Cannot query field "nam" on type "Studio".')
    assert errors["es"]["message"] == 'El tipo "Studio" no tiene el campo "nam".'
    assert errors["it"]["message"] == 'Il tipo "Studio" non ha il campo "nam".'


async def test_a_wrong_argument_type_names_the_callers_variable_or_value(
    tenant: str, graphs: Callable[..., Graph]
) -> None:
    variable = await _each_language(
        graphs, tenant, "query($n: Int) { clients(first: $n) { totalCount } }", {"n": "ten"}
    )
    assert variable["en"]["extensions"]["code"] == "BAD_USER_INPUT"
    assert variable["en"]["extensions"]["params"] == {"variable": "n", "value": '"ten"'}
    assert variable["es"]["message"] == 'La variable "$n" tiene un valor no válido: "ten".'
    assert variable["it"]["message"] == 'La variabile "$n" ha un valore non valido: "ten".'
    inline = await _each_language(graphs, tenant, '{ clients(first: "ten") { totalCount } }')
    assert inline["en"]["extensions"]["params"] == {"type": "Int", "value": '"ten"'}
    assert inline["es"]["message"] == 'El valor "ten" no es de tipo "Int".'
    assert inline["it"]["message"] == 'Il valore "ten" non è di tipo "Int".'


async def test_the_depth_alias_and_cost_limits_name_their_figures(
    tenant: str, graphs: Callable[..., Graph]
) -> None:
    nested = "{ " + 'node(id: "x") { ' * 14 + "__typename" + " }" * 15
    depth = await _each_language(graphs, tenant, nested)
    assert depth["en"]["extensions"]["code"] == "QUERY_TOO_DEEP"
    assert set(depth["en"]["extensions"]["params"]) == {"maximum", "found"}
    maximum = depth["en"]["extensions"]["params"]["maximum"]
    assert f"el máximo es {maximum}" in depth["es"]["message"]
    assert f"il massimo è {maximum}" in depth["it"]["message"]
    aliases = "{ " + " ".join(f"a{i}: studio {{ name }}" for i in range(40)) + " }"
    many = await _each_language(graphs, tenant, aliases)
    assert many["en"]["extensions"]["code"] == "TOO_MANY_ALIASES"
    assert many["es"]["message"].startswith("La consulta usa 40 alias")
    expensive = await _each_language(
        graphs,
        tenant,
        "{ clients(first: 200) { edges { node { timeline(first: 200) { edges { node"
        " { kind } } } } } } }",
    )
    params = expensive["en"]["extensions"]["params"]
    assert expensive["en"]["extensions"]["code"] == "COST_ESTIMATED_TOO_EXPENSIVE"
    assert int(params["estimated"]) > int(params["maximum"])
    assert expensive["it"]["message"].startswith(
        f"L'operazione potrebbe restituire {params['estimated']}"
    )
    # A plain query stays within every limit.
    assert "errors" not in await graphs(tenant, "OWNER", accept_language="es").raw("{ __typename }")


async def _post(language: str, body: object, token: str | None = None) -> httpx.Response:
    headers = {"accept-language": language}
    if token is not None:
        headers["authorization"] = f"Bearer {token}"
    async with httpx.AsyncClient(timeout=30) as http:
        return await http.post(GATEWAY_URL, json=body, headers=headers)


async def test_tokens_refused_say_why_in_every_language(tenant: str) -> None:
    expired = mint_token(jwt_secret(), tenant=tenant, roles=["OWNER"], ttl_seconds=-60)
    cases = {"TOKEN_MISSING": None, "TOKEN_INVALID": "not-a-jwt", "TOKEN_EXPIRED": expired}
    for reason, token in cases.items():
        answers = {
            lang: await _post(lang, {"query": "{ studio { name } }"}, token) for lang in LANGUAGES
        }
        assert {a.status_code for a in answers.values()} == {401}, reason
        errors = {lang: a.json()["errors"][0] for lang, a in answers.items()}
        assert {e["extensions"]["code"] for e in errors.values()} == {"UNAUTHENTICATED"}
        assert {e["extensions"]["reason"] for e in errors.values()} == {reason}
        assert len({e["message"] for e in errors.values()}) == 3, errors
    missing = await _post("it", {"query": "{ studio { name } }"})
    assert missing.json()["errors"][0]["message"].startswith("Serve l'accesso")
    # Without Accept-Language, the token's `lang` claim speaks.
    italian = mint_token(jwt_secret(), tenant=tenant, roles=["OWNER"], language="it")
    unknown = await _post("", {"query": "{ studio { nam } }"}, italian)
    assert unknown.json()["errors"][0]["message"] == 'Il tipo "Studio" non ha il campo "nam".'


async def test_an_unknown_document_and_a_batch_too_large_are_coded_and_worded(
    tenant: str,
) -> None:
    token = mint_token(jwt_secret(), tenant=tenant, roles=["OWNER"])
    unknown = {"extensions": {"persistedQuery": {"version": 1, "sha256Hash": "0" * 64}}}
    batch = [{"query": "{ __typename }"}] * 40
    for language in LANGUAGES:
        [error] = (await _post(language, unknown, token)).json()["errors"]
        assert error["extensions"]["code"] == "PERSISTED_QUERY_NOT_FOUND"
        if language == "en":
            assert error["message"] == "PersistedQueryNotFound"
        too_large = await _post(language, batch, token)
        assert too_large.status_code == 413
        [refusal] = too_large.json()[0]["errors"]
        assert refusal["extensions"]["code"] == "BATCH_TOO_LARGE"
        assert refusal["extensions"]["params"]["count"] == "40"
        limit = refusal["extensions"]["params"]["limit"]
        worded = {
            "es": f"Un lote admite como mucho {limit} operaciones; este tiene 40.",
            "it": f"Un lotto ammette al massimo {limit} operazioni; questo ne ha 40.",
            "en": f"A batch may hold at most {limit} operations; this one holds 40.",
        }
        assert refusal["message"] == worded[language]
