"""A service that neither publishes nor consumes (`uses_kafka=False`, identity) needs no
Kafka: its settings are not checked, and it is ready while no broker answers."""

from __future__ import annotations

import uuid

import httpx
import pytest
import strawberry
from plumbing.app import ProcessRole, ServiceDefinition, create_app
from plumbing.settings import Environment, ServiceSettings
from plumbing.testing import MONGO_URL

SECRET = "p" * 40
# Nothing listens on port 1: a broker that never answers.
NO_BROKER = "127.0.0.1:1"


@strawberry.type
class Query:
    @strawberry.field
    def ping(self) -> str:
        return "pong"


SCHEMA = strawberry.federation.Schema(query=Query)


def definition(*, uses_kafka: bool, consume_topics: tuple[str, ...] = ()) -> ServiceDefinition:
    return ServiceDefinition(
        name="probe", schema=SCHEMA, uses_kafka=uses_kafka, consume_topics=consume_topics
    )


def test_an_empty_bootstrap_means_no_kafka_settings_to_check() -> None:
    production = Environment.PRODUCTION
    with pytest.raises(ValueError, match="PLAINTEXT is refused"):
        ServiceSettings(environment=production, jwt_secret=SECRET)
    with pytest.raises(ValueError, match="KAFKA_USERNAME and KAFKA_PASSWORD"):
        ServiceSettings(
            environment=production, jwt_secret=SECRET, kafka_security_protocol="SASL_PLAINTEXT"
        )
    for settings in (
        ServiceSettings(environment=production, jwt_secret=SECRET, kafka_bootstrap=""),
        ServiceSettings(
            environment=production,
            jwt_secret=SECRET,
            kafka_bootstrap="",
            kafka_security_protocol="SASL_PLAINTEXT",
        ),
    ):
        assert settings.kafka_username == ""


def test_a_service_that_uses_kafka_refuses_an_empty_bootstrap() -> None:
    with pytest.raises(ValueError, match="KAFKA_BOOTSTRAP is empty, but probe uses Kafka"):
        create_app(definition(uses_kafka=True), ServiceSettings(kafka_bootstrap=""))


def test_a_service_that_reads_topics_cannot_do_without_kafka() -> None:
    with pytest.raises(ValueError, match="probe reads topics"):
        create_app(
            definition(uses_kafka=False, consume_topics=("clients.events",)),
            ServiceSettings(kafka_bootstrap=""),
        )


@pytest.mark.parametrize(("uses_kafka", "status"), [(False, 200), (True, 503)])
async def test_readiness_waits_for_kafka_only_where_it_is_used(
    uses_kafka: bool, status: int
) -> None:
    settings = ServiceSettings(
        mongo_url=MONGO_URL, mongo_db=f"plumbing_{uuid.uuid4().hex[:10]}", kafka_bootstrap=NO_BROKER
    )
    app = create_app(definition(uses_kafka=uses_kafka), settings, ProcessRole.ALL)
    transport = httpx.ASGITransport(app=app)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=transport, base_url="http://probe") as client,
    ):
        answer = await client.get("/readyz")
    assert answer.status_code == status
    expected = {"mongo": True, "kafka": False} if uses_kafka else {"mongo": True}
    assert answer.json()["checks"] == expected
