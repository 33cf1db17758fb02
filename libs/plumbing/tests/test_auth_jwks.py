"""Asymmetric tokens verified against a JWKS document, beside HS256 for the platform's
own tools, and the reasons a refused token gives."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import ec
from jwt.algorithms import ECAlgorithm
from plumbing.auth import Role, TokenVerifier, Unauthenticated, mint_token
from plumbing.settings import DEVELOPMENT_JWT_SECRET, Environment, ServiceSettings

SECRET = "a-test-secret-that-is-long-enough-0123456789"
KEY = ec.generate_private_key(ec.SECP256R1())
OTHER = ec.generate_private_key(ec.SECP256R1())


@pytest.fixture(scope="module")
def jwks_url() -> Iterator[str]:
    body = json.dumps(
        {"keys": [{**json.loads(ECAlgorithm.to_jwk(KEY.public_key())), "kid": "k1"}]}
    ).encode()

    class Keys(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("content-type", "application/json")
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: Any) -> None:
            return

    server = HTTPServer(("127.0.0.1", 0), Keys)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}/.well-known/jwks.json"
    server.shutdown()
    server.server_close()


def signed(key: ec.EllipticCurvePrivateKey, *, kid: str = "k1", ttl: int = 300) -> str:
    now = int(time.time())
    claims = {"sub": "p-1", "tenant": "north", "roles": ["OWNER"], "iat": now, "exp": now + ttl}
    return jwt.encode(claims, key, algorithm="ES256", headers={"kid": kid})


async def test_an_es256_token_is_verified_by_its_published_key(jwks_url: str) -> None:
    verifier = TokenVerifier(ServiceSettings(jwt_jwks_url=jwks_url, jwt_secret=SECRET))
    assert (await verifier.verify_async(signed(KEY))).roles == {Role.OWNER}
    # The platform's own HS256 tokens keep working beside it.
    assert verifier.verify(mint_token(SECRET, tenant="north", roles=["OPERATOR"])).tenant == "north"


@pytest.mark.parametrize(
    ("make", "reason"),
    [
        (lambda: signed(OTHER), "TOKEN_INVALID"),
        (lambda: signed(KEY, kid="unknown"), "TOKEN_INVALID"),
        (lambda: signed(KEY, ttl=-10), "TOKEN_EXPIRED"),
        (lambda: "not-a-token", "TOKEN_INVALID"),
    ],
)
async def test_refusals_say_why(jwks_url: str, make: Any, reason: str) -> None:
    verifier = TokenVerifier(ServiceSettings(jwt_jwks_url=jwks_url, jwt_secret=SECRET))
    with pytest.raises(Unauthenticated) as refused:
        await verifier.verify_async(make())
    assert refused.value.reason == reason
    assert refused.value.www_authenticate().startswith('Bearer realm="studio", error=')


def test_an_es256_token_is_refused_where_no_keys_are_published() -> None:
    with pytest.raises(Unauthenticated, match="not accepted"):
        TokenVerifier(ServiceSettings(jwt_secret=SECRET)).verify(signed(KEY))


async def test_production_with_keys_ignores_the_development_secret(jwks_url: str) -> None:
    settings = ServiceSettings(
        environment=Environment.PRODUCTION,
        jwt_jwks_url=jwks_url,
        kafka_security_protocol="SASL_PLAINTEXT",
        kafka_username="u",
        kafka_password="p",
    )
    minted = mint_token(DEVELOPMENT_JWT_SECRET, tenant="north", roles=["OWNER"])
    with pytest.raises(Unauthenticated):
        await TokenVerifier(settings).verify_async(minted)
