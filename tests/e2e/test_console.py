"""The studio console in a real browser (web/console/e2e/journeys.mjs: playwright-core with
Debian's chromium, axe-core on every screen): sign in, find a client, promote and move
points on the card, import a CSV, add a client (the form asks for the studio's required
custom field), read the CRM summary, see the inbox get a notification live; the same
screens in es and it (it at a phone's width, es at 375 px too); and the settings (ranks,
loyalty, templates) and the CRM's tools step by step (e2e/settings.mjs).
The studio is a fresh tenant made here, not the demo's.

CONSOLE_URL and GATEWAY_URL say which console and gateway to drive (the local stack's by
default). Screenshots go to .data/console-screenshots/, or to docs/console/ with
CONSOLE_SCREENSHOTS=1 (`make screenshots`), or to the folder CONSOLE_SCREENSHOTS names: a
plain test run leaves the committed screenshots alone."""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import httpx
from aiokafka import AIOKafkaProducer
from loyalty.testing import configure
from plumbing.testing import GATEWAY_URL, Graph, eventually

from ..journeys import crm_knows, new_client, rank_category, visit

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "web" / "console" / "e2e" / "journeys.mjs"
CONSOLE_URL = os.environ.get("CONSOLE_URL", "http://localhost:5173")
AUTH = GATEWAY_URL.removesuffix("/graphql") + "/auth"
PASSWORD = "console journey password"
SIZE = "Gi size"
ACTIVE = 12


def screenshots_folder() -> Path:
    """Where this run's screenshots go (see the module's docstring)."""
    asked = os.environ.get("CONSOLE_SCREENSHOTS", "")
    if asked == "1":
        return ROOT / "docs" / "console"
    return Path(asked) if asked else ROOT / ".data" / "console-screenshots"


INVITE = """
mutation($e: String!) { inviteStaff(email: $e, role: OWNER) { invitation { code } userErrors { code } } }"""
ASSIGN = """
mutation($c: ID!, $r: ID!) { assignRank(clientId: $c, rankId: $r) { clientRank { since } userErrors { code } } }"""
SESSION = """
mutation($id: ID!, $at: DateTime!) {
  recordSession(id: $id, serviceId: "karate", startsAt: $at, capacity: 10) { accepted userErrors { code } } }"""
BOOKING = """
mutation($id: ID!, $c: ID!, $s: ID!, $at: DateTime!) {
  recordBooking(id: $id, clientId: $c, sessionId: $s, status: BOOKED, fromApp: false, occurredAt: $at) {
    accepted userErrors { code } } }"""
BOOKED = "{ crmSummary { bookedToday { count } } }"
BRANCH = """
mutation { addBranch(name: "Centro") { studio { timeZone branches { id name } } userErrors { code } } }"""
# The studio's own required field: the console's new-card form must ask for it.
REQUIRED_FIELD = """
mutation($l: String!) { defineCustomField(label: $l, type: TEXT, required: true) {
  customField { id } userErrors { code } } }"""
# A purchase of 14.00 at 5 % with points worth 0.10 earns 7 points.
PURCHASE = """
mutation($c: ID!, $invoice: String!, $at: DateTime!) { recordPurchase(input: {
  clientId: $c, invoiceNumber: $invoice, channel: IN_STUDIO, occurredAt: $at,
  lines: [{category: PRODUCT, itemId: "gi", name: "Gi", amount: "14.00"}],
  payments: [{method: CARD, amount: "14.00"}] }) { accepted userErrors { code } } }"""


async def person(owner: Graph, language: str, email: str | None = None) -> dict[str, str]:
    """A person of the studio who speaks `language`, invited and signed up (`email`: a
    person of another studio, who accepts with the password they have)."""
    email = email or f"{language}-{uuid.uuid4().hex[:8]}@console.test"
    invited = await owner(INVITE, {"e": email})
    code = invited["inviteStaff"]["invitation"]["code"]
    async with httpx.AsyncClient(timeout=30) as http:
        accepted = await http.post(
            f"{AUTH}/accept-invitation",
            json={
                "code": code,
                "password": PASSWORD,
                "name": f"Staff {language}",
                "language": language,
            },
        )
    assert accepted.status_code == 200, accepted.text
    return {"email": email, "password": PASSWORD}


async def studio(owner: Graph, second: Graph, tmp_path: Path) -> dict[str, Any]:
    """Everything the journeys read: people (the English one also of a `second` studio),
    clients, ranks, points that expire, a branch, a birthday today, a booking today, a
    required custom field (defined once the clients above exist) and a CSV that fills it."""
    # A point is worth 0.10: paying an invoice of 1.00 takes 10 points.
    await configure(owner, enabled=True, pointValue="0.10", earnPercent="5", expiryDays=365)
    branched = (await owner(BRANCH))["addBranch"]["studio"]
    branch = branched["branches"][0]
    today = datetime.now(ZoneInfo(branched["timeZone"])).date()
    _, (white, _, _) = await rank_category(
        owner,
        [
            ("White", {}),
            ("Yellow", {"criteria": {"minVisits": 2}, "stripes": [{}]}),
            ("Orange", {"criteria": {"minVisits": 50}}),
        ],
        autoPromote=False,
        notifyOnEligibility=True,
        notifyRoles=["OWNER"],
    )
    tag = uuid.uuid4().hex[:6]
    ana = {"first": "Ana", "last": f"Console{tag}"}
    bea = {"first": "Bea", "last": f"Inbox{tag}"}
    ana["id"] = await new_client(
        owner, ana["first"], ana["last"], status="ACTIVE", preferredBranchId=branch["id"]
    )
    bea["id"] = await new_client(owner, bea["first"], bea["last"], status="ACTIVE")
    # Born on this day in 2000 (a leap year: February 29th exists).
    born = today.replace(year=2000).isoformat()
    cleo = {"first": "Cleo", "last": f"Birthday{tag}"}
    await new_client(owner, cleo["first"], cleo["last"], status="ACTIVE", birthDate=born)
    for i in range(ACTIVE - 3):
        await new_client(owner, f"Client{i:02d}", "Active", status="ACTIVE")
    for i in range(2):
        await new_client(owner, f"Lead{i}", "Lead", status="LEAD")
    since = {}
    for who in (ana, bea):
        assigned = await owner(ASSIGN, {"c": who["id"], "r": white})
        assert assigned["assignRank"]["userErrors"] == [], assigned
        since[who["first"]] = assigned["assignRank"]["clientRank"]["since"]
    # The booking below names Ana: crm must have her card (it follows the cards' events).
    await crm_knows(owner, ACTIVE + 2)
    now = datetime.now(UTC)
    made = await owner(SESSION, {"id": f"s-{tag}", "at": (now + timedelta(minutes=1)).isoformat()})
    assert made["recordSession"]["accepted"], made
    booked = await owner(
        BOOKING, {"id": f"b-{tag}", "c": ana["id"], "s": f"s-{tag}", "at": now.isoformat()}
    )
    assert booked["recordBooking"]["accepted"], booked
    await eventually(
        lambda: owner(BOOKED),
        until=lambda d: d["crmSummary"]["bookedToday"]["count"] == 1,
        timeout=30,
    )
    # Every card made from now on needs a value of this field (the ones above have none).
    defined = await owner(REQUIRED_FIELD, {"l": SIZE})
    assert defined["defineCustomField"]["userErrors"] == [], defined
    csv = tmp_path / "clients.csv"
    # Line 3 has no last name: refused, reported by its line number. The field's column
    # (headed by its label) gives the other rows their required value.
    csv.write_text(
        f"first_name,last_name,email,{SIZE}\n"
        f"Carla,Csv{tag},carla{tag}@x.test,M\nNoLast,,,S\nDario,Csv{tag},,L\n"
    )
    people = {lang: await person(owner, lang) for lang in ("en", "es", "it")}
    # The English person works for a second studio too; its id sorts after the first's,
    # so signing in without naming a studio opens the first (identity's default_studio).
    await person(second, "en", email=people["en"]["email"])
    return {
        "url": CONSOLE_URL,
        "gateway": GATEWAY_URL.removesuffix("/graphql"),
        "people": people,
        "studios": [owner.tenant, second.tenant],
        "branch": branch["name"],
        "category": "Karate",
        "today": today.isoformat(),
        "whiteHolder": f"{bea['first']} {bea['last']}",
        "ana": ana,
        "bea": bea,
        "cleo": cleo,
        "beaSince": since["Bea"],
        "active": ACTIVE,
        "csv": str(csv),
        "badRow": 3,
        "requiredField": SIZE,
        "newClient": {"first": "Elsa", "last": f"New{tag}"},
    }


async def test_console_journeys_in_a_browser(
    tenant: str, graphs: Callable[..., Graph], producer: AIOKafkaProducer, tmp_path: Path
) -> None:
    assert shutil.which("node"), "the console's journeys need Node"
    chromium = shutil.which(os.environ.get("CHROMIUM", "chromium"))
    assert chromium, "the console's journeys need chromium (deploy/local installs it with apt-get)"
    owner = graphs(tenant, "OWNER")
    given = await studio(owner, graphs(f"{tenant}-second", "OWNER"), tmp_path)
    shots = screenshots_folder()
    shots.mkdir(parents=True, exist_ok=True)
    process = await asyncio.create_subprocess_exec(
        "node",
        str(SCRIPT),
        cwd=SCRIPT.parent.parent,
        env={
            **os.environ,
            "JOURNEY": json.dumps(given),
            "SCREENSHOTS": str(shots),
            "CHROMIUM": chromium,
        },
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
    )
    assert process.stdin is not None and process.stdout is not None
    lines: list[dict[str, Any]] = []
    try:
        while True:
            raw = await asyncio.wait_for(process.stdout.readline(), 120)
            assert raw, f"the journeys ended without a result: {lines}"
            line = json.loads(raw)
            lines.append(line)
            if line.get("ready") == "card":
                # The shop records a purchase while the card is open: the points it earns
                # must arrive live.
                bought = await owner(
                    PURCHASE,
                    {
                        "c": given["ana"]["id"],
                        "invoice": f"SHOP-{uuid.uuid4().hex[:6]}",
                        "at": datetime.now(UTC).isoformat(),
                    },
                )
                assert bought["recordPurchase"]["userErrors"] == [], bought
                process.stdin.write(b"go\n")
                await process.stdin.drain()
            if line.get("ready") == "inbox":
                # A partner reports Bea's two visits: she becomes eligible, the owners are told.
                since = datetime.fromisoformat(given["beaSince"])
                for i in (1, 2):
                    await visit(producer, tenant, given["bea"]["id"], since + timedelta(seconds=i))
                process.stdin.write(b"go\n")
                await process.stdin.drain()
            if line.get("done"):
                break
    finally:
        if process.returncode is None:
            process.kill()
        await process.wait()
    result = lines[-1]
    assert result["failed"] is None, result["failed"]
    assert result["violations"] == [], json.dumps(result["violations"], indent=1)
    screens = [line["screen"] for line in lines if "screen" in line]
    assert {
        "sign-in",
        "clients",
        "clients-filtered",
        "card",
        "import",
        "new-card",
        "crm",
        "ranks",
        "loyalty",
        "inbox",
        "studios",
        "templates",
        "crm-tools",
        "loyalty-edit",
        "ranks-edit",
    } <= set(screens)
    assert {
        f"{s}-{lang}" for s in ("clients", "card", "crm", "inbox") for lang in ("es", "it")
    } <= set(screens)
    assert {"promoted": "Yellow", "balance": 27} in [
        {k: v for k, v in line.items() if k != "ms"} for line in lines if "promoted" in line
    ]
    # Each double click had one effect: promoted to Yellow (not Orange), one stripe awarded
    # and taken back, demoted once (to White, not below), promoted again.
    history = await owner(
        "query($id: ID!) { client(id: $id) { rankHistory { kind toRank { name } } } }",
        {"id": given["ana"]["id"]},
    )
    changes = [(h["kind"], h["toRank"]["name"]) for h in history["client"]["rankHistory"]]
    assert changes == [
        ("ASSIGNMENT", "White"),
        ("PROMOTION", "Yellow"),
        ("STRIPE_AWARDED", "Yellow"),
        ("STRIPE_REMOVED", "Yellow"),
        ("DEMOTION", "White"),
        ("PROMOTION", "Yellow"),
    ], history
    # The card added in the browser carries the required field's value the form sent.
    new = given["newClient"]
    found = await owner(
        "query($q: String!) { clients(filter: {search: $q}) { edges { node {"
        " firstName customFields { field { label } value } } } } }",
        {"q": new["last"]},
    )
    nodes = [e["node"] for e in found["clients"]["edges"]]
    assert nodes == [
        {"firstName": new["first"], "customFields": [{"field": {"label": SIZE}, "value": "M"}]}
    ], found
