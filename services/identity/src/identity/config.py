from __future__ import annotations

from plumbing.settings import Environment, ServiceSettings
from pydantic import model_validator
from pydantic_settings import SettingsConfigDict


class Settings(ServiceSettings):
    model_config = SettingsConfigDict(extra="ignore", frozen=True)

    service_name: str = "identity"
    http_port: int = 4106
    mongo_db: str = "identity"
    # It publishes and reads no events (`uses_kafka=False`): no Kafka unless told.
    kafka_bootstrap: str = ""
    # The ES256 private key (PEM) that signs access tokens. The local stack generates one
    # into .data/secrets/identity_signing_key.pem; without a file a development process
    # makes a key of its own at start (tokens then die with the process).
    identity_signing_key_file: str = ""
    # Keys that signed earlier and may still have live tokens (PEM public keys, comma
    # separated): published in the JWKS beside the current key during a rotation.
    identity_previous_keys_files: str = ""
    # The `iss` claim of the tokens this service signs.
    identity_issuer: str = "studio-identity"
    access_token_seconds: int = 300
    # The services identity calls (adapters/services.py): the clients subgraph's graph,
    # for the cards a client signs in to, and notifications, which sends the codes.
    clients_url: str = "http://127.0.0.1:4101/graphql"
    notifications_url: str = "http://127.0.0.1:4105"
    # The console's address: an invitation e-mail links to its `/accept-invitation` page.
    console_url: str = "http://localhost:5173"

    @model_validator(mode="after")
    def _production_needs_a_key(self) -> Settings:
        if self.environment is Environment.PRODUCTION and not self.identity_signing_key_file:
            raise ValueError("IDENTITY_SIGNING_KEY_FILE must be set when ENVIRONMENT=production")
        return self
