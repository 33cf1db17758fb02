"""The ES256 key that signs access tokens, and the JWKS document that publishes it.

The gateway and every subgraph fetch `/.well-known/jwks.json` and verify each token
against the key its `kid` names; a rotation publishes the next key first, signs with it,
and keeps the previous public key listed until the last token it signed has expired.
"""

from __future__ import annotations

import hashlib
import json
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from jwt.algorithms import ECAlgorithm


def _kid(public: ec.EllipticCurvePublicKey) -> str:
    der = public.public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return hashlib.sha256(der).hexdigest()[:16]


def _jwk(public: ec.EllipticCurvePublicKey) -> dict[str, Any]:
    jwk: dict[str, Any] = json.loads(ECAlgorithm.to_jwk(public))
    return {**jwk, "kid": _kid(public), "use": "sig", "alg": "ES256"}


@dataclass(frozen=True)
class SigningKeys:
    private: ec.EllipticCurvePrivateKey
    previous: tuple[ec.EllipticCurvePublicKey, ...] = ()

    @property
    def kid(self) -> str:
        return _kid(self.private.public_key())

    def jwks(self) -> dict[str, Any]:
        keys = [self.private.public_key(), *self.previous]
        return {"keys": [_jwk(k) for k in keys]}

    def sign(self, claims: dict[str, Any]) -> str:
        return jwt.encode(claims, self.private, algorithm="ES256", headers={"kid": self.kid})


def generated() -> SigningKeys:
    return SigningKeys(ec.generate_private_key(ec.SECP256R1()))


def from_files(private_file: str, previous_files: str = "") -> SigningKeys:
    private = serialization.load_pem_private_key(Path(private_file).read_bytes(), password=None)
    if not isinstance(private, ec.EllipticCurvePrivateKey):
        raise ValueError(f"{private_file} is not an EC private key (ES256 wants P-256)")
    previous = []
    for name in filter(None, (p.strip() for p in previous_files.split(","))):
        public = serialization.load_pem_public_key(Path(name).read_bytes())
        if not isinstance(public, ec.EllipticCurvePublicKey):
            raise ValueError(f"{name} is not an EC public key")
        previous.append(public)
    return SigningKeys(private, tuple(previous))


def private_pem(keys: SigningKeys) -> bytes:
    return keys.private.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )


def access_claims(
    *,
    issuer: str,
    person: str,
    studio: str,
    role: str,
    session: str,
    ttl_seconds: int,
    now: float | None = None,
    client_id: str | None = None,
    language: str | None = None,
) -> dict[str, Any]:
    issued = int(time.time() if now is None else now)
    claims: dict[str, Any] = {
        "iss": issuer,
        "sub": person,
        "tenant": studio,
        "roles": [role],
        "sid": session,
        "iat": issued,
        "exp": issued + ttl_seconds,
        # The person's language: the services answer in it when a request's
        # Accept-Language names none they speak.
        **({"lang": language} if language else {}),
    }
    if client_id:
        # A client's token names their card; the services let it reach that card only.
        claims["client_id"] = client_id
    return claims
