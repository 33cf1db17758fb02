"""C9 live (docs/live-updates.md): a fact that adds a line to a client's timeline reaches
the open card's subscription through the gateway as a TIMELINE change, its
`timelineEntry` resolved by crm in the caller's language; another client's card hears
nothing of it. The visit is put on Kafka as a partner reports it; crm's consumer adds the
line and announces it (`crm.timeline_entry_added.v1`, through crm's outbox)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from aiokafka import AIOKafkaProducer
from plumbing.live_testing import LiveCaller, over_sse, over_websocket
from plumbing.testing import GATEWAY_URL, Graph

from ..journeys import crm_knows, new_client, visit
from .test_live_updates import started, token

CARD = """
subscription Card($id: ID!) {
  clientCard(clientId: $id) {
    kind cursor
    change { type area timelineEntry { id clientId kind source summary } }
  }
}"""


async def timeline_lines(caller: LiveCaller, quiet: float, first: float) -> list[dict[str, Any]]:
    """The TIMELINE changes `caller` receives until none has come for `quiet` seconds
    (or for `first` seconds before the first one). The cards' own `client_created` lines
    may come too, whenever crm's relay publishes them."""
    lines: list[dict[str, Any]] = []
    while True:
        try:
            payload = await caller.next(timeout=quiet if lines else first)
        except TimeoutError:
            return lines
        assert payload is not None and not payload.get("errors"), payload
        change = payload["data"]["clientCard"]["change"]
        if change and change["area"] == "TIMELINE":
            lines.append(change)


async def test_a_recorded_visit_reaches_the_open_card_as_a_line_in_the_callers_language(
    tenant: str, graphs: Callable[..., Graph], producer: AIOKafkaProducer
) -> None:
    owner = graphs(tenant, "OWNER", language="es")
    ana = await new_client(owner, "Ana")
    bea = await new_client(owner, "Bea")
    await crm_knows(owner, 2)
    bea_herself = graphs(tenant, "CLIENT", client_id=bea, subject="bea", language="it")
    async with (
        over_sse(GATEWAY_URL, token(owner), CARD, {"id": ana}) as console,
        over_websocket(GATEWAY_URL, token(bea_herself), CARD, {"id": bea}) as app,
    ):
        await started(console, "clientCard")
        await started(app, "clientCard")
        attended = await visit(producer, tenant, ana, datetime.now(UTC) - timedelta(minutes=2))
        lines = await timeline_lines(console, quiet=2.0, first=30.0)
        mine = [c for c in lines if (c["timelineEntry"] or {}).get("id") == attended.id]
        assert mine == [
            {
                "type": "crm.timeline_entry_added.v1",
                "area": "TIMELINE",
                "timelineEntry": {
                    "id": attended.id,
                    "clientId": ana,
                    "kind": "VISIT_RECORDED",
                    "source": "PARTNER",
                    "summary": "Asistencia registrada",
                },
            }
        ], lines
        assert all((c["timelineEntry"] or {}).get("clientId") == ana for c in lines), lines
        heard = await timeline_lines(app, quiet=0.5, first=1.0)
        assert all((c["timelineEntry"] or {}).get("clientId") == bea for c in heard), (
            "another client's card received Ana's timeline"
        )
