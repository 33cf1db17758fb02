"""Event data schemas, defined once in code per context and checked on every produce.

Each context declares its events in its own `events.py` with `catalog.event(...)`:

    catalog = Catalog(source="services/ranks")

    @catalog.event("ranks.client_promoted.v1", topic=topics.RANKS)
    class ClientPromoted(EventData):
        category_id: str
        ...

`catalog.envelope(ClientPromoted(...), tenant=..., subject=...)` builds the envelope;
data that does not match its schema never leaves the process. Readers parse with
`catalog.read(envelope)`, which tolerates fields added later (`extra="ignore"`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar

from pydantic import (
    BaseModel,
    ConfigDict,
    SerializerFunctionWrapHandler,
    ValidationError,
    field_serializer,
)

from plumbing.bounds import refusal
from plumbing.clock import rfc3339
from plumbing.envelope import Envelope, InvalidEnvelope


class EventData(BaseModel):
    """Base of every event's `data`. Unknown fields from newer producers are ignored.

    Every moment is written as `plumbing.clock.rfc3339` (`2026-03-02T09:30:00.000Z`), the
    envelope's `time` included; readers still take any RFC 3339 time with an offset
    (`+00:00` and 0 to 6 fractional digits, as events written before carry)."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    @field_serializer("*", mode="wrap", when_used="json")
    def _moments(self, value: Any, write: SerializerFunctionWrapHandler) -> Any:
        if isinstance(value, datetime):
            return rfc3339(value)
        return write(value)


D = TypeVar("D", bound=EventData)


@dataclass(frozen=True, slots=True)
class EventType:
    name: str
    topic: str
    model: type[EventData]


class Catalog:
    def __init__(self, source: str) -> None:
        self.source = source
        self._by_name: dict[str, EventType] = {}
        self._by_model: dict[type[EventData], EventType] = {}

    def event(self, name: str, *, topic: str) -> Callable[[type[D]], type[D]]:
        def register(model: type[D]) -> type[D]:
            if name in self._by_name:
                raise ValueError(f"event type {name} registered twice")
            kind = EventType(name=name, topic=topic, model=model)
            self._by_name[name] = kind
            self._by_model[model] = kind
            return model

        return register

    def include(self, other: Catalog) -> None:
        """Read another context's events (consumers parse what they subscribe to)."""
        for kind in other._by_name.values():
            self._by_name.setdefault(kind.name, kind)
            self._by_model.setdefault(kind.model, kind)

    def type_of(self, data: EventData) -> EventType:
        try:
            return self._by_model[type(data)]
        except KeyError:
            raise ValueError(f"{type(data).__name__} is not a registered event") from None

    def envelope(
        self,
        data: EventData,
        *,
        tenant: str,
        subject: str | None,
        time: datetime | None = None,
        source: str | None = None,
    ) -> Envelope:
        kind = self.type_of(data)
        # Round-trip through the schema: what we publish is exactly what readers validate.
        payload = kind.model.model_validate(data.model_dump(mode="json")).model_dump(mode="json")
        extra: dict[str, Any] = {"time": time} if time is not None else {}
        return Envelope(
            type=kind.name,
            source=source or self.source,
            tenant=tenant,
            subject=subject,
            data=payload,
            **extra,
        )

    def knows(self, name: str) -> bool:
        return name in self._by_name

    def topic_of(self, name: str) -> str:
        return self._by_name[name].topic

    def read(self, envelope: Envelope) -> EventData:
        kind = self._by_name.get(envelope.type)
        if kind is None:
            raise InvalidEnvelope(f"unknown event type {envelope.type}")
        try:
            return kind.model.model_validate(envelope.data)
        except ValidationError as exc:
            # Out of bounds: the code first, as the reason a consumer parks it with.
            reason = refusal(exc)
            if reason is not None:
                raise InvalidEnvelope(f"{reason} ({envelope.type})") from exc
            raise InvalidEnvelope(f"{envelope.type} data is invalid: {exc}") from exc

    def json_schemas(self) -> dict[str, dict[str, Any]]:
        """One JSON Schema per event type (published under docs/events/)."""
        schemas: dict[str, dict[str, Any]] = {}
        for name, kind in sorted(self._by_name.items()):
            schema = kind.model.model_json_schema()
            schema["$id"] = f"{name}.json"
            schema["title"] = name
            schema["x-topic"] = kind.topic
            schemas[name] = schema
        return schemas

    def names(self) -> list[str]:
        return sorted(self._by_name)
