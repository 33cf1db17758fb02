"""R5 seniority seen working. Seed 000: "También puedes hacer que Momence se encargue
automáticamente de las promociones por ti, basándose en el número de visitas de un
cliente o el tiempo pasado dentro de una categoría (conocido como Antigüedad)"; "Viene de
otro dojo con cinturón marrón". A client who earned a belt elsewhere 40 days ago is
assigned it dated then, and the seniority job, run on the real clock (no `as_of`: the
service's own clock), promotes them once."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from plumbing.testing import Graph, eventually

from ..journeys import Tap, card, new_client, rank_category, run_job_now

ASSIGN = """
mutation($c: ID!, $r: ID!, $n: String, $s: DateTime) {
  assignRank(clientId: $c, rankId: $r, note: $n, since: $s) {
    clientRank { rank { name } since daysInRank } userErrors { field code message }
  }
}"""
CARD = """
query($id: ID!) {
  client(id: $id) {
    ranks { rank { name } daysInRank }
    rankHistory { kind trigger toRank { name } note at }
  }
}"""


async def test_a_belt_earned_elsewhere_is_dated_and_the_job_promotes_by_time(
    owner: Graph, ranks_tap: Tap
) -> None:
    await owner(
        'mutation { updateStudio(input: {name: "Dojo", timeZone: "Europe/Madrid"}) '
        "{ userErrors { code } } }"
    )
    _, (first, second, _) = await rank_category(
        owner,
        [
            ("Nivel 1", {}),
            ("Nivel 2", {"criteria": {"minDaysInRank": 30}}),
            ("Nivel 3", {"criteria": {"minDaysInRank": 120}}),
        ],
        name="Defensa personal",
        autoPromote=True,
    )
    carmen = await new_client(owner, "Carmen")
    earned = datetime.now(UTC) - timedelta(days=40)
    dated = (
        await owner(
            ASSIGN,
            {"c": carmen, "r": first, "n": "Viene de otra escuela", "s": earned.isoformat()},
        )
    )["assignRank"]
    assert dated["userErrors"] == []
    assert abs(datetime.fromisoformat(dated["clientRank"]["since"]) - earned) < timedelta(
        milliseconds=1
    )
    assert dated["clientRank"]["daysInRank"] >= 39

    # The next run of the job, on the service's clock, promotes her, once.
    runs = [await run_job_now(owner), await run_job_now(owner)]
    assert [r["changed"] for r in runs] == [1, 0]
    now = await card(owner, CARD, carmen)
    assert now["ranks"] == [{"rank": {"name": "Nivel 2"}, "daysInRank": 0}]
    assert [(h["kind"], h["trigger"], h["toRank"]["name"]) for h in now["rankHistory"]] == [
        ("ASSIGNMENT", "MANUAL", "Nivel 1"),
        ("PROMOTION", "AUTOMATIC", "Nivel 2"),
    ]
    [event] = await eventually(
        lambda: ranks_tap.events(owner.tenant, "ranks.client_promoted.v1"), until=bool
    )
    assert (event.subject, event.data["rank_id"], event.data["trigger"]) == (
        carmen,
        second,
        "AUTOMATIC",
    )

    # Only a first belt may be dated, never in the future.
    again = (await owner(ASSIGN, {"c": carmen, "r": first, "s": earned.isoformat()}))["assignRank"]
    assert [(e["code"], e["field"]) for e in again["userErrors"]] == [
        ("SINCE_NOT_ALLOWED", ["since"])
    ]
    other = await new_client(owner, "Otra")
    future = (datetime.now(UTC) + timedelta(days=1)).isoformat()
    ahead = (await owner(ASSIGN, {"c": other, "r": first, "s": future}))["assignRank"]
    assert [(e["code"], e["field"]) for e in ahead["userErrors"]] == [("FUTURE_TIME", ["since"])]
