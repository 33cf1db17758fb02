"""B7, from seed 001's "Lista negra de citas: … impedir que los clientes puedan reservar
citas en línea. Los clientes solo podrán añadirse a la lista de espera. Consejo: utilice
esta función para los clientes problemáticos": the block as a policy (a reason, the
branches it covers, the mode, who set it and when), read by booking systems through
`bookingCheck`; the old switch keeps working."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from plumbing.testing import Graph

from ..journeys import new_client

CHECK = """query($c: ID!, $ch: BookingChannel!, $b: ID) {
  bookingCheck(clientId: $c, serviceId: "yoga", channel: $ch, branchId: $b) {
    allowed codes waitlistAllowed mode blockReason reasons } }"""
BLOCK = """
mutation($c: ID!, $input: BookingBlockInput!) {
  setBookingBlock(clientId: $c, input: $input) {
    client { onlineBookingBlocked bookingBlock { mode reason branchIds setBy setAt } }
    userErrors { code field message }
  }
}"""
LIFT = """
mutation($c: ID!) {
  liftBookingBlock(clientId: $c) { client { onlineBookingBlocked bookingBlock { mode } }
    userErrors { code } }
}"""
BRANCH = """mutation($n: String!) { addBranch(name: $n) { studio { branches { id name } } } }"""


async def check(graph: Graph, client: str, channel: str, branch: str | None = None) -> Any:
    return (await graph(CHECK, {"c": client, "ch": channel, "b": branch}))["bookingCheck"]


async def test_b7_a_block_has_a_mode_a_reason_branches_and_an_author(
    owner: Graph, graphs: Callable[..., Graph]
) -> None:
    await owner('mutation { updateStudio(input: {language: "es"}) { userErrors { code } } }')
    studio = (await owner(BRANCH, {"n": "Centro"}))["addBranch"]["studio"]
    centro = next(b["id"] for b in studio["branches"] if b["name"] == "Centro")
    client = await new_client(owner, "Carla", "Problemas")

    # "Los clientes solo podrán añadirse a la lista de espera", in one branch, with a reason.
    made = await owner(
        BLOCK,
        {
            "c": client,
            "input": {
                "mode": "WAITLIST_ONLY",
                "reason": "No se presenta a sus citas",
                "branchIds": [centro],
            },
        },
    )
    payload = made["setBookingBlock"]
    assert payload["userErrors"] == []
    block = payload["client"]["bookingBlock"]
    assert (block["mode"], block["reason"], block["branchIds"]) == (
        "WAITLIST_ONLY",
        "No se presenta a sus citas",
        [centro],
    )
    assert block["setBy"] and block["setAt"]
    assert payload["client"]["onlineBookingBlocked"] is True  # the old switch follows
    online = await check(owner, client, "ONLINE", centro)
    assert (online["allowed"], online["codes"], online["waitlistAllowed"]) == (
        False,
        ["ONLINE_BOOKING_BLOCKED"],
        True,
    )
    assert (online["mode"], online["blockReason"]) == (
        "WAITLIST_ONLY",
        "No se presenta a sus citas",
    )
    assert "lista de espera" in online["reasons"][0]
    assert (await check(owner, client, "IN_STUDIO", centro))["allowed"] is True
    elsewhere = await check(owner, client, "ONLINE", "another-branch")
    assert (elsewhere["allowed"], elsewhere["mode"]) == (True, None)

    # Needs the studio's approval; then no booking at all, waitlist included.
    await owner(BLOCK, {"c": client, "input": {"mode": "NEEDS_APPROVAL"}})
    approval = await check(owner, client, "ONLINE")
    assert (approval["codes"], approval["mode"], approval["waitlistAllowed"]) == (
        ["NEEDS_APPROVAL"],
        "NEEDS_APPROVAL",
        True,
    )
    await owner(BLOCK, {"c": client, "input": {"mode": "NO_BOOKING", "reason": "Impagos"}})
    for channel in ("ONLINE", "IN_STUDIO"):
        nothing = await check(owner, client, channel)
        assert (nothing["allowed"], nothing["codes"], nothing["waitlistAllowed"]) == (
            False,
            ["BOOKING_BLOCKED"],
            False,
        )
    partner = graphs(owner.tenant, "PARTNER", subject="booking-system")
    assert (await check(partner, client, "ONLINE"))["blockReason"] == "Impagos"
    # The client sees the mode but not staff's words.
    own = graphs(owner.tenant, "CLIENT", client_id=client)
    mine = await check(own, client, "ONLINE")
    assert (mine["mode"], mine["blockReason"]) == ("NO_BOOKING", None)

    lifted = await owner(LIFT, {"c": client})
    assert lifted["liftBookingBlock"]["client"] == {
        "onlineBookingBlocked": False,
        "bookingBlock": None,
    }
    assert (await check(owner, client, "ONLINE"))["allowed"] is True


async def test_b7_refusals_and_the_old_switch(owner: Graph, graphs: Callable[..., Graph]) -> None:
    client = await new_client(owner, "Dani", "Switch")
    bad = await owner(
        BLOCK,
        {
            "c": client,
            "input": {"mode": "NO_BOOKING", "reason": "x" * 301, "branchIds": ["nowhere"]},
        },
    )
    assert [(e["code"], e["field"]) for e in bad["setBookingBlock"]["userErrors"]] == [
        ("TOO_LONG", ["reason"]),
        ("BAD_BRANCH", ["branchIds", "0"]),
    ]
    unknown = await owner(BLOCK, {"c": "nobody", "input": {"mode": "NO_BOOKING"}})
    assert [e["code"] for e in unknown["setBookingBlock"]["userErrors"]] == ["NOT_FOUND"]
    client_role = graphs(owner.tenant, "CLIENT", client_id=client)
    refused = await client_role.raw(BLOCK, {"c": client, "input": {"mode": "NO_BOOKING"}})
    assert refused["errors"][0]["extensions"]["code"] == "FORBIDDEN"

    # The old switch still blocks (as WAITLIST_ONLY) and, turned off, lifts any block.
    switch = "mutation($id: ID!, $b: Boolean!) { updateClient(id: $id, input: {onlineBookingBlocked: $b}) { userErrors { code } } }"
    await owner(switch, {"id": client, "b": True})
    assert (await check(owner, client, "ONLINE"))["mode"] == "WAITLIST_ONLY"
    await owner(BLOCK, {"c": client, "input": {"mode": "NO_BOOKING"}})
    await owner(switch, {"id": client, "b": False})
    assert (await check(owner, client, "IN_STUDIO"))["mode"] is None
