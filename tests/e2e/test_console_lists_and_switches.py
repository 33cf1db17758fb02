"""Through the gateway, what the console needed from the graph: a document shown to the
client after its upload, the studio's services and professionals (learnt from the
partner's sessions), its intake forms, the heat map filtered by the graph in the
studio's time zone, its staff, a template back to its default, creations safe to repeat,
and birthdays this month in the studio's time zone."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import httpx
from aiokafka import AIOKafkaProducer
from plumbing.testing import GATEWAY_URL, Graph, eventually, seed_studio

from ..journeys import crm_client, new_client
from .test_clients_files import upload

ERRORS = "userErrors { field message code }"
SESSION = """
mutation($id: ID!, $svc: ID!, $svcName: String, $pro: ID, $proName: String, $at: DateTime!) {
  recordSession(id: $id, serviceId: $svc, serviceName: $svcName, professionalId: $pro,
                professionalName: $proName, startsAt: $at, capacity: 10) { accepted } }"""
BOOKING = """
mutation($id: ID!, $c: ID!, $s: ID!, $at: DateTime!) {
  recordBooking(id: $id, clientId: $c, sessionId: $s, status: BOOKED, fromApp: false,
                occurredAt: $at) { accepted } }"""


def key() -> str:
    return str(uuid.uuid4())


async def test_a_document_is_shown_to_the_client_after_its_upload(
    owner: Graph, graphs: Callable[..., Graph], tenant: str
) -> None:
    client = await new_client(owner, "Vera", "Visible")
    uploaded = await upload(
        owner, {"c": client, "t": "consent"}, "consent.pdf", b"%PDF-1.7\n", "application/pdf"
    )
    (document,) = uploaded["data"]["uploadDocument"]["client"]["documents"]
    assert document["visibleToClient"] is False
    me = graphs(tenant, "CLIENT", client_id=client)
    mine = "query($c: ID!) { client(id: $c) { documents { id } } }"
    assert (await me(mine, {"c": client}))["client"]["documents"] == []

    switch = f"""mutation($c: ID!, $d: ID!, $v: Boolean!) {{
      setDocumentVisibility(clientId: $c, documentId: $d, visibleToClient: $v) {{
        client {{ id documents {{ id visibleToClient }} }} {ERRORS} }} }}"""
    shown = await owner(switch, {"c": client, "d": document["id"], "v": True})
    payload = shown["setDocumentVisibility"]
    assert payload["userErrors"] == [] and payload["client"]["id"] == client
    assert payload["client"]["documents"] == [{"id": document["id"], "visibleToClient": True}]
    assert (await me(mine, {"c": client}))["client"]["documents"] == [{"id": document["id"]}]

    unknown = await owner(switch, {"c": client, "d": "nope", "v": False})
    assert [(e["code"], e["field"]) for e in unknown["setDocumentVisibility"]["userErrors"]] == [
        ("NOT_FOUND", ["documentId"])
    ]
    refused = await me.raw(switch, {"c": client, "d": document["id"], "v": False})
    assert refused["data"]["setDocumentVisibility"] is None
    assert refused["errors"][0]["extensions"]["code"] == "FORBIDDEN"


async def test_the_studios_services_and_professionals_come_from_its_sessions(
    owner: Graph,
) -> None:
    at = (datetime.now(UTC) + timedelta(days=1)).isoformat()

    async def session(*fields: str | None) -> None:
        names = ("id", "svc", "svcName", "pro", "proName")
        done = await owner(SESSION, {**dict(zip(names, fields, strict=True)), "at": at})
        assert done["recordSession"]["accepted"]

    lists = "{ services { id name } professionals { id name } }"
    await session("s1", "yoga", "Yoga", "p1", "Lucía Gómez")
    await session("s2", "pil", "Pilates", None, None)
    await eventually(lambda: owner(lists), until=lambda d: len(d["services"]) == 2, timeout=30)
    # A later session names the service anew; one without a name keeps the known one.
    await session("s3", "yoga", "Yoga suave", "p2", None)
    await session("s4", "pil", None, None, None)
    known = await eventually(
        lambda: owner(lists),
        until=lambda d: (
            {"id": "yoga", "name": "Yoga suave"} in d["services"] and len(d["professionals"]) == 2
        ),
        timeout=30,
    )
    assert known["services"] == [
        {"id": "pil", "name": "Pilates"},
        {"id": "yoga", "name": "Yoga suave"},
    ]
    assert known["professionals"] == [
        {"id": "p1", "name": "Lucía Gómez"},
        {"id": "p2", "name": None},
    ]


async def test_the_intake_forms_are_those_the_custom_fields_name(owner: Graph) -> None:
    define = f"""mutation($l: String!, $f: [String!]) {{
      defineCustomField(label: $l, type: TEXT, collectOn: $f) {{ customField {{ id }} {ERRORS} }} }}"""
    size = await owner(define, {"l": "Talla", "f": ["Ficha de salud", "Alta"]})
    await owner(define, {"l": "Alergias", "f": ["Ficha de salud"]})
    forms = (await owner("{ forms { id name fields { label } } }"))["forms"]
    assert forms == [
        {"id": "form-alta", "name": "Alta", "fields": [{"label": "Talla"}]},
        {
            "id": "form-ficha-de-salud",
            "name": "Ficha de salud",
            "fields": [{"label": "Talla"}, {"label": "Alergias"}],
        },
    ]
    assert size["defineCustomField"]["userErrors"] == []
    client = await new_client(owner, "Fiona", "Forms")
    assign = f"""mutation($c: ID!, $f: ID!, $n: String!) {{
      assignForm(clientId: $c, formId: $f, name: $n) {{ client {{ forms {{ formId name }} }} {ERRORS} }} }}"""
    chosen = forms[1]
    done = await owner(assign, {"c": client, "f": chosen["id"], "n": chosen["name"]})
    assert done["assignForm"]["client"]["forms"] == [
        {"formId": "form-ficha-de-salud", "name": "Ficha de salud"}
    ]


async def test_the_heat_map_is_filtered_by_the_graph_in_the_studios_time_zone(
    owner: Graph, producer: AIOKafkaProducer
) -> None:
    madrid = ZoneInfo("Europe/Madrid")
    await seed_studio(producer, owner.tenant, "Europe/Madrid", "es")
    # A class at 09:00 in Madrid on the first Monday of last month (all in the past, so
    # its booking may be reported), and one of another service at 18:00 the same day.
    today = datetime.now(madrid).date()
    first = (today.replace(day=1) - timedelta(days=1)).replace(day=1)
    monday = first + timedelta(days=(7 - first.weekday()) % 7)
    nine = datetime(monday.year, monday.month, monday.day, 9, tzinfo=madrid)
    # The studio's zone reaches crm by event, as the card does (waited for).
    client = await crm_client(owner, producer, "Hana", "Heat")
    sessions = [("h1", "yoga", "p1", nine), ("h2", "pil", "p2", nine + timedelta(hours=9))]
    for session, svc, pro, at in sessions:
        variables = {"id": session, "svc": svc, "svcName": svc, "pro": pro, "proName": pro}
        assert (await owner(SESSION, {**variables, "at": at.isoformat()}))["recordSession"]
    booked = {"id": "hb1", "c": client, "s": "h1", "at": (nine - timedelta(hours=1)).isoformat()}
    await eventually(
        lambda: owner(BOOKING, booked), until=lambda d: d["recordBooking"]["accepted"], timeout=30
    )
    heat = """query($d: Date!) { crmSummary(date: $d, period: MONTH) {
      all: heatmap { weekday hour placesOffered placesBooked }
      yoga: heatmap(serviceId: "yoga") { weekday hour placesOffered placesBooked }
      p2: heatmap(professionalId: "p2") { weekday hour placesOffered placesBooked }
      none: heatmap(serviceId: "yoga", professionalId: "p2") { hour } } }"""
    summary = await eventually(
        lambda: owner(heat, {"d": monday.isoformat()}),
        until=lambda d: [c["placesBooked"] for c in d["crmSummary"]["yoga"]] == [1],
        timeout=30,
    )
    cells = summary["crmSummary"]
    assert cells["yoga"] == [{"weekday": 1, "hour": 9, "placesOffered": 10, "placesBooked": 1}]
    assert cells["p2"] == [{"weekday": 1, "hour": 18, "placesOffered": 10, "placesBooked": 0}]
    assert cells["none"] == []
    assert [(c["hour"], c["placesOffered"]) for c in cells["all"]] == [(9, 10), (18, 10)]


async def test_the_staff_list_shows_roles_to_managers_and_names_to_the_front_desk(
    graphs: Callable[..., Graph], tenant: str
) -> None:
    owner = graphs(tenant, "OWNER")
    invite = f"""mutation($e: String!, $r: Role!) {{
      inviteStaff(email: $e, role: $r) {{ invitation {{ code }} {ERRORS} }} }}"""
    tokens = {}
    base = GATEWAY_URL.removesuffix("/graphql")
    async with httpx.AsyncClient(base_url=base, timeout=30) as http:
        for name, role in [("Olga", "ADMIN"), ("Ivan", "OPERATOR")]:
            mail = f"{name.lower()}-{uuid.uuid4().hex[:8]}@staff.test"
            invited = await owner(invite, {"e": mail, "r": role})
            code = invited["inviteStaff"]["invitation"]["code"]
            accepted = await http.post(
                "/auth/accept-invitation",
                json={"code": code, "password": "a long enough password", "name": name},
            )
            assert accepted.status_code == 200, accepted.text
            tokens[role] = accepted.json()["access_token"]
    staff = "{ staff { id name role email } viewer { studios { studio name role } } }"
    as_admin = await graphs(tenant, token=tokens["ADMIN"])(staff)
    assert [(p["name"], p["role"]) for p in as_admin["staff"]] == [
        ("Ivan", "OPERATOR"),
        ("Olga", "ADMIN"),
    ]
    assert all(p["email"].endswith("@staff.test") for p in as_admin["staff"])
    studio = await owner("{ studio { name } }")
    assert as_admin["viewer"]["studios"] == [
        {"studio": tenant, "name": studio["studio"]["name"], "role": "ADMIN"}
    ]
    as_desk = await graphs(tenant, token=tokens["OPERATOR"])(staff)
    assert [(p["name"], p["role"], p["email"]) for p in as_desk["staff"]] == [
        ("Ivan", None, None),
        ("Olga", None, None),
    ]
    refused = await graphs(tenant, "CLIENT", client_id="c1").raw("{ staff { id } }")
    assert refused["data"]["staff"] is None


async def test_a_template_goes_back_to_its_default(
    owner: Graph, graphs: Callable[..., Graph]
) -> None:
    template = "template { key channel language body customized }"
    update = f"""mutation {{ updateNotificationTemplate(key: "points_balance", channel: SMS,
      language: "es", body: "{{studio}}: {{points}} puntos") {{ {template} {ERRORS} }} }}"""
    reset = f"""mutation($k: String!, $l: String!) {{
      resetNotificationTemplate(key: $k, channel: SMS, language: $l) {{ {template} {ERRORS} }} }}"""
    changed = await owner(update)
    assert changed["updateNotificationTemplate"]["template"]["customized"]
    back = (await owner(reset, {"k": "points_balance", "l": "es"}))["resetNotificationTemplate"]
    assert back["userErrors"] == [] and back["template"]["customized"] is False
    assert back["template"]["body"] != "{studio}: {points} puntos"
    listed = await owner("{ notificationTemplates { key channel language body customized } }")
    (same,) = [
        t
        for t in listed["notificationTemplates"]
        if (t["key"], t["channel"], t["language"]) == ("points_balance", "SMS", "es")
    ]
    assert same == back["template"]
    unknown = (await owner(reset, {"k": "nope", "l": "es"}))["resetNotificationTemplate"]
    assert [(e["code"], e["field"]) for e in unknown["userErrors"]] == [
        ("UNKNOWN_TEMPLATE", ["key"])
    ]
    operator = graphs(owner.tenant, "OPERATOR")
    refused = await operator.raw(reset, {"k": "points_balance", "l": "es"})
    assert refused["errors"][0]["extensions"]["code"] == "FORBIDDEN"


async def test_creating_a_task_a_funnel_or_an_automation_twice_with_one_key_creates_one(
    owner: Graph,
) -> None:
    task = f"""mutation($k: String) {{
      createTask(title: "Call Ana", priority: HIGH, idempotencyKey: $k) {{ task {{ id }} {ERRORS} }} }}"""
    funnel = f"""mutation($k: String) {{ createFunnel(name: "Leads", stages: ["New", "Won"],
      idempotencyKey: $k) {{ funnel {{ id }} {ERRORS} }} }}"""
    automation = f"""mutation($k: String) {{ createPointsAutomation(
      input: {{trigger: BIRTHDAY, points: 100, expiryDays: 30}}, idempotencyKey: $k) {{
      automation {{ id }} {ERRORS} }} }}"""

    async def twice(operation: str, field: str, thing: str) -> list[Any]:
        same = key()
        first, second = [(await owner(operation, {"k": same}))[field] for _ in range(2)]
        assert first["userErrors"] == [] and second == first, (first, second)
        return [first[thing]["id"]]

    made_task = await twice(task, "createTask", "task")
    made_funnel = await twice(funnel, "createFunnel", "funnel")
    made_automation = await twice(automation, "createPointsAutomation", "automation")
    listed = await owner("{ tasks { id } funnels { id } pointsAutomations { id } }")
    assert [t["id"] for t in listed["tasks"]] == made_task
    assert [f["id"] for f in listed["funnels"]] == made_funnel
    assert [a["id"] for a in listed["pointsAutomations"]] == made_automation

    other = await owner(funnel, {"k": key()})
    assert other["createFunnel"]["funnel"]["id"] != made_funnel[0]
    bad = (await owner(task, {"k": "has spaces"}))["createTask"]
    assert [e["code"] for e in bad["userErrors"]] == ["BAD_IDEMPOTENCY_KEY"]


async def test_birthdays_this_month_are_the_studios_month(owner: Graph) -> None:
    zone = "Pacific/Kiritimati"  # UTC+14: often another day, sometimes another month
    studio = f"""mutation($z: String!) {{ updateStudio(input: {{timeZone: $z}}) {{
      studio {{ timeZone }} {ERRORS} }} }}"""
    assert (await owner(studio, {"z": zone}))["updateStudio"]["studio"]["timeZone"] == zone
    month = datetime.now(ZoneInfo(zone)).date().month
    other = month % 12 + 1
    born_now = await new_client(owner, "Mia", "Month", birthDate=date(1990, month, 1).isoformat())
    await new_client(owner, "Otto", "Other", birthDate=date(1990, other, 1).isoformat())
    await new_client(owner, "Nadia", "None")
    search = """query { clients(filter: {birthdayThisMonth: true}) {
      totalCount edges { node { id } } } }"""
    found = await eventually(
        lambda: owner(search), until=lambda d: d["clients"]["totalCount"] >= 1, timeout=20
    )
    assert [e["node"]["id"] for e in found["clients"]["edges"]] == [born_now]
    everyone = await owner("{ clients(filter: {birthdayThisMonth: false}) { totalCount } }")
    assert everyone["clients"]["totalCount"] == 3
