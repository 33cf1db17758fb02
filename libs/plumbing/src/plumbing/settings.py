"""Settings every service process reads from its environment.

Each service subclasses `ServiceSettings` only to set its own defaults (name, port,
database). The environment variable names are the field names in upper case, with no
prefix, so that docker-compose, the Kubernetes manifests and the local stack all speak
the same names; a test checks that they do.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Literal, Self

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

# A secret that only exists so a fresh checkout can start; refused outside development.
DEVELOPMENT_JWT_SECRET = "development-only-secret-change-me-0123456789"


class Environment(StrEnum):
    DEVELOPMENT = "development"
    TEST = "test"
    PRODUCTION = "production"


class ServiceSettings(BaseSettings):
    model_config = SettingsConfigDict(env_file=None, extra="ignore", frozen=True)

    environment: Environment = Environment.DEVELOPMENT
    service_name: str = "service"
    http_host: str = "127.0.0.1"
    http_port: int = 8000

    mongo_url: str = "mongodb://127.0.0.1:27017/"
    mongo_db: str = "service"

    # Empty for a process that uses no Kafka (`ServiceDefinition.uses_kafka`, identity);
    # the Kafka settings below are then not checked.
    kafka_bootstrap: str = "127.0.0.1:9092"
    # How this process authenticates to Kafka (docs/security.md, "Kafka"). Every listener
    # of the stack's brokers wants SASL/SCRAM; PLAINTEXT is for a bare test broker only and
    # is refused in production. Each service has a Kafka user of its own, named after it,
    # whose ACLs allow exactly the topics it writes and reads.
    kafka_security_protocol: Literal["PLAINTEXT", "SASL_PLAINTEXT", "SASL_SSL"] = "PLAINTEXT"
    kafka_sasl_mechanism: Literal["SCRAM-SHA-512", "SCRAM-SHA-256"] = "SCRAM-SHA-512"
    kafka_username: str = ""
    kafka_password: str = ""
    # Consumers of one service share a group so that replicas split the partitions.
    kafka_group: str = ""

    jwt_secret: str = DEVELOPMENT_JWT_SECRET
    # Production verifies RS256 tokens against a JWKS document instead of a shared secret.
    jwt_jwks_url: str = ""
    jwt_issuer: str = ""
    jwt_audience: str = ""

    # Where a process serving subscriptions asks which sessions were signed out, to end
    # their subscriptions before their tokens expire (identity's
    # `/internal/ended-sessions`, plumbing.session_watch); empty: they end at expiry.
    identity_sessions_url: str = ""
    session_check_seconds: float = Field(default=5.0, gt=0)

    log_level: str = "INFO"
    log_json: bool = True
    # Traces go to OTLP when an endpoint is set; otherwise `console` (one JSON line per
    # span on stderr) or `none`.
    otel_exporter_otlp_endpoint: str = ""
    otel_traces_exporter: str = "console"
    # Head sampling, the OpenTelemetry SDK's own variables (the gateway reads them too):
    # `parentbased_traceidratio` with OTEL_TRACES_SAMPLER_ARG=0.1 keeps one trace in ten,
    # and a sampled caller's trace is always followed.
    otel_traces_sampler: Literal[
        "parentbased_always_on",
        "parentbased_always_off",
        "parentbased_traceidratio",
        "always_on",
        "always_off",
        "traceidratio",
    ] = "parentbased_always_on"
    otel_traces_sampler_arg: float = Field(default=1.0, ge=0, le=1)

    # How often the relay sweeps every aggregate for events a crash left behind.
    outbox_sweep_seconds: float = Field(default=30.0, gt=0)
    # How many times a consumer retries one message before parking it on <topic>.dlq.
    consumer_max_attempts: int = Field(default=5, ge=1)
    # How long a fact waits for what it needs (its session, its booking, the client's
    # card) before it is parked on <topic>.dlq (`plumbing.waiting`).
    consumer_wait_seconds: float = Field(default=600.0, gt=0)

    # The gateway signs every request it sends to a subgraph with this secret, and the API
    # answers nothing else (docs/security.md, "Only the gateway"). Empty outside production
    # means a development placeholder; the API role refuses to start without a real one
    # in production.
    gateway_signing_secret: str = ""
    # Limits the API enforces itself, as the gateway does (same defaults): selection depth
    # and aliases per operation, and the size of a request body. Multipart bodies carry
    # uploads; the largest is the clients service's 20 MB CSV import.
    graphql_max_depth: int = Field(default=12, ge=1)
    graphql_max_aliases: int = Field(default=15, ge=0)
    max_body_bytes: int = Field(default=1024 * 1024, gt=0)
    max_multipart_body_bytes: int = Field(default=21 * 1024 * 1024, gt=0)

    @model_validator(mode="after")
    def _refuse_placeholder_secrets(self) -> Self:
        if self.environment is Environment.PRODUCTION:
            if not self.jwt_jwks_url and self.jwt_secret == DEVELOPMENT_JWT_SECRET:
                raise ValueError(
                    "JWT_SECRET is the development placeholder; set a real secret "
                    "or JWT_JWKS_URL in production"
                )
            if self.jwt_secret != DEVELOPMENT_JWT_SECRET and len(self.jwt_secret) < 32:
                raise ValueError("JWT_SECRET must be at least 32 characters")
            if self.kafka_bootstrap and self.kafka_security_protocol == "PLAINTEXT":
                raise ValueError("KAFKA_SECURITY_PROTOCOL=PLAINTEXT is refused in production")
        if (
            self.kafka_bootstrap
            and self.kafka_security_protocol != "PLAINTEXT"
            and not (self.kafka_username and self.kafka_password)
        ):
            raise ValueError(
                f"KAFKA_SECURITY_PROTOCOL={self.kafka_security_protocol} needs "
                "KAFKA_USERNAME and KAFKA_PASSWORD"
            )
        return self

    @property
    def consumer_group(self) -> str:
        return self.kafka_group or self.service_name


ENV_NAMES: tuple[str, ...] = tuple(name.upper() for name in ServiceSettings.model_fields)
