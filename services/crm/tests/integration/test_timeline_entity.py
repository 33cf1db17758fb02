"""`TimelineEntry` as an entity (`_entities`, key `id clientId`): the gateway reads the line
another subgraph names (the client card's live updates) in the caller's studio and
language, as `Client.timeline` words it; the studio's own work for staff only; another
client's entry, or another studio's, is null."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any, cast

import pytest
from crm.entrypoints.consumer import handlers
from crm.graphql.schema import schema
from crm.testing import runtime_of
from plumbing.auth import Principal, Role
from plumbing.clock import SystemClock
from plumbing.envelope import Envelope
from plumbing.gql import RequestContext
from plumbing.mongo import Doc
from plumbing.outbox import Outbox
from plumbing.settings import ServiceSettings
from plumbing.storage import storage_for
from plumbing.testing import scratch_database
from pymongo.asynchronous.database import AsyncDatabase
from starlette.requests import Request

TENANT = "t-entity"
ENTRIES = """
query($r: [_Any!]!) {
  _entities(representations: $r) { ... on TimelineEntry { id clientId kind summary } }
}"""


@pytest.fixture
async def db() -> AsyncIterator[AsyncDatabase[Doc]]:
    async with scratch_database("crm_entity") as scratch:
        yield scratch


def event(type_: str, data: dict[str, Any]) -> Envelope:
    return Envelope(type=type_, source="test", tenant=TENANT, subject="ana", data=data)


async def entities(
    db: AsyncDatabase[Doc], principal: Principal, language: str, *keys: tuple[str, str]
) -> list[Any]:
    ctx = RequestContext(
        request=cast(Request, None),
        response=None,
        principal=principal,
        db=db,
        outbox=Outbox(db),
        clock=SystemClock(),
        settings=ServiceSettings(kafka_bootstrap=""),
        storage=storage_for(db),
        language=language,
    )
    wanted = [{"__typename": "TimelineEntry", "id": i, "clientId": c} for i, c in keys]
    result = await schema.execute(ENTRIES, variable_values={"r": wanted}, context_value=ctx)
    assert result.errors is None, result.errors
    assert result.data is not None
    return list(result.data["_entities"])


async def test_an_entry_is_read_by_its_key_in_the_callers_language(
    db: AsyncDatabase[Doc],
) -> None:
    attended = {"client_id": "ana", "visit_id": "v1", "attended_at": "2026-03-02T09:30:00Z"}
    visit = event("ingest.visit_recorded.v1", attended)
    note = event("clients.note_added.v1", {"client_id": "ana", "text": "knee"})
    created = event(
        "clients.client_created.v1",
        {"client_id": "ana", "first_name": "Ana", "last_name": "Test", "status": "ACTIVE"},
    )
    table = handlers(runtime_of(db))
    for each in (created, visit, note):
        await table[each.type](each)

    staff = Principal(TENANT, "staff-1", frozenset({Role.OWNER}))
    found = await entities(db, staff, "es", (visit.id, "ana"), (note.id, "ana"))
    assert found == [
        {
            "id": visit.id,
            "clientId": "ana",
            "kind": "VISIT_RECORDED",
            "summary": "Asistencia registrada",
        },
        {"id": note.id, "clientId": "ana", "kind": "NOTE_ADDED", "summary": "Nota añadida: knee"},
    ]
    ana = Principal(TENANT, "ana", frozenset({Role.CLIENT}), client_id="ana")
    own = await entities(db, ana, "it", (visit.id, "ana"), (note.id, "ana"))
    assert own == [
        {
            "id": visit.id,
            "clientId": "ana",
            "kind": "VISIT_RECORDED",
            "summary": "Presenza registrata",
        },
        None,  # the studio's own work: staff only
    ]
    bea = Principal(TENANT, "bea", frozenset({Role.CLIENT}), client_id="bea")
    elsewhere = Principal("t-other", "staff-2", frozenset({Role.OWNER}))
    assert await entities(db, bea, "en", (visit.id, "ana")) == [None]
    assert await entities(db, elsewhere, "en", (visit.id, "ana")) == [None]
    assert await entities(db, staff, "en", (visit.id, "bea"), ("nope", "ana")) == [None, None]
