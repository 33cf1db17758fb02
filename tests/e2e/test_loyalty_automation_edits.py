"""L7 automations a studio edits, pauses, resumes and deletes, and no birthday gift given
twice (seed 002: "Si te encuentras en la versión STAR puedes automatizar la entrega de
puntos por eventos (por ejemplo cumpleaños, por amigos referidos, por clientes fieles..).
Define tus reglas y el sistema trabaja por tí")."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from loyalty.testing import (
    AUTOMATION,
    account,
    configure,
    create_client,
    known,
    run_job,
)
from plumbing.testing import Graph

UPDATE = """
mutation($id: ID!, $input: PointsAutomationChanges!) {
  updatePointsAutomation(id: $id, input: $input) {
    automation { id trigger points expiryDays visitCount active }
    userErrors { field message code }
  }
}"""
DELETE = """
mutation($id: ID!) {
  deletePointsAutomation(id: $id) { automation { id } userErrors { field message code } }
}"""


async def create(graph: Graph, **input_: Any) -> dict[str, Any]:
    payload: dict[str, Any] = (await graph(AUTOMATION, {"input": input_}))["createPointsAutomation"]
    return payload


async def update(graph: Graph, automation_id: str, **input_: Any) -> dict[str, Any]:
    payload: dict[str, Any] = (await graph(UPDATE, {"id": automation_id, "input": input_}))[
        "updatePointsAutomation"
    ]
    return payload


def codes(payload: dict[str, Any]) -> list[tuple[str, list[str]]]:
    return [(e["code"], e["field"]) for e in payload["userErrors"]]


async def test_l7_one_birthday_gift_edited_paused_resumed_and_deleted(
    owner: Graph, graphs: Any
) -> None:
    await configure(owner, pointValue="0.01", earnPercent="5")
    birthday = (await create(owner, trigger="BIRTHDAY", points=500, expiryDays=60))["automation"]
    second = await create(owner, trigger="BIRTHDAY", points=300, expiryDays=60)
    assert second["automation"] is None
    assert codes(second) == [("DUPLICATE_AUTOMATION", ["input", "trigger"])]
    assert birthday["id"] in second["userErrors"][0]["message"]

    client = await create_client(owner, "Cumple", birthDate="1990-03-15")
    await known(owner, client)
    # Paused: the birthday passes without a gift.
    paused = await update(owner, birthday["id"], active=False)
    assert paused["automation"]["active"] is False
    day = datetime(2027, 3, 15, 10, 0, tzinfo=UTC)
    assert (await run_job(owner, "birthday_points", day))["result"] == {"granted": 0}
    # Resumed and edited: the gift of the automation as it is now, once.
    edited = await update(owner, birthday["id"], active=True, points=700, expiryDays=30)
    assert edited["userErrors"] == []
    assert (edited["automation"]["points"], edited["automation"]["expiryDays"]) == (700, 30)
    assert (await run_job(owner, "birthday_points", day))["result"] == {"granted": 1}
    assert (await run_job(owner, "birthday_points", day))["result"] == {"granted": 0}
    acc = await account(owner, client)
    assert acc["balance"] == 700
    # Another birthday automation may be made while this one is paused, not resumed beside it.
    await update(owner, birthday["id"], active=False)
    other = (await create(owner, trigger="BIRTHDAY", points=100, expiryDays=10))["automation"]
    clash = await update(owner, birthday["id"], active=True)
    assert codes(clash) == [("DUPLICATE_AUTOMATION", ["input", "active"])]

    deleted = (await owner(DELETE, {"id": other["id"]}))["deletePointsAutomation"]
    assert deleted["automation"] == {"id": other["id"]}
    again = (await owner(DELETE, {"id": other["id"]}))["deletePointsAutomation"]
    assert codes(again) == [("NOT_FOUND", ["id"])]
    listed = (await owner("{ pointsAutomations { id active } }"))["pointsAutomations"]
    assert listed == [{"id": birthday["id"], "active": False}]
    assert (await account(owner, client))["balance"] == 700  # what it granted stays

    wrong = await update(owner, birthday["id"], visitCount=5)
    assert codes(wrong) == [("BAD_CRITERION", ["input", "visitCount"])]
    missing = await update(owner, "no-such-automation", points=5)
    assert codes(missing) == [("NOT_FOUND", ["id"])]
    operator = graphs(owner.tenant, "OPERATOR")
    body = await operator.raw(DELETE, {"id": birthday["id"]})
    assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"
