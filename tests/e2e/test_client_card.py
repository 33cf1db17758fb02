"""C2–C3: every contact field, status and weight, and the bad inputs that must be refused."""

from __future__ import annotations

from typing import Any

from plumbing.testing import Graph

CARD_FIELDS = """
id firstName middleName lastName email phone birthDate gender referralSource preferredBranchId
language status source weightKg weightHistory { kg } onlineBookingBlocked
address { line1 line2 city postalCode region country }
notes { text authorId }
"""
CREATE = f"""
mutation($input: ClientInput!) {{
  createClient(input: $input) {{ client {{ {CARD_FIELDS} }} userErrors {{ field message code }} }}
}}
"""
UPDATE = f"""
mutation($id: ID!, $input: ClientInput!) {{
  updateClient(id: $id, input: $input) {{ client {{ {CARD_FIELDS} }} userErrors {{ field message code }} }}
}}
"""


async def branch(owner: Graph, name: str) -> str:
    data = await owner(
        "mutation($n: String!) { addBranch(name: $n) { studio { branches { id name } } userErrors { code } } }",
        {"n": name},
    )
    return str(next(b["id"] for b in data["addBranch"]["studio"]["branches"] if b["name"] == name))


async def test_every_contact_field_is_kept_and_normalised(owner: Graph) -> None:
    await owner(
        'mutation { updateStudio(input: {country: "ES", timeZone: "Europe/Madrid"}) { userErrors { code } } }'
    )
    centro = await branch(owner, "Centro")
    data = await owner(
        CREATE,
        {
            "input": {
                "firstName": "  María ",
                "middleName": "José",
                "lastName": "Pérez  Gómez",
                "email": "MJ.Perez@Example.COM",
                "phone": "612 345 678",  # read in the studio's country
                "address": {
                    "line1": "Calle Mayor 1",
                    "city": "Madrid",
                    "postalCode": "28013",
                    "country": "ES",
                },
                "birthDate": "1991-02-03",
                "gender": "FEMALE",
                "referralSource": "Instagram",
                "preferredBranchId": centro,
                "language": "es_ES",
                "weightKg": 61.5,
                "onlineBookingBlocked": True,
            }
        },
    )
    payload = data["createClient"]
    assert payload["userErrors"] == []
    card: dict[str, Any] = payload["client"]
    assert card["firstName"] == "María" and card["lastName"] == "Pérez Gómez"
    assert card["email"] == "mj.perez@example.com"
    assert card["phone"] == "+34612345678"
    assert card["language"] == "es-ES"
    assert card["address"]["city"] == "Madrid"
    assert (card["birthDate"], card["gender"], card["preferredBranchId"]) == (
        "1991-02-03",
        "FEMALE",
        centro,
    )
    assert card["weightKg"] == 61.5 and card["weightHistory"] == [{"kg": 61.5}]
    assert card["onlineBookingBlocked"] is True
    assert (card["status"], card["source"]) == ("ACTIVE", "MANUAL")

    updated = await owner(
        UPDATE,
        {"id": card["id"], "input": {"weightKg": 60.0, "status": "INACTIVE", "middleName": None}},
    )
    card = updated["updateClient"]["client"]
    assert card["weightHistory"] == [{"kg": 61.5}, {"kg": 60.0}]
    assert card["status"] == "INACTIVE" and card["middleName"] is None
    assert card["email"] == "mj.perez@example.com"  # untouched fields stay


async def test_bad_inputs_are_user_errors_and_change_nothing(owner: Graph) -> None:
    data = await owner(
        CREATE,
        {
            "input": {
                "firstName": "",
                "lastName": "Ok",
                "email": "not-an-email",
                "phone": "12",
                "birthDate": "2999-01-01",
                "weightKg": -3,
                "preferredBranchId": "no-such-branch",
                "language": "??",
            }
        },
    )
    payload = data["createClient"]
    assert payload["client"] is None
    codes = {e["code"]: e["field"] for e in payload["userErrors"]}
    assert codes == {
        "REQUIRED": ["firstName"],
        "INVALID_EMAIL": ["email"],
        "INVALID_PHONE": ["phone"],
        "BIRTH_DATE_IN_FUTURE": ["birthDate"],
        "INVALID_WEIGHT": ["weightKg"],
        "UNKNOWN_BRANCH": ["preferredBranchId"],
        "INVALID_LANGUAGE": ["language"],
    }
    listed = await owner("{ clients { totalCount } }")
    assert listed["clients"]["totalCount"] == 0


async def test_a_second_card_with_the_same_email_or_phone_is_flagged(owner: Graph) -> None:
    first = await owner(
        CREATE,
        {
            "input": {
                "firstName": "Ana",
                "lastName": "Uno",
                "email": "ana@example.com",
                "phone": "+34612000111",
            }
        },
    )
    first_id = first["createClient"]["client"]["id"]
    again = await owner(
        CREATE, {"input": {"firstName": "Ana", "lastName": "Dos", "email": "ANA@example.com"}}
    )
    [error] = again["createClient"]["userErrors"]
    assert error["code"] == "DUPLICATE_CLIENT" and first_id in error["message"]
    other = await owner(
        CREATE, {"input": {"firstName": "Eva", "lastName": "Tres", "phone": "+34 612 000 111"}}
    )
    assert other["createClient"]["userErrors"][0]["code"] == "DUPLICATE_CLIENT"
    # The first card can still change its own email, and the old one becomes free.
    await owner(UPDATE, {"id": first_id, "input": {"email": "ana.new@example.com"}})
    reused = await owner(
        CREATE, {"input": {"firstName": "Ana", "lastName": "Dos", "email": "ana@example.com"}}
    )
    assert reused["createClient"]["userErrors"] == []


async def test_search_and_pagination(owner: Graph) -> None:
    for first, last in [
        ("Lucía", "Zapata"),
        ("Marco", "Rossi"),
        ("Ana", "Álvarez"),
        ("Luca", "Bianchi"),
    ]:
        await owner(CREATE, {"input": {"firstName": first, "lastName": last}})
    page = await owner(
        "{ clients(first: 2) { totalCount edges { node { lastName } } pageInfo { hasNextPage endCursor } } }"
    )
    clients = page["clients"]
    assert clients["totalCount"] == 4
    assert [e["node"]["lastName"] for e in clients["edges"]] == ["Álvarez", "Bianchi"]
    rest = await owner(
        "query($a: String) { clients(first: 5, after: $a) { edges { node { lastName } } pageInfo { hasNextPage } } }",
        {"a": clients["pageInfo"]["endCursor"]},
    )
    assert [e["node"]["lastName"] for e in rest["clients"]["edges"]] == ["Rossi", "Zapata"]
    assert rest["clients"]["pageInfo"]["hasNextPage"] is False
    found = await owner('{ clients(filter: {search: "luc"}) { edges { node { firstName } } } }')
    assert sorted(e["node"]["firstName"] for e in found["clients"]["edges"]) == ["Luca", "Lucía"]
    bad = await owner.raw('{ clients(after: "%%%") { totalCount } }')
    assert bad["errors"][0]["extensions"]["code"] == "BAD_CURSOR"
