"""K4: tasks and funnels, and what the summary shows of them."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from aiokafka import AIOKafkaProducer
from plumbing.testing import Graph, eventually

from ..journeys import codes, crm_client

CREATE = """
mutation($f: String!) { createClient(input: {firstName: $f, lastName: "W"}) { client { id } } }"""
# The client's timeline as a task links to it (resolved by crm alone).
TIMELINE = "{ tasks { client { id timeline { edges { node { kind summary } } } } } }"
TASK = """
mutation($t: String!, $due: DateTime, $p: TaskPriority, $a: ID, $c: ID) {
  createTask(title: $t, dueAt: $due, priority: $p, assigneeId: $a, clientId: $c) {
    task { id title priority assigneeId done client { id } } userErrors { code field }
  }
}"""
COMPLETE = "mutation($id: ID!) { completeTask(id: $id) { task { id done } userErrors { code } } }"
FUNNEL = """
mutation($n: String!, $s: [String!]!) {
  createFunnel(name: $n, stages: $s) { funnel { id name stages { id name clientCount } } userErrors { code } }
}"""
MOVE = """
mutation($f: ID!, $c: ID!, $s: ID!) {
  moveClientInFunnel(funnelId: $f, clientId: $c, stageId: $s) {
    funnel { stages { name clientCount } } userErrors { code field }
  }
}"""
SUMMARY = """
query($d: Date!) { crmSummary(date: $d) {
  latestFunnels(first: 2) { name stages { name clientCount } }
  urgentTasks(first: 3) { title priority }
} }"""


async def test_k4_tasks_and_funnels(
    owner: Graph, graphs: Callable[..., Graph], producer: AIOKafkaProducer
) -> None:
    lia = await crm_client(owner, producer, "Lia", "W")
    now = datetime.now(UTC).replace(microsecond=0)
    operator = graphs(owner.tenant, "OPERATOR")

    made = {}
    for title, days, priority in (
        ("Call back", 3, "NORMAL"),
        ("Renew fee", 1, "URGENT"),
        ("Send offer", 2, "URGENT"),
        ("Tidy files", None, "LOW"),
        ("Birthday gift", 5, "HIGH"),
    ):
        due = (now + timedelta(days=days)).isoformat() if days else None
        data = await operator(
            TASK, {"t": title, "due": due, "p": priority, "a": "staff-9", "c": lia}
        )
        assert data["createTask"]["userErrors"] == []
        made[title] = data["createTask"]["task"]
    assert made["Renew fee"]["client"] == {"id": lia}
    assert made["Renew fee"]["assigneeId"] == "staff-9"

    blank = await operator(TASK, {"t": "   "})
    assert codes(blank["createTask"]) == ["REQUIRED"]
    stranger = await operator(TASK, {"t": "x", "c": "nobody"})
    assert codes(stranger["createTask"]) == ["UNKNOWN_CLIENT"]
    unknown = await operator(COMPLETE, {"id": "nope"})
    assert codes(unknown["completeTask"]) == ["NOT_FOUND"]

    done = await operator(COMPLETE, {"id": made["Renew fee"]["id"]})
    assert done["completeTask"]["task"]["done"] is True
    again = await operator(COMPLETE, {"id": made["Renew fee"]["id"]})
    assert again["completeTask"] == {
        "task": {"id": made["Renew fee"]["id"], "done": True},
        "userErrors": [],
    }

    # Funnels are program settings: managers create them, operators move clients.
    refused = await operator.raw(FUNNEL, {"n": "Leads", "s": ["New"]})
    assert refused["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    dup = await owner(FUNNEL, {"n": "Leads", "s": ["New", "new"]})
    assert codes(dup["createFunnel"]) == ["DUPLICATE_STAGE"]
    older = (await owner(FUNNEL, {"n": "Old", "s": ["A"]}))["createFunnel"]["funnel"]
    funnel = (await owner(FUNNEL, {"n": "Trial to member", "s": ["Trial", "Offer", "Member"]}))[
        "createFunnel"
    ]["funnel"]
    trial, offer = funnel["stages"][0]["id"], funnel["stages"][1]["id"]
    moved = await operator(MOVE, {"f": funnel["id"], "c": lia, "s": trial})
    moved = await operator(MOVE, {"f": funnel["id"], "c": lia, "s": offer})
    assert moved["moveClientInFunnel"]["funnel"]["stages"] == [
        {"name": "Trial", "clientCount": 0},
        {"name": "Offer", "clientCount": 1},
        {"name": "Member", "clientCount": 0},
    ]
    bad_stage = await operator(MOVE, {"f": funnel["id"], "c": lia, "s": "zzz"})
    assert codes(bad_stage["moveClientInFunnel"]) == ["UNKNOWN_STAGE"]
    bad_funnel = await operator(MOVE, {"f": "zzz", "c": lia, "s": trial})
    assert codes(bad_funnel["moveClientInFunnel"]) == ["NOT_FOUND"]

    summary = (await owner(SUMMARY, {"d": now.date().isoformat()}))["crmSummary"]
    assert [f["name"] for f in summary["latestFunnels"]] == ["Trial to member", "Old"]
    assert older["name"] == "Old"
    # Open tasks only, most urgent first (priority, then due date).
    assert summary["urgentTasks"] == [
        {"title": "Send offer", "priority": "URGENT"},
        {"title": "Birthday gift", "priority": "HIGH"},
        {"title": "Call back", "priority": "NORMAL"},
    ]
    listed = await owner("{ tasks(done: true) { title done } }")
    assert listed["tasks"] == [{"title": "Renew fee", "done": True}]
    client = graphs(owner.tenant, "CLIENT", client_id=lia)
    assert (await client.raw("{ tasks { title } }"))["errors"][0]["extensions"][
        "code"
    ] == "FORBIDDEN"

    # crm.events reach the timeline of the client (through Kafka).
    def kinds(data: dict[str, Any]) -> set[str]:
        return {e["node"]["kind"] for e in data["tasks"][0]["client"]["timeline"]["edges"]}

    timeline = await eventually(
        lambda: owner(TIMELINE),
        until=lambda d: (
            {"TASK_CREATED", "TASK_COMPLETED", "CLIENT_MOVED_IN_FUNNEL"} <= kinds(d)
            and len(d["tasks"][0]["client"]["timeline"]["edges"]) >= 8
            and any(
                "Offer" in e["node"]["summary"]
                for e in d["tasks"][0]["client"]["timeline"]["edges"]
            )
        ),
        timeout=30,
    )
    summaries = [e["node"]["summary"] for e in timeline["tasks"][0]["client"]["timeline"]["edges"]]
    assert "Moved to stage Offer of funnel Trial to member" in summaries
