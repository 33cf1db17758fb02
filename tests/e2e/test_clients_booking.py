"""C4 online-booking block and C7 disliked services, seen through `bookingCheck`."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from plumbing.testing import Graph

from ..journeys import new_client

CHECK = """query($c: ID!, $s: ID!, $ch: BookingChannel!) {
  bookingCheck(clientId: $c, serviceId: $s, channel: $ch) { allowed reasons codes waitlistAllowed } }"""
DISLIKED = "dislikedServices { id serviceId serviceName comment }"
ERRORS = "userErrors { field message code }"


async def check(graph: Graph, client: str, service: str, channel: str) -> dict[str, Any]:
    result: dict[str, Any] = (await graph(CHECK, {"c": client, "s": service, "ch": channel}))[
        "bookingCheck"
    ]
    return result


async def test_blocked_client_is_refused_online_but_may_book_in_studio(owner: Graph) -> None:
    await owner('mutation { updateStudio(input: {language: "es"}) { userErrors { code } } }')
    client = await new_client(owner, "Bea", "Bloq")
    assert await check(owner, client, "yoga", "ONLINE") == {
        "allowed": True,
        "reasons": [],
        "codes": [],
        "waitlistAllowed": True,
    }
    await owner(
        "mutation($id: ID!) { updateClient(id: $id, input: {onlineBookingBlocked: true}) "
        "{ userErrors { code } } }",
        {"id": client},
    )
    online = await check(owner, client, "yoga", "ONLINE")
    assert online["allowed"] is False and online["codes"] == ["ONLINE_BOOKING_BLOCKED"]
    assert online["waitlistAllowed"] is True
    assert "lista de espera" in online["reasons"][0]  # the studio's language
    studio = await check(owner, client, "yoga", "IN_STUDIO")
    assert studio["allowed"] is True


async def test_disliked_services_are_kept_edited_removed_and_refused(
    owner: Graph, graphs: Callable[..., Graph], tenant: str
) -> None:
    client = await new_client(owner, "Bea", "Bloq")
    added = await owner(
        f"""mutation($c: ID!) {{ addDislikedService(clientId: $c, serviceId: "svc-wax",
        serviceName: "Depilación a la cera", comment: "piel sensible")
        {{ client {{ {DISLIKED} }} {ERRORS} }} }}""",
        {"c": client},
    )
    assert added["addDislikedService"]["userErrors"] == []
    item = added["addDislikedService"]["client"]["dislikedServices"][0]
    assert (item["serviceId"], item["comment"]) == ("svc-wax", "piel sensible")
    for channel in ("ONLINE", "IN_STUDIO"):
        verdict = await check(owner, client, "svc-wax", channel)
        assert verdict["allowed"] is False and verdict["codes"] == ["DISLIKED_SERVICE"]
        assert verdict["waitlistAllowed"] is False
        assert "Depilación a la cera (piel sensible)" in verdict["reasons"][0]
    assert (await check(owner, client, "svc-massage", "ONLINE"))["allowed"] is True

    twice = await owner(
        f"""mutation($c: ID!) {{ addDislikedService(clientId: $c, serviceId: "svc-wax",
        serviceName: "Wax") {{ {ERRORS} }} }}""",
        {"c": client},
    )
    assert twice["addDislikedService"]["userErrors"][0]["code"] == "ALREADY_DISLIKED"
    empty = await owner(
        f"""mutation($c: ID!) {{ addDislikedService(clientId: $c, serviceId: "s2",
        serviceName: "  ") {{ {ERRORS} }} }}""",
        {"c": client},
    )
    assert empty["addDislikedService"]["userErrors"][0]["code"] == "REQUIRED"

    edited = await owner(
        f"""mutation($c: ID!, $d: ID!) {{ updateDislikedService(clientId: $c, dislikedId: $d,
        comment: "alergia") {{ client {{ {DISLIKED} }} {ERRORS} }} }}""",
        {"c": client, "d": item["id"]},
    )
    assert edited["updateDislikedService"]["client"]["dislikedServices"][0]["comment"] == "alergia"
    missing = await owner(
        f"""mutation($c: ID!) {{ updateDislikedService(clientId: $c, dislikedId: "nope",
        comment: "x") {{ {ERRORS} }} }}""",
        {"c": client},
    )
    assert missing["updateDislikedService"]["userErrors"][0]["code"] == "NOT_FOUND"

    operator = graphs(tenant, "OPERATOR")
    removed = await operator(
        f"""mutation($c: ID!, $d: ID!) {{ removeDislikedService(clientId: $c, dislikedId: $d)
        {{ client {{ {DISLIKED} }} {ERRORS} }} }}""",
        {"c": client, "d": item["id"]},
    )
    assert removed["removeDislikedService"]["client"]["dislikedServices"] == []
    assert (await check(owner, client, "svc-wax", "ONLINE"))["allowed"] is True


async def test_booking_check_bad_inputs(
    owner: Graph, graphs: Callable[..., Graph], tenant: str
) -> None:
    unknown = await owner.raw(CHECK, {"c": "nobody", "s": "x", "ch": "ONLINE"})
    assert unknown["errors"][0]["extensions"]["code"] == "NOT_FOUND"
    wrong_channel = await owner.raw(CHECK, {"c": "nobody", "s": "x", "ch": "PHONE"})
    assert wrong_channel["errors"]
    client = await new_client(owner, "Bea", "Bloq")
    other = await new_client(owner, "Bea", "Bloq", email="other@example.com")
    me = graphs(tenant, "CLIENT", client_id=client)
    assert (await check(me, client, "x", "ONLINE"))["allowed"] is True
    someone_else = await me.raw(CHECK, {"c": other, "s": "x", "ch": "ONLINE"})
    assert someone_else["errors"][0]["extensions"]["code"] == "NOT_FOUND"
    forbidden = await me.raw(
        f"""mutation($c: ID!) {{ addDislikedService(clientId: $c, serviceId: "s",
        serviceName: "S") {{ {ERRORS} }} }}""",
        {"c": client},
    )
    assert forbidden["errors"][0]["extensions"]["code"] == "FORBIDDEN"
