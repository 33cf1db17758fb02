from __future__ import annotations

import json
import re
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


@catalog.event("test.thing_scheduled.v1", topic="test.events")
class ThingScheduled(EventData):
    client_id: str
    at: datetime
    due_at: datetime | None = None


RFC3339_MILLIS_Z = r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$"


def test_every_moment_is_written_in_utc_with_milliseconds_and_z() -> None:
    paris = timezone(timedelta(hours=1))
    envelope = catalog.envelope(
        ThingScheduled(
            client_id="c",
            at=datetime(2026, 3, 2, 10, 30, 0, 123456, tzinfo=paris),
            due_at=datetime(2026, 3, 2, 10, 30, tzinfo=UTC),
        ),
        tenant="t",
        subject="c",
        time=datetime(2026, 3, 2, 10, 0, 0, 5, tzinfo=paris),
    )
    raw = json.loads(envelope.to_bytes())
    assert raw["time"] == "2026-03-02T09:00:00.000Z"
    assert raw["data"]["at"] == "2026-03-02T09:30:00.123Z"
    assert raw["data"]["due_at"] == "2026-03-02T10:30:00.000Z"
    default = json.loads(
        catalog.envelope(ThingHappened(client_id="c", amount=1), tenant="t", subject="c").to_bytes()
    )
    assert re.match(RFC3339_MILLIS_Z, default["time"])


def test_events_written_before_in_the_old_form_still_read() -> None:
    old = {
        "specversion": "1.0",
        "id": "e1",
        "type": "test.thing_scheduled.v1",
        "source": "services/test",
        "time": "2026-03-02T09:00:00.123456+00:00",
        "tenant": "t",
        "subject": "c",
        "data": {
            "client_id": "c",
            "at": "2026-03-02T09:30:00+00:00",
            "due_at": "2026-03-02T10:30:00.5+01:00",
        },
    }
    envelope = Envelope.from_bytes(json.dumps(old).encode())
    assert envelope.time == datetime(2026, 3, 2, 9, 0, 0, 123000, tzinfo=UTC)
    read = catalog.read(envelope)
    assert read == ThingScheduled(
        client_id="c",
        at=datetime(2026, 3, 2, 9, 30, tzinfo=UTC),
        due_at=datetime(2026, 3, 2, 9, 30, 0, 500000, tzinfo=UTC),
    )
