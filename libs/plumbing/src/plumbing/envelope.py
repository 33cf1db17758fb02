"""The event envelope of `events.md`: CloudEvents 1.0 attribute names, structured mode.

Every message on every topic is one `Envelope` serialised as UTF-8 JSON. The message
key is `tenant:subject`, so that all facts about one client stay in order on one
partition.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from plumbing.clock import rfc3339, to_millis
from plumbing.ids import new_event_id

SPEC_VERSION = "1.0"


class InvalidEnvelope(ValueError):
    """A message that is not an event of our contract (it goes to the DLQ)."""


@dataclass(frozen=True, slots=True)
class Envelope:
    type: str
    source: str
    tenant: str
    data: dict[str, Any]
    subject: str | None = None
    id: str = field(default_factory=new_event_id)
    time: datetime = field(default_factory=lambda: datetime.now(UTC))
    specversion: str = SPEC_VERSION

    def __post_init__(self) -> None:
        if not self.tenant:
            raise InvalidEnvelope("event without a tenant")
        if not self.type or self.type.count(".") < 2:
            raise InvalidEnvelope(f"event type {self.type!r} is not <context>.<fact>.v<N>")
        if self.time.tzinfo is None:
            raise InvalidEnvelope("event time must be timezone-aware")
        # As it will be written (`rfc3339`), so an event read back equals the one sent.
        object.__setattr__(self, "time", to_millis(self.time))

    @property
    def key(self) -> str:
        return f"{self.tenant}:{self.subject or ''}"

    @property
    def context(self) -> str:
        return self.type.split(".", 1)[0]

    @property
    def fact(self) -> str:
        """`ranks.client_promoted.v1` -> `client_promoted`."""
        return self.type.split(".")[1]

    def to_dict(self) -> dict[str, Any]:
        return {
            "specversion": self.specversion,
            "id": self.id,
            "type": self.type,
            "source": self.source,
            "time": rfc3339(self.time),
            "tenant": self.tenant,
            "subject": self.subject,
            "data": self.data,
        }

    def to_bytes(self) -> bytes:
        return json.dumps(self.to_dict(), separators=(",", ":"), default=str).encode()

    @classmethod
    def from_dict(cls, raw: Any) -> Envelope:
        if not isinstance(raw, dict):
            raise InvalidEnvelope("event is not a JSON object")
        missing = [k for k in ("id", "type", "source", "time", "tenant", "data") if not raw.get(k)]
        if "data" in missing and raw.get("data") == {}:
            missing.remove("data")
        if missing:
            raise InvalidEnvelope(f"event is missing {', '.join(missing)}")
        if raw.get("specversion", SPEC_VERSION) != SPEC_VERSION:
            raise InvalidEnvelope(f"unsupported specversion {raw.get('specversion')!r}")
        if not isinstance(raw["data"], dict):
            raise InvalidEnvelope("event data is not an object")
        try:
            # Written as `rfc3339` (`…00.000Z`); events written before carry `+00:00` and
            # 0 to 6 fractional digits, and still read.
            time = datetime.fromisoformat(str(raw["time"]).replace("Z", "+00:00"))
        except ValueError as exc:
            raise InvalidEnvelope(f"event time {raw['time']!r} is not ISO 8601") from exc
        if time.tzinfo is None:
            raise InvalidEnvelope("event time has no offset")
        subject = raw.get("subject")
        return cls(
            id=str(raw["id"]),
            type=str(raw["type"]),
            source=str(raw["source"]),
            time=time.astimezone(UTC),
            tenant=str(raw["tenant"]),
            subject=str(subject) if subject else None,
            data=raw["data"],
        )

    @classmethod
    def from_bytes(cls, value: bytes | None) -> Envelope:
        if not value:
            raise InvalidEnvelope("empty message")
        try:
            # UTF-8 only: `json.loads` of bytes would also take UTF-16 and UTF-32.
            raw = json.loads(value.decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise InvalidEnvelope(f"message is not UTF-8 JSON: {exc}") from exc
        except RecursionError as exc:  # `[[[[…` thousands deep
            raise InvalidEnvelope("message nests too deeply to be an event") from exc
        if b"\\u" in value and _LONE_SURROGATE.search(value) and not _unicode(raw):
            # Valid JSON, but no database can store it.
            raise InvalidEnvelope("message holds text that is not Unicode (a lone surrogate)")
        return cls.from_dict(raw)


# A `\uD800`–`\uDFFF` escape that is not half of a pair: JSON allows it, UTF-8 does not.
_LONE_SURROGATE = re.compile(
    rb"\\u[dD][89abAB][0-9a-fA-F]{2}(?!\\u[dD][c-fC-F])"
    rb"|(?<!\\u[dD][89abAB][0-9a-fA-F]{2})\\u[dD][c-fC-F][0-9a-fA-F]{2}"
)


def _unicode(raw: Any) -> bool:
    try:
        json.dumps(raw, ensure_ascii=False).encode()
    except UnicodeEncodeError:
        return False
    return True
