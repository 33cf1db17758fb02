"""The seeds' own worked examples that no other journey walks, in the studio's language.

Seed 003 (TIMP, Italian), "Con quote attive per oggi": "se si vende una quota con tre anni
di validità ed il cliente utilizza l'intero saldo oggi, la quota continuerà a comparire in
questa sezione per tre anni anche se il cliente non ha più saldo." The other worked
examples of the seeds and where they are walked: docs/crm.md, docs/loyalty.md,
docs/notifications.md ("rules, with worked examples")."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from aiokafka import AIOKafkaProducer
from plumbing.testing import Graph, eventually

from ..journeys import crm_client

ROME = ZoneInfo("Europe/Rome")
STUDIO = """mutation {
  updateStudio(input: {name: "Palestra Luna", timeZone: "Europe/Rome", language: "it"}) {
    userErrors { code }
  }
}"""
MEMBERSHIP = """
mutation($input: MembershipInput!) {
  recordMembership(input: $input) { accepted userErrors { code message } }
}"""
SUMMARY = """
query($d: Date!) {
  crmSummary(date: $d) { withActiveFee withBalance withUnusedBalance }
}"""


async def test_seed_003_a_three_year_quota_used_up_today_still_counts_as_active(
    owner: Graph, graphs: Any, producer: AIOKafkaProducer
) -> None:
    assert (await owner(STUDIO))["updateStudio"]["userErrors"] == []
    giulia = await crm_client(owner, producer, "Giulia", "Bianchi")
    marco = await crm_client(owner, producer, "Marco", "Rossi", count=2)
    partner = graphs(owner.tenant, "PARTNER", subject="partner-1")
    today = datetime.now(ROME).date()
    reported = datetime.now(UTC).replace(microsecond=0).isoformat()

    def quota(member: str, credit_status: str) -> dict[str, Any]:
        return {
            "id": f"quota-{member}",
            "clientId": member,
            "plan": "Quota triennale",
            "status": "ACTIVE",
            "validFrom": today.isoformat(),
            "validUntil": (today + timedelta(days=3 * 365)).isoformat(),
            "reportedAt": reported,
            "credits": [{"id": f"c-{member}", "kind": "LEZIONE", "status": credit_status}],
        }

    # Giulia bought it today and used its whole balance today; Marco has not used his.
    for payload in (quota(giulia, "USED"), quota(marco, "AVAILABLE")):
        answer = (await partner(MEMBERSHIP, {"input": payload}))["recordMembership"]
        assert answer["accepted"], answer
    summary = await eventually(
        lambda: owner(SUMMARY, {"d": today.isoformat()}),
        until=lambda s: s["crmSummary"]["withActiveFee"] == 2,
    )
    # "Con quote attive": both; "con saldo disponibile" / "non utilizzato": only Marco.
    assert summary["crmSummary"] == {"withActiveFee": 2, "withBalance": 1, "withUnusedBalance": 1}
