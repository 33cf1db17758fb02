"""The graph answers in the caller's language (docs/contract.md, "Language"): the request's
Accept-Language, else the signed-in person's, else the studio's; es, it and en. The same
code and params in every language, so a frontend may word them itself."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from plumbing.testing import Graph, eventually

from ..journeys import new_client, rank_category

LANGUAGES = ("es", "it", "en")
VISIT = """
mutation($c: ID!, $at: DateTime!) {
  recordVisit(clientId: $c, attendedAt: $at) { accepted userErrors { code } }
}"""
ASSIGN = """
mutation($c: ID!, $r: ID!) { assignRank(clientId: $c, rankId: $r) { userErrors { code } } }"""
PURCHASE = """
mutation($input: PurchaseInput!) { recordPurchase(input: $input) { accepted userErrors { code } } }"""
TIMELINE = """
query($id: ID!) { client(id: $id) { timeline(first: 50) { edges { node { kind summary } } } } }"""
DUPLICATE = """
mutation($c: ID!, $i: RankInput!) {
  addRank(categoryId: $c, input: $i) { rank { id } userErrors { code field message params { name value } } }
}"""


async def test_a_naive_time_is_refused_alike_in_spanish_italian_and_english(
    tenant: str, graphs: Callable[..., Graph]
) -> None:
    refusals: dict[str, dict[str, Any]] = {}
    for language in LANGUAGES:
        caller = graphs(tenant, "OWNER", accept_language=language)
        body = await caller.raw(VISIT, {"c": "c-1", "at": "2026-01-01T10:00:00"})
        [refusals[language]] = body["errors"]
    assert {e["extensions"]["code"] for e in refusals.values()} == {"NAIVE_TIME"}, refusals
    params = [e["extensions"]["params"] for e in refusals.values()]
    assert params[0]["argument"] == "attendedAt" and params[0]["scalar"] == "DateTime", params
    assert all(p == params[0] for p in params), params
    assert refusals["en"]["message"].startswith("Argument 'attendedAt' of 'recordVisit'")
    assert refusals["es"]["message"].startswith(
        "El argumento 'attendedAt' tiene un valor no válido"
    )
    assert "no tiene desfase horario" in refusals["es"]["message"]
    assert refusals["it"]["message"].startswith("L'argomento 'attendedAt' ha un valore non valido")
    assert "non ha un fuso orario" in refusals["it"]["message"]


async def test_a_user_error_has_one_code_and_params_and_a_sentence_per_language(
    tenant: str, graphs: Callable[..., Graph]
) -> None:
    owner = graphs(tenant, "OWNER")
    category_id, _ = await rank_category(owner, [("Blanco", {})])
    answers: dict[str, dict[str, Any]] = {}
    for language in LANGUAGES:
        caller = graphs(tenant, "OWNER", accept_language=f"{language};q=0.9, fr")
        added = await caller(DUPLICATE, {"c": category_id, "i": {"name": "Blanco"}})
        [answers[language]] = added["addRank"]["userErrors"]
    assert {(a["code"], str(a["params"]), str(a["field"])) for a in answers.values()} == {
        ("DUPLICATE_RANK", str([{"name": "name", "value": "Blanco"}]), str(["input", "name"]))
    }, answers
    # The studio's word (belts) in each language.
    assert answers["es"]["message"] == "esta categoría ya tiene un cinturón llamado Blanco"
    assert answers["it"]["message"] == "questa categoria ha già una cintura chiamata Blanco"
    assert answers["en"]["message"] == "this category already has a belt named Blanco"
    # Without Accept-Language the signed-in person's language decides.
    italian = graphs(tenant, "OWNER", language="it")
    again = await italian(DUPLICATE, {"c": category_id, "i": {"name": "Blanco"}})
    assert again["addRank"]["userErrors"][0]["message"] == answers["it"]["message"]
    # ... and the header beats it.
    both = graphs(tenant, "OWNER", language="it", accept_language="es")
    again = await both(DUPLICATE, {"c": category_id, "i": {"name": "Blanco"}})
    assert again["addRank"]["userErrors"][0]["message"] == answers["es"]["message"]


async def test_an_italian_timeline_of_a_belts_studio_speaks_only_italian(
    tenant: str, graphs: Callable[..., Graph]
) -> None:
    owner = graphs(tenant, "OWNER")
    reader = graphs(tenant, "OWNER", accept_language="it-IT,it;q=0.9")
    client_id = await new_client(owner, "Lia", "Cinture")
    _, [white] = await rank_category(owner, [("Bianca", {})])
    assert (await owner(ASSIGN, {"c": client_id, "r": white}))["assignRank"]["userErrors"] == []
    sale = {
        "clientId": client_id,
        "invoiceNumber": "L-1",
        "channel": "IN_STUDIO",
        "occurredAt": datetime.now(UTC).isoformat(),
        "lines": [{"category": "SERVICE", "itemId": "s", "name": "Lezione", "amount": "1250.50"}],
        "payments": [{"method": "CASH", "amount": "1250.50"}],
    }
    assert (await owner(PURCHASE, {"input": sale}))["recordPurchase"]["accepted"]

    async def lines() -> list[str]:
        timeline = await reader(TIMELINE, {"id": client_id})
        return [e["node"]["summary"] for e in timeline["client"]["timeline"]["edges"]]

    def complete(summaries: list[str]) -> bool:
        return any("Cintura" in s for s in summaries) and any("Acquisto" in s for s in summaries)

    summaries = await eventually(lines, until=complete, timeout=30)
    assert "Cintura assegnata: Bianca" in summaries, summaries
    assert "Acquisto L-1: 1.250,50 €" in summaries, summaries
    assert "Scheda cliente creata per Lia Cinture" in summaries, summaries
    spanish_or_raw = ("Rango", "Cuota", "Compra", "asignado", "ACTIVE", "EUR")
    assert not [s for s in summaries if any(word in s for word in spanish_or_raw)], summaries
