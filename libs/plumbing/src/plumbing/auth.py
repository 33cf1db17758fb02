"""Who is calling: JWT verification shared by every subgraph.

The gateway verifies the token and forwards the `Authorization` header; each subgraph
verifies it again, so a request that bypasses the gateway gets nothing. Local and test
stacks sign with HS256 and a generated secret; production verifies RS256 against a JWKS
document. `alg: none`, expired, wrongly signed and tenant-less tokens are refused.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

import jwt

from plumbing.settings import ServiceSettings


class Role(StrEnum):
    OWNER = "OWNER"
    ADMIN = "ADMIN"
    OPERATOR = "OPERATOR"
    CLIENT = "CLIENT"
    PARTNER = "PARTNER"


STAFF = frozenset({Role.OWNER, Role.ADMIN, Role.OPERATOR})
MANAGERS = frozenset({Role.OWNER, Role.ADMIN})


class Unauthenticated(Exception):
    """The request carries no usable credentials."""


@dataclass(frozen=True, slots=True)
class Principal:
    tenant: str
    subject: str
    roles: frozenset[Role]
    # For the CLIENT role: the client card this login belongs to.
    client_id: str | None = None
    # For PARTNER keys: what the key may do (e.g. "ingest:bookings").
    scopes: frozenset[str] = field(default_factory=frozenset)

    def has(self, *roles: Role) -> bool:
        return bool(self.roles.intersection(roles))

    @property
    def is_staff(self) -> bool:
        return bool(self.roles & STAFF)


class TokenVerifier:
    def __init__(self, settings: ServiceSettings) -> None:
        self._issuer = settings.jwt_issuer or None
        self._audience = settings.jwt_audience or None
        self._jwks: jwt.PyJWKClient | None = None
        if settings.jwt_jwks_url:
            self._jwks = jwt.PyJWKClient(settings.jwt_jwks_url, cache_keys=True)
            self._algorithms = ["RS256"]
        else:
            self._secret = settings.jwt_secret
            self._algorithms = ["HS256"]

    def verify(self, token: str) -> Principal:
        try:
            key: Any = (
                self._jwks.get_signing_key_from_jwt(token).key if self._jwks else self._secret
            )
            claims = jwt.decode(
                token,
                key,
                algorithms=self._algorithms,
                options={"require": ["exp", "sub"]},
                issuer=self._issuer,
                audience=self._audience,
            )
        except jwt.ExpiredSignatureError as exc:
            raise Unauthenticated("token expired") from exc
        except jwt.PyJWTError as exc:
            raise Unauthenticated(f"invalid token: {exc}") from exc
        return principal_from_claims(claims)


def principal_from_claims(claims: dict[str, Any]) -> Principal:
    tenant = claims.get("tenant")
    if not isinstance(tenant, str) or not tenant.strip():
        raise Unauthenticated("token has no tenant")
    if ":" in tenant or "|" in tenant:
        raise Unauthenticated("token tenant is malformed")
    raw_roles = claims.get("roles")
    if not isinstance(raw_roles, list) or not raw_roles:
        raise Unauthenticated("token has no roles")
    try:
        roles = frozenset(Role(str(r)) for r in raw_roles)
    except ValueError as exc:
        raise Unauthenticated(f"token has an unknown role: {exc}") from exc
    client_id = claims.get("client_id")
    if Role.CLIENT in roles and not client_id:
        raise Unauthenticated("a CLIENT token must name its client_id")
    scopes = claims.get("scopes") or []
    return Principal(
        tenant=tenant,
        subject=str(claims["sub"]),
        roles=roles,
        client_id=str(client_id) if client_id else None,
        scopes=frozenset(scope_name(s) for s in scopes)
        if isinstance(scopes, list)
        else frozenset(),
    )


def scope_name(scope: object) -> str:
    """A partner scope as the services check it (`ingest:sales`), also when a token spells
    it as the graph's `PartnerScope` enum does (`INGEST_SALES`)."""
    text = str(scope).strip().lower()
    if ":" not in text and "_" in text:
        area, _, action = text.partition("_")
        return f"{area}:{action}"
    return text


def mint_token(
    secret: str,
    *,
    tenant: str,
    roles: list[str],
    subject: str = "user-1",
    client_id: str | None = None,
    scopes: list[str] | None = None,
    ttl_seconds: int = 3600,
) -> str:
    """An HS256 token for the local stack, tests and the admin CLI."""
    now = int(time.time())
    claims: dict[str, Any] = {
        "sub": subject,
        "tenant": tenant,
        "roles": roles,
        "iat": now,
        "exp": now + ttl_seconds,
    }
    if client_id:
        claims["client_id"] = client_id
    if scopes:
        claims["scopes"] = scopes
    return jwt.encode(claims, secret, algorithm="HS256")
