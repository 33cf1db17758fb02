"""The one map of topics (events.md). Producers and consumers name topics only from here.

Two kinds of topic:
- a context's own topic (`clients.events`…) and the three shared ingest topics
  (`ingest.bookings`, `ingest.sales`, `ingest.app`): only the owning service may write
  them (Kafka ACLs, docs/security.md); crm writes the ingest facts recorded through the
  graph;
- a partner key's own ingest topics, `ingest.<family>.<tenant>.<key id>`
  (`ingest.bookings.demo.pk_3f2a…`): the only topics a partner may write, one per fact
  family its key's scopes allow. Kafka has authenticated the partner and its ACLs pin
  the topic, so the topic's name is the proof of which studio the facts are for:
  consumers refuse an envelope whose tenant is not the topic's.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

CLIENTS = "clients.events"
RANKS = "ranks.events"
LOYALTY = "loyalty.events"
CRM = "crm.events"
NOTIFICATIONS = "notifications.events"
INGEST_BOOKINGS = "ingest.bookings"
INGEST_SALES = "ingest.sales"
INGEST_APP = "ingest.app"

ALL: tuple[str, ...] = (
    CLIENTS,
    RANKS,
    LOYALTY,
    CRM,
    NOTIFICATIONS,
    INGEST_BOOKINGS,
    INGEST_SALES,
    INGEST_APP,
)
INGEST: tuple[str, ...] = (INGEST_BOOKINGS, INGEST_SALES, INGEST_APP)
DLQ_SUFFIX = ".dlq"

# Kafka's own rule for topic names, applied to each part a partner topic is made of.
_NAME_PART = re.compile(r"^[A-Za-z0-9_-]+$")
_TENANT_PART = re.compile(r"^[A-Za-z0-9._-]+$")


@dataclass(frozen=True, slots=True)
class PartnerTopic:
    family: str  # one of INGEST
    tenant: str
    key_id: str

    @property
    def name(self) -> str:
        return f"{self.family}.{self.tenant}.{self.key_id}"


def partner_topic(family: str, tenant: str, key_id: str) -> str:
    """The topic a partner key writes `family` facts to for `tenant`."""
    if family not in INGEST:
        raise ValueError(f"{family!r} is not an ingest topic")
    if not _TENANT_PART.match(tenant) or not _NAME_PART.match(key_id):
        raise ValueError("tenant or key id holds characters a topic name cannot")
    name = PartnerTopic(family, tenant, key_id).name
    if len(name) > 249:
        raise ValueError("the topic name would be longer than Kafka allows")
    return name


def parse_partner(topic: str) -> PartnerTopic | None:
    """The partner topic `topic` names, or None for any other topic (a DLQ included)."""
    for family in INGEST:
        if topic.startswith(family + "."):
            rest = topic[len(family) + 1 :]
            tenant, dot, key_id = rest.rpartition(".")
            if dot and tenant and _NAME_PART.match(key_id) and _TENANT_PART.match(tenant):
                return PartnerTopic(family, tenant, key_id)
    return None


def family(topic: str) -> str:
    """The topic of the contract a message on `topic` belongs to: itself, or the ingest
    topic a partner topic stands beside."""
    partner = parse_partner(topic)
    return partner.family if partner else topic


def subscription(consumed: tuple[str, ...] | list[str]) -> str:
    """One regular expression for a consumer's topics: each consumed ingest topic also
    matches every partner topic of its family (new ones are picked up as they appear),
    never a DLQ."""
    parts = []
    for topic in consumed:
        escaped = re.escape(topic)
        parts.append(
            f"{escaped}(\\.[A-Za-z0-9._-]+\\.[A-Za-z0-9_-]+)?" if topic in INGEST else escaped
        )
    return "^(" + "|".join(parts) + ")$"


def dlq(topic: str) -> str:
    """Where a consumer parks what it cannot handle, so the partition keeps moving. A
    partner topic's messages are parked beside the ingest topic of their family."""
    return family(topic) + DLQ_SUFFIX


def owner_prefix(topic: str) -> str:
    """The event-type prefix the messages of `topic` carry (`clients.` on
    `clients.events`, `ingest.` on every ingest topic)."""
    base = family(topic)
    return "ingest." if base in INGEST else base.split(".", 1)[0] + "."
