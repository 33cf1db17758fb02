"""K1–K3, K5, K6: a scripted day of facts in a Madrid studio and the summary worked out
by hand. Facts arrive through the graph (the `record*` mutations); the summary is read
from the read models the consumer keeps."""

from __future__ import annotations

import functools
import json
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest
from aiokafka import AIOKafkaProducer
from plumbing import topics
from plumbing.envelope import Envelope
from plumbing.testing import (
    SERVICE_PORTS,
    Graph,
    eventually,
    seed_studio,
)

from ..journeys import crm_client

MADRID = ZoneInfo("Europe/Madrid")
JOB_URL = f"http://127.0.0.1:{SERVICE_PORTS['crm']}/_dev/jobs/crm_daily"

CREATE = """
mutation($input: ClientInput!) { createClient(input: $input) { client { id } userErrors { code } } }"""
TASK = 'mutation($c: ID) { createTask(title: "Follow up", clientId: $c) { userErrors { code } } }'
TASK_TIMELINE = "{ tasks { client { timeline { edges { node { kind } } } } } }"
SESSION = """
mutation($id: ID!, $svc: ID!, $pro: ID!, $at: DateTime!, $cap: Int!) {
  recordSession(id: $id, serviceId: $svc, professionalId: $pro, startsAt: $at, capacity: $cap) {
    accepted userErrors { code message } } }"""
BOOKING = """
mutation($id: ID!, $c: ID!, $s: ID!, $st: BookingStatus!, $app: Boolean!, $k: String, $at: DateTime!) {
  recordBooking(id: $id, clientId: $c, sessionId: $s, status: $st, fromApp: $app,
                balanceKind: $k, occurredAt: $at) { accepted userErrors { code message } } }"""
MEMBERSHIP = """
mutation($input: MembershipInput!) { recordMembership(input: $input) { accepted userErrors { code message } } }"""
PURCHASE = """
mutation($input: PurchaseInput!) { recordPurchase(input: $input) { accepted userErrors { code message } } }"""
REFUND = """
mutation($inv: String!, $at: DateTime!) { refundPurchase(invoiceNumber: $inv, occurredAt: $at) { accepted } }"""
APP = """
mutation($c: ID!, $k: AppEventKind!, $p: AppPlatform, $at: DateTime!) {
  recordAppEvent(clientId: $c, kind: $k, platform: $p, occurredAt: $at) { accepted userErrors { code } } }"""
SUMMARY = """
query($d: Date!, $p: Period) {
  crmSummary(date: $d, period: $p) {
    occupancy { at placesOffered placesBooked rate }
    yoga: occupancy(serviceId: "yoga") { at placesOffered placesBooked rate }
    pro2: occupancy(professionalId: "pro-2") { at placesOffered placesBooked rate }
    bookedToday { count clients { id } } bookedFromApp
    onWaitlist { count clients { id } } waitlistConverted
    cancelled { count clients { id } } rebookedWithin7Days
    withUnpaidSale { count clients { id } }
    birthdays { count clients { id } }
    withActiveFee withBalance withUnusedBalance withBalanceNoBooking activeInApp withApp
    all: demographics { gender { key count } ageBands { key count } appPlatform { key count } }
    active: demographics(scope: ACTIVE) { gender { key count } ageBands { key count } appPlatform { key count } }
    heatmap { weekday hour placesOffered placesBooked rate }
    previousPeriod { bookedToday { count } occupancy { placesOffered } }
  }
}"""


def local(day: date, hour: int, minute: int = 0) -> str:
    return datetime.combine(day, time(hour, minute), MADRID).isoformat()


def happened(day: date, hour: int, minute: int = 0) -> str:
    """When a fact of the scripted day happened: the script's clock (07:00, 07:10 …)
    folded into the day's first minutes, in the same order, so that the facts of today
    have happened whenever the test runs (a fact from the future is FUTURE_TIME)."""
    start = datetime.combine(day, time(0), MADRID)
    return (start + timedelta(seconds=(hour * 60 + minute) // 10)).isoformat()


def ok(payload: dict[str, Any]) -> None:
    [(name, result)] = payload.items()
    assert result["accepted"], (name, result)


def buckets(rows: list[dict[str, Any]]) -> dict[str, int]:
    return {r["key"]: r["count"] for r in rows if r["count"]}


async def test_k1_to_k6_a_scripted_day(owner: Graph, producer: AIOKafkaProducer) -> None:
    await seed_studio(producer, owner.tenant, "Europe/Madrid", "es")
    today = datetime.now(MADRID).date()
    y = today.year
    away = date(y - 20, 1, 1) if (today.month, today.day) != (1, 1) else date(y - 20, 1, 2)
    born = date(y - 30, today.month, min(today.day, 28)).isoformat()
    ana = await crm_client(owner, producer, "Ana", "A", count=1, gender="FEMALE", birth=born)
    bruno = await crm_client(
        owner, producer, "Bruno", "B", count=2, gender="MALE", birth=away.isoformat()
    )
    carla = await crm_client(owner, producer, "Carla", "C", count=3)
    dario = await crm_client(
        owner,
        producer,
        "Dario",
        "D",
        count=4,
        gender="MALE",
        birth=away.replace(year=y - 70).isoformat(),
    )
    elena = await crm_client(
        owner,
        producer,
        "Elena",
        "E",
        count=5,
        gender="FEMALE",
        birth=away.replace(year=y - 40).isoformat(),
    )
    names = {ana: "Ana", bruno: "Bruno", carla: "Carla", dario: "Dario", elena: "Elena"}

    # K3 first: memberships as the billing partner reports them.
    def membership(
        mid: str,
        client: str,
        status: str,
        start: int,
        end: int | None,
        tol: int,
        credits: list[tuple[str, int | None]],
    ) -> dict[str, Any]:
        return {
            "id": mid,
            "clientId": client,
            "plan": "Plan",
            "status": status,
            "validFrom": (today + timedelta(days=start)).isoformat(),
            "validUntil": (today + timedelta(days=end)).isoformat() if end is not None else None,
            "toleranceDays": tol,
            "reportedAt": datetime.now(UTC).isoformat(),
            "credits": [
                {
                    "id": f"{mid}-{i}",
                    "kind": "CLASS",
                    "status": st,
                    "expiresAt": datetime.combine(
                        today + timedelta(days=exp), time(23), MADRID
                    ).isoformat()
                    if exp is not None
                    else None,
                }
                for i, (st, exp) in enumerate(credits)
            ],
        }

    for m in (
        membership(
            "m-ana", ana, "ACTIVE", -30, -2, 3, [("AVAILABLE", 30)]
        ),  # tolerance keeps it valid
        membership(
            "m-bruno", bruno, "ACTIVE", -60, -5, 2, [("IN_USE", None)]
        ),  # ended 3 days ago (+2)
        membership(
            "m-carla", carla, "ACTIVE", -10, None, 0, [("USED", None)]
        ),  # open-ended, no balance
        membership(
            "m-dario", dario, "CANCELLED", -10, 20, 0, [("AVAILABLE", -1)]
        ),  # cancelled, expired credit
        membership("m-elena", elena, "ACTIVE", -1, 30, 0, [("AVAILABLE", None)]),
    ):
        ok(await owner(MEMBERSHIP, {"input": m}))
    # Balances known before the bookings (the other order: the test after this one).
    await eventually(
        lambda: owner(SUMMARY, {"d": today.isoformat()}),
        until=lambda s: (
            s["crmSummary"]["withBalance"] == 3 and s["crmSummary"]["withActiveFee"] == 3
        ),
        timeout=30,
    )

    # K1/K2: three sessions today.
    for sid, svc, pro, hour, cap in (
        ("S1", "yoga", "pro-1", 9, 10),
        ("S2", "karate", "pro-2", 9, 5),
        ("S3", "yoga", "pro-2", 18, 4),
    ):
        ok(
            await owner(
                SESSION, {"id": sid, "svc": svc, "pro": pro, "at": local(today, hour), "cap": cap}
            )
        )
    early = happened(today, 7)
    for bid, client, sid, status, app, kind, at in (
        ("B1", ana, "S1", "BOOKED", True, "CREDIT", early),
        ("B2", bruno, "S1", "BOOKED", False, "CREDIT", early),
        ("B3", carla, "S2", "BOOKED", True, None, early),
        ("B4", bruno, "S3", "BOOKED", False, "CREDIT", early),
        ("B4", bruno, "S3", "CANCELLED", False, "CREDIT", happened(today, 7, 10)),
        # re-booked, same kind:
        ("B5", bruno, "S3", "BOOKED", False, "CREDIT", happened(today, 7, 20)),
        ("B6", dario, "S3", "BOOKED", False, "MEMBERSHIP", early),
        ("B6", dario, "S3", "CANCELLED", False, "MEMBERSHIP", happened(today, 7, 10)),
        (
            "B7",
            dario,
            "S2",
            "BOOKED",
            False,
            "CREDIT",
            happened(today, 7, 20),
        ),  # another kind: not re-booked
        ("W1", carla, "S3", "WAITLISTED", False, None, early),
        ("W1", carla, "S3", "CONVERTED", False, None, happened(today, 7, 30)),
        ("W2", ana, "S2", "WAITLISTED", False, None, early),
    ):
        ok(
            await owner(
                BOOKING,
                {"id": bid, "c": client, "s": sid, "st": status, "app": app, "k": kind, "at": at},
            )
        )

    def sale(inv: str, client: str, total: str, paid: str) -> dict[str, Any]:
        return {
            "input": {
                "clientId": client,
                "invoiceNumber": inv,
                "channel": "IN_STUDIO",
                "occurredAt": early,
                "lines": [{"category": "PACK", "itemId": "p", "name": "Pack", "amount": total}],
                "payments": [{"method": "CASH", "amount": paid}] if paid != "0" else [],
            }
        }

    ok(await owner(PURCHASE, sale("INV-1", bruno, "50.00", "20.00")))  # 30 owed, booked today
    ok(await owner(PURCHASE, sale("INV-2", ana, "40.00", "40.00")))  # paid
    ok(await owner(PURCHASE, sale("INV-3", carla, "30.00", "0")))  # owed, then refunded
    ok(await owner(REFUND, {"inv": "INV-3", "at": happened(today, 8)}))
    ok(await owner(PURCHASE, sale("INV-4", elena, "30.00", "0")))  # owed, but no booking today

    # K6: app sessions.
    for client, kind, platform, at in (
        (ana, "SESSION_STARTED", "IOS", happened(today, 8)),
        (bruno, "SESSION_STARTED", "ANDROID", happened(today, 8)),
        (bruno, "LOGGED_OUT", None, happened(today, 8, 30)),  # out on logout (still active today)
        (
            carla,
            "SESSION_STARTED",
            "ANDROID",
            (datetime.combine(today, time(8), MADRID) - timedelta(days=40)).isoformat(),
        ),
        (
            carla,
            "APP_UNINSTALLED",
            None,
            (datetime.combine(today, time(8), MADRID) - timedelta(days=39)).isoformat(),
        ),
        (dario, "SESSION_STARTED", "IOS", happened(today, 8)),
    ):
        ok(await owner(APP, {"c": client, "k": kind, "p": platform, "at": at}))

    def done(s: dict[str, Any]) -> bool:
        c = s["crmSummary"]
        return bool(
            c["withApp"] == 2
            and c["waitlistConverted"] == 1
            and c["rebookedWithin7Days"] == 1
            and c["withUnpaidSale"]["count"] == 1
            and c["cancelled"]["count"] == 2
            and c["onWaitlist"]["count"] == 2
            and c["bookedToday"]["count"] == 4
            and c["activeInApp"] == 3
            and sum(p["placesBooked"] for p in c["occupancy"]) == 6
        )

    got = (
        await eventually(lambda: owner(SUMMARY, {"d": today.isoformat()}), until=done, timeout=60)
    )["crmSummary"]

    nine, six = datetime.combine(today, time(9), MADRID), datetime.combine(today, time(18), MADRID)

    def point(at: datetime, offered: int, booked: int, rate: float) -> dict[str, Any]:
        return {
            "at": at.astimezone(UTC).isoformat(),
            "placesOffered": offered,
            "placesBooked": booked,
            "rate": rate,
        }

    def same(points: list[dict[str, Any]]) -> list[dict[str, Any]]:
        return [
            {
                **p,
                "at": datetime.fromisoformat(p["at"].replace("Z", "+00:00"))
                .astimezone(UTC)
                .isoformat(),
            }
            for p in points
        ]

    # 09:00 offers 10 (S1) + 5 (S2); booked B1, B2 (S1) + B3, B7 (S2) = 4 of 15.
    # 18:00 offers 4 (S3); B4 and B6 cancelled, B5 and the converted W1 remain = 2 of 4.
    assert same(got["occupancy"]) == [point(nine, 15, 4, 0.2667), point(six, 4, 2, 0.5)]
    assert same(got["yoga"]) == [point(nine, 10, 2, 0.2), point(six, 4, 2, 0.5)]
    assert same(got["pro2"]) == [point(nine, 5, 2, 0.4), point(six, 4, 2, 0.5)]

    def who(listed: dict[str, Any]) -> set[str]:
        return {names[c["id"]] for c in listed["clients"]}

    assert who(got["bookedToday"]) == {"Ana", "Bruno", "Carla", "Dario"}
    assert got["bookedFromApp"] == 2  # B1 and B3
    assert who(got["onWaitlist"]) == {"Carla", "Ana"} and got["waitlistConverted"] == 1
    assert who(got["cancelled"]) == {"Bruno", "Dario"} and got["rebookedWithin7Days"] == 1
    assert who(got["withUnpaidSale"]) == {"Bruno"}
    assert got["birthdays"]["count"] == (1 if today.day <= 28 else 0)
    if today.day <= 28:
        assert got["birthdays"]["clients"] == [{"id": ana}]
    # K3: fee valid today = Ana (tolerance), Carla (open-ended), Elena; balance = Ana
    # (available), Bruno (in use), Elena; never used = Ana, Elena; balance but no booking
    # today = Elena; active in the app today = Ana, Bruno, Dario.
    assert (got["withActiveFee"], got["withBalance"], got["withUnusedBalance"]) == (3, 3, 2)
    assert (got["withBalanceNoBooking"], got["activeInApp"], got["withApp"]) == (1, 3, 2)
    # K5: all five; active = those with a valid fee (Ana, Carla, Elena).
    assert buckets(got["all"]["gender"]) == {"FEMALE": 2, "MALE": 2, "UNDISCLOSED": 1}
    assert buckets(got["all"]["ageBands"]) == {
        "25-34": 1,
        "18-24": 1,
        "UNKNOWN": 1,
        "65+": 1,
        "35-44": 1,
    }
    assert buckets(got["all"]["appPlatform"]) == {"IOS": 2}
    assert buckets(got["active"]["gender"]) == {"FEMALE": 2, "UNDISCLOSED": 1}
    assert buckets(got["active"]["ageBands"]) == {"25-34": 1, "UNKNOWN": 1, "35-44": 1}
    assert buckets(got["active"]["appPlatform"]) == {"IOS": 1}

    # B10: the month as weekday x hour cells; yesterday had nothing booked.
    weekday = today.isoweekday()
    assert got["heatmap"] == [
        {"weekday": weekday, "hour": 9, "placesOffered": 15, "placesBooked": 4, "rate": 0.2667},
        {"weekday": weekday, "hour": 18, "placesOffered": 4, "placesBooked": 2, "rate": 0.5},
    ]
    assert got["previousPeriod"] == {"bookedToday": {"count": 0}, "occupancy": []}

    month = (await owner(SUMMARY, {"d": today.isoformat(), "p": "MONTH"}))["crmSummary"]
    first = today.replace(day=1)
    assert same(month["occupancy"]) == [
        point(datetime.combine(first, time(9), MADRID), 15, 4, 0.2667),
        point(datetime.combine(first, time(18), MADRID), 4, 2, 0.5),
    ]
    assert month["activeInApp"] == (3 if (today - timedelta(days=40)).month != today.month else 4)
    # Another day of the month has nothing booked.
    other = today + timedelta(days=1) if today.day < 28 else today - timedelta(days=1)
    quiet = (await owner(SUMMARY, {"d": other.isoformat()}))["crmSummary"]
    assert quiet["occupancy"] == [] and quiet["bookedToday"]["count"] == 0


async def test_k6_twelve_months_without_use_or_notifications(
    owner: Graph, producer: AIOKafkaProducer
) -> None:
    idle = await crm_client(owner, producer, "Idle", "I", count=1)
    told = await crm_client(owner, producer, "Told", "T", count=2)
    now = datetime.now(UTC).replace(microsecond=0)
    for client in (idle, told):
        ok(
            await owner(
                APP, {"c": client, "k": "SESSION_STARTED", "p": "ANDROID", "at": now.isoformat()}
            )
        )
    # The notifications context sent "told" a push six months later.
    sent = Envelope(
        type="notifications.message_sent.v1",
        source="services/notifications",
        tenant=owner.tenant,
        subject=told,
        time=now + timedelta(days=182),
        data={"client_id": told, "channel": "PUSH", "message_id": "m1"},
    )
    await producer.send_and_wait(topics.NOTIFICATIONS, sent.to_bytes(), key=sent.key.encode())
    day = now.date().isoformat()
    await eventually(
        lambda: owner(SUMMARY, {"d": day}), until=lambda s: s["crmSummary"]["withApp"] == 2
    )
    # The push reached crm: it shows on told's timeline (reached through a task about told).
    assert (await owner(TASK, {"c": told}))["createTask"]["userErrors"] == []

    def kinds(d: dict[str, Any]) -> set[str]:
        return {e["node"]["kind"] for e in d["tasks"][0]["client"]["timeline"]["edges"]}

    await eventually(lambda: owner(TASK_TIMELINE), until=lambda d: "MESSAGE_SENT" in kinds(d))

    async def as_of(moment: datetime) -> dict[str, Any]:
        async with httpx.AsyncClient() as http:
            response = await http.post(
                JOB_URL,
                headers={"authorization": f"Bearer {owner.token}"},
                content=json.dumps({"as_of": moment.isoformat()}),
            )
        assert response.status_code == 200, response.text
        summary: dict[str, Any] = (await owner(SUMMARY, {"d": day}))["crmSummary"]
        return summary

    assert (await as_of(now + timedelta(days=300)))["withApp"] == 2
    # 13 months on: "idle" neither used the app nor got a notification for 12 months.
    later = await as_of(now + timedelta(days=396))
    assert later["withApp"] == 1
    assert buckets(later["all"]["appPlatform"]) == {"ANDROID": 1}
    # Bad input to the summary: an unknown period is refused by the schema.
    bad = await owner.raw('{ crmSummary(date: "2026-01-01", period: WEEK) { withApp } }')
    assert bad["errors"]


async def test_k3_a_booking_reported_before_the_balance_still_counts(
    owner: Graph, producer: AIOKafkaProducer
) -> None:
    await seed_studio(producer, owner.tenant, "Europe/Madrid", "es")
    today = datetime.now(MADRID).date()
    early = await crm_client(owner, producer, "Early", "Booker", count=1)
    idle = await crm_client(owner, producer, "Idle", "Holder", count=2)
    ok(
        await owner(
            SESSION, {"id": "K3", "svc": "yoga", "pro": "p", "at": local(today, 20), "cap": 5}
        )
    )
    booked = {"id": "K3-B", "c": early, "s": "K3", "st": "BOOKED", "app": False, "k": "CLASS"}
    ok(await owner(BOOKING, {**booked, "at": datetime.now(UTC).isoformat()}))
    await eventually(
        lambda: owner(SUMMARY, {"d": today.isoformat()}),
        until=lambda s: s["crmSummary"]["bookedToday"]["count"] == 1,
        timeout=30,
    )
    # The billing partner reports both clients' memberships only after the booking.
    for mid, client in (("K3-M1", early), ("K3-M2", idle)):
        membership = {
            "id": mid,
            "clientId": client,
            "plan": "Plan",
            "status": "ACTIVE",
            "validFrom": (today - timedelta(days=1)).isoformat(),
            "validUntil": (today + timedelta(days=30)).isoformat(),
            "toleranceDays": 0,
            "reportedAt": datetime.now(UTC).isoformat(),
            "credits": [{"id": f"{mid}-c", "kind": "CLASS", "status": "AVAILABLE"}],
        }
        ok(await owner(MEMBERSHIP, {"input": membership}))
    for period in ("DAY", "MONTH"):
        summary = await eventually(
            functools.partial(owner, SUMMARY, {"d": today.isoformat(), "p": period}),
            until=lambda s: s["crmSummary"]["withBalance"] == 2,
            timeout=30,
        )
        assert summary["crmSummary"]["withBalanceNoBooking"] == 1, period  # only the idle one


@pytest.mark.parametrize("zone", ["Pacific/Kiritimati", "Pacific/Pago_Pago"])
async def test_without_a_date_the_summary_is_of_the_studios_today(
    owner: Graph, producer: AIOKafkaProducer, zone: str
) -> None:
    """A studio 14 hours ahead of UTC, or 11 behind, gets its own today: not the caller's
    nor UTC's (a New York studio at 22:30 used to be shown the next day's birthdays)."""
    await seed_studio(producer, owner.tenant, zone, "en")
    before = datetime.now(ZoneInfo(zone)).date().isoformat()

    async def summarised() -> str:
        day: str = (await owner("{ crmSummary { date withApp } }"))["crmSummary"]["date"]
        return day

    def studios_today(day: str) -> bool:
        # The studio's settings reach crm through Kafka: until then it answers UTC's day.
        return day in {before, datetime.now(ZoneInfo(zone)).date().isoformat()}

    await eventually(summarised, until=studios_today, timeout=30)


BRANCH = """mutation($n: String!, $z: String) { addBranch(name: $n, timeZone: $z) {
  studio { branches { id name timeZone ownTimeZone } } userErrors { code } } }"""


async def test_every_branch_has_a_time_zone_and_its_own_today(owner: Graph) -> None:
    """A branch without a zone of its own follows the studio's; one with its own zone
    gets the summary of its own today (25 hours apart from the studio's: never the same
    day)."""
    ahead, behind = "Pacific/Kiritimati", "Pacific/Pago_Pago"
    await owner(
        "mutation($z: String!) { updateStudio(input: {timeZone: $z}) { userErrors { code } } }",
        {"z": ahead},
    )
    await owner(BRANCH, {"n": "Centre", "z": None})
    made = (await owner(BRANCH, {"n": "Harbour", "z": behind}))["addBranch"]["studio"]
    zones = {b["name"]: (b["timeZone"], b["ownTimeZone"]) for b in made["branches"]}
    assert zones == {"Centre": (ahead, None), "Harbour": (behind, behind)}
    harbour = next(b["id"] for b in made["branches"] if b["name"] == "Harbour")

    def today(zone: str) -> set[str]:
        return {datetime.now(ZoneInfo(zone)).date().isoformat()}

    async def days() -> tuple[str, str]:
        query = "query($b: ID) { crmSummary(branchId: $b) { date } }"
        branch = (await owner(query, {"b": harbour}))["crmSummary"]["date"]
        studio = (await owner(query, {"b": None}))["crmSummary"]["date"]
        return branch, studio

    # The zones reach crm through Kafka (clients.studio_updated.v1, `branch_time_zones`).
    branch_day, studio_day = await eventually(
        days, until=lambda d: d[0] in today(behind) and d[1] in today(ahead), timeout=30
    )
    assert branch_day != studio_day
