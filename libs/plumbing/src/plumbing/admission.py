"""Who may say what on which topic: the checks a consumer makes before any handler runs.

Kafka's ACLs decide who may write a topic (docs/security.md); these checks turn what the
topic proves into rules on the message itself:
- a partner topic (`ingest.<family>.<tenant>.<key id>`) is written only by that key, so
  every envelope on it must be for the topic's tenant (`TENANT_MISMATCH`);
- the message key is `tenant:subject` (the envelope's `key`): a key that names another
  tenant than the envelope is refused too, whoever wrote it (`TENANT_MISMATCH`);
- a topic carries only its own context's events: an `ingest.` topic only ingest facts,
  `clients.events` only `clients.` events (`WRONG_TOPIC`). Without it a partner could
  write `loyalty.points_granted.v1` onto its own ingest topic, and a consumer that
  handles that type for its timeline would apply it.
"""

from __future__ import annotations

from dataclasses import dataclass

from plumbing import topics
from plumbing.envelope import Envelope


@dataclass(frozen=True, slots=True)
class Refusal:
    code: str
    reason: str

    def __str__(self) -> str:
        return f"{self.code}: {self.reason}"


def refusal(topic: str, key: bytes | None, envelope: Envelope) -> Refusal | None:
    """Why `envelope`, read from `topic` with message key `key`, must not be applied."""
    partner = topics.parse_partner(topic)
    if partner is not None and envelope.tenant != partner.tenant:
        return Refusal(
            "TENANT_MISMATCH",
            f"the envelope names tenant {envelope.tenant!r} on a topic of tenant "
            f"{partner.tenant!r}",
        )
    if key:
        key_tenant, colon, _ = key.decode("utf-8", errors="replace").partition(":")
        if colon and key_tenant != envelope.tenant:
            return Refusal(
                "TENANT_MISMATCH",
                f"the message key names tenant {key_tenant!r}, the envelope {envelope.tenant!r}",
            )
    prefix = topics.owner_prefix(topic)
    if not envelope.type.startswith(prefix):
        return Refusal(
            "WRONG_TOPIC",
            f"{envelope.type} does not belong on {topics.family(topic)} (only {prefix}* events do)",
        )
    return None
