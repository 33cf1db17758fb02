"""How the identity service is assembled: no topics, no events, no Kafka; its routes sign
people in and publish the keys every other service verifies tokens with."""

from __future__ import annotations

from plumbing.app import Runtime, ServiceDefinition
from plumbing.auth import DEVELOPMENT_SIGNING_SECRET

from identity.adapters import keys
from identity.adapters.services import InBackground, ServiceCalls
from identity.adapters.stores import ALL
from identity.config import Settings
from identity.entrypoints import ended_sessions
from identity.entrypoints.routes import JWKS_PATH, ROUTES
from identity.graphql.schema import schema
from identity.messages import MESSAGES
from identity.service_layer.ports import Identity


def definition(settings: Settings | None = None) -> ServiceDefinition:
    settings = settings or Settings()
    signing = (
        keys.from_files(settings.identity_signing_key_file, settings.identity_previous_keys_files)
        if settings.identity_signing_key_file
        else keys.generated()
    )

    calls = ServiceCalls(
        signing,
        issuer=settings.identity_issuer,
        clients_url=settings.clients_url,
        notifications_url=settings.notifications_url,
        # The secret the gateway signs with, which every subgraph checks (plumbing.auth).
        signing_secret=settings.gateway_signing_secret or DEVELOPMENT_SIGNING_SECRET,
    )

    async def setup(runtime: Runtime) -> None:
        runtime.extras["identity"] = Identity(
            storage=runtime.store(),
            keys=signing,
            issuer=settings.identity_issuer,
            access_token_seconds=settings.access_token_seconds,
            cards=calls,
            messenger=InBackground(calls),
            console_url=settings.console_url,
        )

    return ServiceDefinition(
        name="identity",
        schema=schema,
        aggregates=ALL,
        setup=setup,
        routes=[*ROUTES, *ended_sessions.ROUTES],
        messages=MESSAGES,
        open_paths=(JWKS_PATH,),
        # No events (identity/events.py): no Kafka user, and sign-in stays up without Kafka.
        uses_kafka=False,
    )
