"""Demo data of the crm context: today's sessions, bookings, a waitlist, cancellations,
sales, memberships, app use, tasks and a funnel, so the crm summary has a real day."""

from __future__ import annotations

import time as clock
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from studio_admin.demo.state import DemoState
from studio_admin.graph import Graph, GraphError

ZONE = ZoneInfo("Europe/Madrid")
SESSION = """
mutation($id: ID!, $svc: ID!, $name: String, $pro: ID, $branch: ID, $at: DateTime!, $cap: Int!) {
  recordSession(id: $id, serviceId: $svc, serviceName: $name, professionalId: $pro,
                branchId: $branch, startsAt: $at, capacity: $cap) { accepted userErrors { message code } }
}"""
BOOKING = """
mutation($id: ID!, $c: ID!, $s: ID!, $st: BookingStatus!, $app: Boolean!, $k: String, $at: DateTime!) {
  recordBooking(id: $id, clientId: $c, sessionId: $s, status: $st, fromApp: $app,
                balanceKind: $k, occurredAt: $at) { accepted userErrors { message code } }
}"""
MEMBERSHIP = """
mutation($input: MembershipInput!) { recordMembership(input: $input) { accepted userErrors { message code } } }"""
PURCHASE = """
mutation($input: PurchaseInput!) { recordPurchase(input: $input) { accepted userErrors { message code } } }"""
APP = """
mutation($c: ID!, $k: AppEventKind!, $p: AppPlatform, $at: DateTime!) {
  recordAppEvent(clientId: $c, kind: $k, platform: $p, occurredAt: $at) { accepted userErrors { message code } }
}"""
TASK = """
mutation($t: String!, $due: DateTime, $p: TaskPriority, $c: ID) {
  createTask(title: $t, dueAt: $due, priority: $p, clientId: $c) { task { id } userErrors { message code } }
}"""
FUNNEL = """
mutation($n: String!, $s: [String!]!) {
  createFunnel(name: $n, stages: $s) { funnel { id stages { id } } userErrors { message code } }
}"""
MOVE = """
mutation($f: ID!, $c: ID!, $s: ID!) {
  moveClientInFunnel(funnelId: $f, clientId: $c, stageId: $s) { funnel { id } userErrors { message code } }
}"""


def record(graph: Graph, query: str, variables: dict[str, Any]) -> dict[str, Any]:
    """Record a fact; the crm service learns of new clients through Kafka, so a client
    created a moment ago may still be unknown to it: wait for it (up to a minute)."""
    for _ in range(120):
        data = graph(query, variables)
        payload: dict[str, Any] = next(iter(data.values()))
        codes = {e["code"] for e in payload.get("userErrors") or []}
        if not codes:
            return payload
        if codes != {"UNKNOWN_CLIENT"}:
            raise GraphError(str(payload["userErrors"]))
        clock.sleep(0.5)
    raise GraphError(f"the crm service never learnt of the client in {variables}")


def local(day: date, hour: int, minute: int = 0) -> str:
    return datetime.combine(day, time(hour, minute), ZONE).isoformat()


# The last of the morning's facts below (a log-out at 08:30).
LAST_FACT = time(8, 30)


def happened(day: date, hour: int, minute: int = 0) -> str:
    """When one of today's facts happened: at that time; or, before the morning's facts
    have all come to pass, folded in the same order into the day's first minutes (a fact
    from the future is refused: FUTURE_TIME)."""
    if datetime.now(ZONE) >= datetime.combine(day, LAST_FACT, ZONE):
        return local(day, hour, minute)
    start = datetime.combine(day, time(0), ZONE)
    return (start + timedelta(seconds=(hour * 60 + minute) // 10)).isoformat()


def payment_activity(i: int, today: date) -> list[dict[str, Any]]:
    """The last months' fees of membership `i`; the third client's card was refused."""
    at = datetime.combine(today - timedelta(days=20), time(6), ZONE)
    tried: list[dict[str, Any]] = [
        {"id": f"pay-{i}-1", "at": (at - timedelta(days=30)).isoformat(), "amount": "49.00",
         "outcome": "SUCCEEDED", "method": "CARD"},
        {"id": f"pay-{i}-2", "at": at.isoformat(), "amount": "49.00",
         "outcome": "FAILED" if i == 2 else "SUCCEEDED", "method": "CARD",
         "reason": "Tarjeta caducada" if i == 2 else None},
    ]  # fmt: skip
    if i == 2:
        tried.append(
            {"id": f"pay-{i}-3", "at": (at + timedelta(days=2)).isoformat(), "amount": "49.00",
             "outcome": "SUCCEEDED", "method": "TRANSFER"}
        )  # fmt: skip
    return tried


def fill(graph: Graph, state: DemoState) -> None:
    today = datetime.now(ZONE).date()
    ids = list(state.client_ids.values())
    if len(ids) < 8:
        return
    centro, norte = state.branch_ids.get("Centro"), state.branch_ids.get("Norte")
    sessions = [
        ("yoga-0900", "yoga", "Yoga", "prof-marta", centro, 9, 12),
        ("karate-1800", "karate", "Karate infantil", "prof-kenji", norte, 18, 10),
        ("pilates-1900", "pilates", "Pilates", "prof-marta", centro, 19, 6),
    ]
    for sid, svc, name, pro, branch, hour, cap in sessions:
        record(
            graph,
            SESSION,
            {
                "id": f"{today}-{sid}",
                "svc": svc,
                "name": name,
                "pro": pro,
                "branch": branch,
                "at": local(today, hour),
                "cap": cap,
            },
        )
    reported = datetime.now(ZONE).isoformat()
    for i, client in enumerate(ids[:6]):
        record(
            graph,
            MEMBERSHIP,
            {
                "input": {
                    "id": f"mem-{i}",
                    "clientId": client,
                    "plan": "Mensual ilimitado" if i % 2 else "Bono 10 clases",
                    "status": "ACTIVE",
                    "validFrom": (today - timedelta(days=20)).isoformat(),
                    "validUntil": (today + timedelta(days=10 - 3 * i)).isoformat(),
                    "toleranceDays": 3,
                    "branchId": centro,
                    "reportedAt": reported,
                    "credits": [
                        {
                            "id": f"cr-{i}",
                            "kind": "CLASS",
                            "status": "AVAILABLE" if i % 3 else "IN_USE",
                        }
                    ],
                    # C11: the next fee and the attempts to collect the last ones.
                    "nextPaymentOn": (today + timedelta(days=10 - 3 * i)).isoformat(),
                    "payments": payment_activity(i, today),
                }
            },
        )
    early = happened(today, 7)
    s = [f"{today}-{sid}" for sid, *_ in sessions]
    # The scheduler fixes its pilates class: a bigger room (a correction, not a new session).
    record(
        graph,
        SESSION,
        {"id": s[2], "svc": "pilates", "name": "Pilates", "pro": "prof-marta",
         "branch": centro, "at": local(today, 19), "cap": 8},
    )  # fmt: skip
    bookings = [
        ("bk-1", ids[0], s[0], "BOOKED", True, "CLASS", early),
        ("bk-2", ids[1], s[0], "BOOKED", False, "CLASS", early),
        ("bk-3", ids[2], s[1], "BOOKED", True, "MEMBERSHIP", early),
        ("bk-4", ids[3], s[2], "BOOKED", False, "CLASS", early),
        ("bk-4", ids[3], s[2], "CANCELLED", False, "CLASS", happened(today, 7, 15)),
        ("bk-5", ids[3], s[0], "BOOKED", False, "CLASS", happened(today, 7, 30)),
        ("bk-6", ids[4], s[1], "BOOKED", True, "MEMBERSHIP", early),
        ("bk-7", ids[5], s[2], "BOOKED", False, "CLASS", early),
        ("wl-1", ids[6], s[2], "WAITLISTED", False, None, early),
        ("wl-1", ids[6], s[2], "CONVERTED", False, "CLASS", happened(today, 7, 20)),
        ("wl-2", ids[7], s[2], "WAITLISTED", True, None, early),
    ]
    for bid, client, sid, status, app, kind, at in bookings:
        record(
            graph,
            BOOKING,
            {"id": bid, "c": client, "s": sid, "st": status, "app": app, "k": kind, "at": at},
        )
    # L3: Marco pays part of his private lesson with points at the till.
    marco = state.client_ids.get("Marco Rossi")
    if marco:
        record(
            graph,
            PURCHASE,
            {"input": {"clientId": marco, "invoiceNumber": "F-1003", "channel": "IN_STUDIO",
                       "branchId": centro, "occurredAt": datetime.now(ZONE).isoformat(),
                       "lines": [{"category": "SERVICE", "itemId": "svc-private-lesson",
                                  "name": "Clase particular", "amount": "35.00"}],
                       "payments": [{"method": "POINTS", "amount": "10.00"},
                                    {"method": "CASH", "amount": "25.00"}]}},
        )  # fmt: skip
    for inv, client, total, paid in (
        ("F-1001", ids[0], "60.00", "60.00"),
        ("F-1002", ids[1], "45.00", "15.00"),
    ):
        record(
            graph,
            PURCHASE,
            {
                "input": {
                    "clientId": client,
                    "invoiceNumber": inv,
                    "channel": "IN_STUDIO",
                    "branchId": centro,
                    "occurredAt": early,
                    "lines": [
                        {
                            "category": "VOUCHER",
                            "itemId": "bono-10",
                            "name": "Bono 10 clases",
                            "amount": total,
                        }
                    ],
                    "payments": [{"method": "CARD", "amount": paid}],
                }
            },
        )
    for client, platform in (
        (ids[0], "IOS"),
        (ids[2], "ANDROID"),
        (ids[4], "IOS"),
        (ids[6], "ANDROID"),
    ):
        record(
            graph,
            APP,
            {"c": client, "k": "SESSION_STARTED", "p": platform, "at": happened(today, 8)},
        )
    record(graph, APP, {"c": ids[6], "k": "LOGGED_OUT", "at": happened(today, 8, 30)})
    now = datetime.now(ZONE)
    tasks: list[tuple[str, int, str, str | None]] = [
        ("Llamar para renovar la cuota", 1, "URGENT", ids[1]),
        ("Felicitar por el cinturón", 3, "NORMAL", ids[2]),
        ("Enviar oferta de verano", 10, "LOW", None),
    ]
    for title, days, priority, about in tasks:
        record(
            graph,
            TASK,
            {
                "t": title,
                "due": (now + timedelta(days=days)).isoformat(),
                "p": priority,
                "c": about,
            },
        )
    funnel = record(
        graph, FUNNEL, {"n": "Prueba gratuita", "s": ["Interesado", "Clase de prueba", "Socio"]}
    )["funnel"]
    stages = [stage["id"] for stage in funnel["stages"]]
    for member, stage in (
        (ids[8] if len(ids) > 8 else ids[7], stages[0]),
        (ids[7], stages[1]),
        (ids[5], stages[2]),
    ):
        record(graph, MOVE, {"f": funnel["id"], "c": member, "s": stage})
