from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta, timezone

import pytest
from plumbing.contracts import Catalog, EventData
from plumbing.envelope import Envelope, InvalidEnvelope

catalog = Catalog(source="services/test")


@catalog.event("test.thing_happened.v1", topic="test.events")
class ThingHappened(EventData):
    client_id: str
    amount: int


def test_round_trip_keeps_every_attribute() -> None:
    original = catalog.envelope(ThingHappened(client_id="c1", amount=3), tenant="t1", subject="c1")
    again = Envelope.from_bytes(original.to_bytes())
    assert again == original
    raw = json.loads(original.to_bytes())
    assert raw["specversion"] == "1.0"
    assert raw["type"] == "test.thing_happened.v1"
    assert raw["source"] == "services/test"
    assert raw["time"].endswith("Z")
    assert original.key == "t1:c1"


@pytest.mark.parametrize(
    ("mutate", "reason"),
    [
        (lambda r: r.pop("tenant"), "tenant"),
        (lambda r: r.update(tenant=""), "tenant"),
        (lambda r: r.pop("id"), "id"),
        (lambda r: r.update(time="yesterday"), "ISO 8601"),
        (lambda r: r.update(time="2025-01-01T10:00:00"), "offset"),
        (lambda r: r.update(type="nodots"), "type"),
        (lambda r: r.update(data=[1, 2]), "data"),
        (lambda r: r.update(specversion="0.3"), "specversion"),
    ],
)
def test_malformed_envelopes_are_refused(mutate: object, reason: str) -> None:
    raw = catalog.envelope(
        ThingHappened(client_id="c1", amount=1), tenant="t1", subject="c1"
    ).to_dict()
    mutate(raw)  # type: ignore[operator]
    with pytest.raises(InvalidEnvelope, match=reason):
        Envelope.from_bytes(json.dumps(raw).encode())


def test_non_json_is_refused() -> None:
    with pytest.raises(InvalidEnvelope):
        Envelope.from_bytes(b"\xff\xfe not json")
    with pytest.raises(InvalidEnvelope):
        Envelope.from_bytes(b"")


def test_times_are_normalised_to_utc() -> None:
    local = datetime(2025, 3, 1, 10, 0, tzinfo=timezone(timedelta(hours=1)))
    envelope = catalog.envelope(
        ThingHappened(client_id="c", amount=1), tenant="t", subject="c", time=local
    )
    assert Envelope.from_bytes(envelope.to_bytes()).time == datetime(2025, 3, 1, 9, 0, tzinfo=UTC)


def test_data_that_breaks_its_schema_is_never_produced() -> None:
    class Sneaky(ThingHappened):
        pass

    with pytest.raises(ValueError, match="not a registered event"):
        catalog.envelope(Sneaky(client_id="c", amount=1), tenant="t", subject="c")
    bad = ThingHappened.model_construct(client_id="c")  # type: ignore[call-arg]  # amount missing
    with pytest.raises(ValueError):
        catalog.envelope(bad, tenant="t", subject="c")


def test_readers_tolerate_fields_added_later() -> None:
    envelope = Envelope(
        type="test.thing_happened.v1",
        source="services/test",
        tenant="t",
        subject="c",
        data={"client_id": "c", "amount": 2, "added_in_a_later_release": True},
    )
    read = catalog.read(envelope)
    assert read == ThingHappened(client_id="c", amount=2)


def test_json_schemas_are_published_per_type() -> None:
    schemas = catalog.json_schemas()
    schema = schemas["test.thing_happened.v1"]
    assert schema["x-topic"] == "test.events"
    assert set(schema["required"]) == {"client_id", "amount"}
