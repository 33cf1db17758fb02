"""Who may do what on Kafka: the platform's topics, users and ACLs, in one table.

Kafka authenticates every connection (SASL/SCRAM) and its own authorizer
(`StandardAuthorizer`, `allow.everyone.if.no.acl.found=false`) allows only what an ACL
names (docs/security.md, "Kafka"):
- each service writes the topics of the events it owns, and the DLQ of every topic it
  reads; it reads what it consumes, with its own consumer group;
- a partner key writes its own ingest topics (`plumbing.topics.partner_topic`), one per
  fact family its scopes allow, and reads nothing;
- `operator` (a super user, like the brokers' own `broker`) sets all of this up.

`setup` makes the local stack's topics, users and ACLs (deploy/local/kafka.sh), and
`shell_script` prints the same for the Kafka image's tools (docker-compose.yml and the
Kubernetes job run it); `grant_partner` and `revoke_partner` are `studioctl kafka`'s.
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Iterable, Mapping, Sequence
from concurrent.futures import Future
from dataclasses import dataclass
from typing import Any

from confluent_kafka import KafkaException
from confluent_kafka.admin import (
    AclBinding,
    AclBindingFilter,
    AclOperation,
    AclPermissionType,
    AdminClient,
    NewTopic,
    ResourcePatternType,
    ResourceType,
    ScramCredentialInfo,
    ScramMechanism,
    UserScramCredentialUpsertion,
)
from plumbing import topics

SUPER_USERS = ("broker", "operator")
MECHANISM = "SCRAM-SHA-512"
# Partner fact families and the partner scope that allows each (docs/security.md).
FAMILY_SCOPES: Mapping[str, str] = {
    topics.INGEST_BOOKINGS: "ingest:bookings",
    topics.INGEST_SALES: "ingest:sales",
    topics.INGEST_APP: "ingest:app",
}


@dataclass(frozen=True, slots=True)
class ServiceAccess:
    writes: tuple[str, ...]  # the topics of the events this service owns
    reads: tuple[str, ...]  # the topics it consumes (an ingest topic: its partner topics too)
    follows: tuple[str, ...] = ()  # read without a group (an in-memory read model)


SERVICES: Mapping[str, ServiceAccess] = {
    "clients": ServiceAccess(
        writes=(topics.CLIENTS,),
        reads=(topics.RANKS, topics.LOYALTY),
        # The card's live updates (docs/live-updates.md): its timeline entries are crm's.
        follows=(topics.CLIENTS, topics.RANKS, topics.LOYALTY, topics.CRM),
    ),
    "ranks": ServiceAccess(writes=(topics.RANKS,), reads=(topics.CLIENTS, topics.INGEST_BOOKINGS)),
    "loyalty": ServiceAccess(
        writes=(topics.LOYALTY,),
        reads=(topics.CLIENTS, topics.INGEST_SALES, topics.INGEST_BOOKINGS, topics.RANKS),
    ),
    "crm": ServiceAccess(
        writes=(topics.CRM, *topics.INGEST),
        reads=topics.ALL,
    ),
    "notifications": ServiceAccess(
        writes=(topics.NOTIFICATIONS,),
        reads=(
            topics.CLIENTS,
            topics.RANKS,
            topics.LOYALTY,
            topics.NOTIFICATIONS,
            topics.INGEST_APP,
            # L10: sessions and bookings, for the appointment reminders.
            topics.INGEST_BOOKINGS,
        ),
    ),
}


@dataclass(frozen=True, slots=True)
class Grant:
    """One ACL: `principal` may `operation` the `resource` named `name` (a prefix when
    `prefixed`)."""

    principal: str
    resource: str  # TOPIC or GROUP
    name: str
    operation: str  # READ, WRITE, DESCRIBE
    prefixed: bool = False


def service_grants(service: str) -> list[Grant]:
    access = SERVICES[service]
    user = f"User:{service}"
    grants: list[Grant] = []
    for topic in access.writes:
        grants += [Grant(user, "TOPIC", topic, "WRITE"), Grant(user, "TOPIC", topic, "DESCRIBE")]
    for topic in sorted(set(access.reads) | set(access.follows)):
        grants += [Grant(user, "TOPIC", topic, "READ"), Grant(user, "TOPIC", topic, "DESCRIBE")]
        if topic in topics.INGEST and topic in access.reads:
            # Every partner topic of the family, present and future ones.
            grants += [
                Grant(user, "TOPIC", f"{topic}.", "READ", prefixed=True),
                Grant(user, "TOPIC", f"{topic}.", "DESCRIBE", prefixed=True),
            ]
    for topic in access.reads:
        grants.append(Grant(user, "TOPIC", topics.dlq(topic), "WRITE"))
    if access.reads:
        grants.append(Grant(user, "GROUP", service, "READ"))
    return grants


def scope_name(scope: str) -> str:
    """`INGEST_SALES` (the graph's enum) and `ingest:sales` name one scope."""
    text = scope.strip().lower()
    return text if ":" in text else text.replace("_", ":", 1)


def partner_user(key_id: str) -> str:
    return f"partner-{key_id}"


def partner_topics(tenant: str, key_id: str, scopes: Iterable[str]) -> list[str]:
    wanted = {s.strip().lower() for s in scopes}
    return [
        topics.partner_topic(family, tenant, key_id)
        for family, scope in FAMILY_SCOPES.items()
        if scope in wanted
    ]


def partner_grants(tenant: str, key_id: str, scopes: Iterable[str]) -> list[Grant]:
    user = f"User:{partner_user(key_id)}"
    return [
        Grant(user, "TOPIC", topic, operation)
        for topic in partner_topics(tenant, key_id, scopes)
        for operation in ("WRITE", "DESCRIBE")
    ]


def all_topics() -> list[tuple[str, int]]:
    """Every topic the stack creates, with its partition count's share: event topics get
    the stack's count, DLQs one partition."""
    return [(t, 0) for t in topics.ALL] + [(topics.dlq(t), 1) for t in topics.ALL]


# ----------------------------------------------------------------------- admin client


def admin_client(bootstrap: str, user: str, password: str, protocol: str) -> AdminClient:
    config: dict[str, str | int | float | bool] = {
        "bootstrap.servers": bootstrap,
        "socket.timeout.ms": 10_000,
    }
    if protocol != "PLAINTEXT":
        config |= {
            "security.protocol": protocol,
            "sasl.mechanism": MECHANISM,
            "sasl.username": user,
            "sasl.password": password,
        }
    return AdminClient(config)


def _binding(grant: Grant) -> AclBinding:
    return AclBinding(
        ResourceType[grant.resource],
        grant.name,
        ResourcePatternType.PREFIXED if grant.prefixed else ResourcePatternType.LITERAL,
        grant.principal,
        "*",
        AclOperation[grant.operation],
        AclPermissionType.ALLOW,
    )


def _wait(futures: Mapping[Any, Future[Any]], *, ignore: Sequence[str] = ()) -> None:
    for future in futures.values():
        try:
            future.result()
        except KafkaException as exc:
            if not any(code in str(exc) for code in ignore):
                raise


def create_topics(admin: AdminClient, partitions: int, replication: int = 1) -> int:
    existing = set(admin.list_topics(timeout=15).topics)
    wanted = [
        NewTopic(name, num_partitions=count or partitions, replication_factor=replication)
        for name, count in all_topics()
        if name not in existing
    ]
    if wanted:
        _wait(admin.create_topics(wanted, request_timeout=15), ignore=("TOPIC_ALREADY_EXISTS",))
    return len(wanted)


def upsert_users(admin: AdminClient, passwords: Mapping[str, str]) -> None:
    info = ScramCredentialInfo(ScramMechanism.SCRAM_SHA_512, 8192)
    if passwords:
        _wait(
            admin.alter_user_scram_credentials(
                [
                    UserScramCredentialUpsertion(user, info, pw.encode())
                    for user, pw in passwords.items()
                ]
            )
        )


def add_grants(admin: AdminClient, grants: Sequence[Grant]) -> None:
    unique = list(dict.fromkeys(grants))  # a topic written and read is described once
    if unique:
        _wait(admin.create_acls([_binding(g) for g in unique], request_timeout=15))


def setup(admin: AdminClient, passwords: Mapping[str, str], partitions: int) -> int:
    """Topics, the services' users and their ACLs; safe to run again. Returns how many
    topics were created."""
    created = create_topics(admin, partitions)
    upsert_users(admin, {s: passwords[s] for s in SERVICES})
    add_grants(admin, [g for s in SERVICES for g in service_grants(s)])
    return created


def grant_partner(
    admin: AdminClient,
    tenant: str,
    key_id: str,
    scopes: Iterable[str],
    password: str,
    partitions: int,
) -> list[str]:
    """A partner key's Kafka user, its topics and ACLs; returns the topics."""
    scopes = list(scopes)
    names = partner_topics(tenant, key_id, scopes)
    if not names:
        raise ValueError("the key has no ingest scope: nothing to write on Kafka")
    existing = set(admin.list_topics(timeout=15).topics)
    new = [
        NewTopic(t, num_partitions=partitions, replication_factor=1)
        for t in names
        if t not in existing
    ]
    if new:
        _wait(admin.create_topics(new, request_timeout=15), ignore=("TOPIC_ALREADY_EXISTS",))
    upsert_users(admin, {partner_user(key_id): password})
    add_grants(admin, partner_grants(tenant, key_id, scopes))
    _await_topics(admin, names)
    return names


def revoke_partner(admin: AdminClient, key_id: str) -> None:
    """The key can no longer log in, and its ACLs are gone (its topics stay: what it
    wrote is still being read).

    The user is not deleted: its password is replaced by a random one that nobody
    holds. Kafka 4.1.1 can lock out every SCRAM login, its super users' included, once
    the broker restarts and replays a metadata log holding a deletion of a user that
    was already gone (measured on this stack: revoke twice, restart, no client logs in
    until the data is formatted again). A check before deleting does not close it: the
    broker's view of the users lags the controller by a moment, so two revocations in a
    row can both see the user. Replacing a password is an ordinary upsert, safe to repeat.
    """
    user = partner_user(key_id)
    info = ScramCredentialInfo(ScramMechanism.SCRAM_SHA_512, 8192)
    unknown = secrets.token_urlsafe(48).encode()
    _wait(admin.alter_user_scram_credentials([UserScramCredentialUpsertion(user, info, unknown)]))
    anything = AclBindingFilter(
        ResourceType.ANY,
        None,  # type: ignore[arg-type]  # None matches any name (the library's own docs)
        ResourcePatternType.ANY,
        f"User:{user}",
        None,  # type: ignore[arg-type]  # any host
        AclOperation.ANY,
        AclPermissionType.ANY,
    )
    _wait(admin.delete_acls([anything], request_timeout=15))


def _await_topics(admin: AdminClient, names: Sequence[str], timeout: float = 15) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        described = admin.list_topics(timeout=5).topics
        if all(
            n in described
            and described[n].partitions
            and all(p.leader >= 0 for p in described[n].partitions.values())
            for n in names
        ):
            return
        time.sleep(0.2)
    raise TimeoutError(f"topics without leaders after {timeout}s: {', '.join(names)}")


# ----------------------------------------------------------------------- shell form


def shell_script() -> str:
    """The same topics, users and ACLs with the Kafka image's own tools, for docker
    compose and the Kubernetes job (tests/platform checks that both run exactly this)."""
    lines = [
        "#!/bin/sh",
        "# Generated by `studioctl kafka script` from admin/src/studio_admin/kafka_access.py;",
        "# do not edit by hand. Creates the platform's topics, its services' Kafka users and",
        "# their ACLs. Safe to run again. Needs KAFKA_BOOTSTRAP, TOPIC_PARTITIONS,",
        "# TOPIC_REPLICATION_FACTOR, an admin client config in KAFKA_ADMIN_CONFIG and one",
        "# KAFKA_PASSWORD_<SERVICE> per service.",
        "set -eu",
        'B="$KAFKA_BOOTSTRAP"',
        'C="$KAFKA_ADMIN_CONFIG"',
        "topic() {",
        '  /opt/kafka/bin/kafka-topics.sh --bootstrap-server "$B" --command-config "$C" \\',
        '    --create --if-not-exists --topic "$1" --partitions "$2" \\',
        '    --replication-factor "$TOPIC_REPLICATION_FACTOR"',
        "}",
        "user() {",
        '  /opt/kafka/bin/kafka-configs.sh --bootstrap-server "$B" --command-config "$C" \\',
        '    --alter --entity-type users --entity-name "$1" \\',
        f'    --add-config "{MECHANISM}=[iterations=8192,password=$2]"',
        "}",
        "acl() {",
        '  /opt/kafka/bin/kafka-acls.sh --bootstrap-server "$B" --command-config "$C" \\',
        '    --add --force --allow-principal "$1" --operation "$4" "--$2" "$3" \\',
        '    --resource-pattern-type "$5"',
        "}",
    ]
    for name, count in all_topics():
        lines.append(f"topic {name} {count if count else chr(36) + 'TOPIC_PARTITIONS'}")
    for service in SERVICES:
        lines.append(f'user {service} "$KAFKA_PASSWORD_{service.upper()}"')
        for g in dict.fromkeys(service_grants(service)):
            kind = "topic" if g.resource == "TOPIC" else "group"
            pattern = "prefixed" if g.prefixed else "literal"
            lines.append(f"acl {g.principal} {kind} {g.name} {g.operation.capitalize()} {pattern}")
    return "\n".join(lines) + "\n"
