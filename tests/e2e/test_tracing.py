"""P4: one trace follows a request from the caller through the gateway into the subgraph,
and the event it caused from the relay into the consumers (console exporter, local): the
gateway's spans join the caller's trace and the subgraph's are their children."""

from __future__ import annotations

import json
import secrets

import httpx
from plumbing.testing import GATEWAY_URL, ROOT, Graph, eventually


def spans_with(trace_id: str, log: str) -> list[dict[str, object]]:
    found = []
    for line in (ROOT / ".data" / "logs" / f"{log}.log").read_text(errors="replace").splitlines():
        if trace_id in line and line.startswith("{") and '"context"' in line:
            try:
                found.append(json.loads(line))
            except json.JSONDecodeError:
                continue
    return found


async def test_a_trace_follows_the_request_and_its_event(owner: Graph) -> None:
    trace_id = secrets.token_hex(16)
    headers = {**owner.headers(), "traceparent": f"00-{trace_id}-{secrets.token_hex(8)}-01"}
    async with httpx.AsyncClient(timeout=30) as http:
        response = await http.post(
            GATEWAY_URL,
            headers=headers,
            json={
                "query": 'mutation { createClient(input: {firstName: "Traza", lastName: "Uno"}) { client { id } } }'
            },
        )
    assert response.json()["data"]["createClient"]["client"]["id"]

    async def traced(log: str) -> list[dict[str, object]]:
        return spans_with(trace_id, log)

    served = await eventually(lambda: traced("clients"), timeout=20)
    assert any(s.get("kind") == "SpanKind.SERVER" for s in served)
    gateway = await eventually(lambda: traced("gateway"), timeout=20)
    gateway_spans = {str(s["context"]["span_id"]) for s in gateway}  # type: ignore[index]
    assert any(s.get("kind") == "SpanKind.SERVER" for s in gateway)
    # The subgraph's request span hangs under one of the gateway's (its fetch).
    assert any(s.get("parent_id") in gateway_spans for s in served)
    assert any(str(s.get("name", "")).startswith("publish clients.events") for s in served)
    consumed = await eventually(lambda: traced("crm"), timeout=20)
    assert any(str(s.get("name")) == "consume clients.client_created.v1" for s in consumed)
