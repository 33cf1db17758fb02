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

    kafka_bootstrap: str = "127.0.0.1:9092"
    # Consumers of one service share a group so that replicas split the partitions.
    kafka_group: str = ""

    jwt_secret: str = DEVELOPMENT_JWT_SECRET
    # Production verifies RS256 tokens against a JWKS document instead of a shared secret.
    jwt_jwks_url: str = ""
    jwt_issuer: str = ""
    jwt_audience: str = ""

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
        return self

    @property
    def consumer_group(self) -> str:
        return self.kafka_group or self.service_name


ENV_NAMES: tuple[str, ...] = tuple(name.upper() for name in ServiceSettings.model_fields)
