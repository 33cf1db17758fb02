from __future__ import annotations

import time

import jwt
import pytest
from plumbing.auth import Role, TokenVerifier, Unauthenticated, mint_token
from plumbing.settings import Environment, ServiceSettings

SECRET = "a-test-secret-that-is-long-enough-0123456789"


def verifier() -> TokenVerifier:
    return TokenVerifier(ServiceSettings(jwt_secret=SECRET))


def test_a_valid_token_gives_tenant_roles_and_subject() -> None:
    principal = verifier().verify(
        mint_token(SECRET, tenant="dojo-1", roles=["OWNER"], subject="u1")
    )
    assert (principal.tenant, principal.subject, principal.roles) == (
        "dojo-1",
        "u1",
        frozenset({Role.OWNER}),
    )
    assert principal.is_staff


def test_partner_scopes_read_the_same_in_either_spelling() -> None:
    token = mint_token(
        SECRET,
        tenant="dojo-1",
        roles=["PARTNER"],
        subject="partner:k1",
        scopes=["INGEST_SALES", "clients:read", " Ingest_Bookings "],
    )
    assert verifier().verify(token).scopes == {"ingest:sales", "clients:read", "ingest:bookings"}


@pytest.mark.parametrize(
    ("token", "reason"),
    [
        (
            jwt.encode(
                {"sub": "u", "tenant": "t", "roles": ["OWNER"], "exp": int(time.time()) - 5},
                SECRET,
                "HS256",
            ),
            "expired",
        ),
        (
            mint_token("another-secret-entirely-0123456789abcdef", tenant="t", roles=["OWNER"]),
            "invalid",
        ),
        (
            jwt.encode(
                {"sub": "u", "tenant": "t", "roles": ["OWNER"], "exp": int(time.time()) + 3600},
                "",
                "none",
            ),
            "invalid",
        ),
        (
            jwt.encode(
                {"sub": "u", "roles": ["OWNER"], "exp": int(time.time()) + 3600}, SECRET, "HS256"
            ),
            "tenant",
        ),
        (
            jwt.encode(
                {"sub": "u", "tenant": "t", "exp": int(time.time()) + 3600}, SECRET, "HS256"
            ),
            "roles",
        ),
        (
            jwt.encode(
                {"sub": "u", "tenant": "t", "roles": ["GOD"], "exp": int(time.time()) + 3600},
                SECRET,
                "HS256",
            ),
            "unknown role",
        ),
        (jwt.encode({"sub": "u", "tenant": "t", "roles": ["OWNER"]}, SECRET, "HS256"), "exp"),
        (
            jwt.encode(
                {"sub": "u", "tenant": "t", "roles": ["CLIENT"], "exp": int(time.time()) + 3600},
                SECRET,
                "HS256",
            ),
            "client_id",
        ),
        (
            jwt.encode(
                {"sub": "u", "tenant": "a:b", "roles": ["OWNER"], "exp": int(time.time()) + 3600},
                SECRET,
                "HS256",
            ),
            "malformed",
        ),
        ("not-a-jwt", "invalid"),
    ],
)
def test_bad_tokens_are_refused_with_a_reason(token: str, reason: str) -> None:
    with pytest.raises(Unauthenticated, match=reason):
        verifier().verify(token)


def test_production_refuses_the_development_secret() -> None:
    with pytest.raises(ValueError, match="placeholder"):
        ServiceSettings(environment=Environment.PRODUCTION)
    with pytest.raises(ValueError, match="32 characters"):
        ServiceSettings(environment=Environment.PRODUCTION, jwt_secret="short")
    kafka = {
        "kafka_security_protocol": "SASL_SSL",
        "kafka_username": "clients",
        "kafka_password": "a-password",
    }
    with pytest.raises(ValueError, match="PLAINTEXT is refused"):
        ServiceSettings(environment=Environment.PRODUCTION, jwt_secret=SECRET)
    with pytest.raises(ValueError, match="KAFKA_USERNAME and KAFKA_PASSWORD"):
        ServiceSettings(
            environment=Environment.PRODUCTION,
            jwt_secret=SECRET,
            kafka_security_protocol="SASL_PLAINTEXT",
        )
    settings = ServiceSettings(environment=Environment.PRODUCTION, jwt_secret=SECRET, **kafka)  # type: ignore[arg-type]
    assert settings.jwt_secret == SECRET
