"""Who is calling: JWT verification shared by every subgraph, and the gateway's signature.

The gateway verifies the token and forwards the `Authorization` header; each subgraph
verifies it again, so a request that bypasses the gateway gets nothing. Local and test
stacks sign with HS256 and a generated secret; production verifies RS256 against a JWKS
document. `alg: none`, expired, wrongly signed and tenant-less tokens are refused.

Besides the caller's token, every request the gateway sends to a subgraph carries the
gateway's own signature (`x-gateway-signature`, see `sign_request`): a subgraph answers
only the gateway, so a valid token sent straight to a subgraph's port gets nothing either.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import time
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

import jwt

from plumbing.settings import DEVELOPMENT_JWT_SECRET, Environment, ServiceSettings


class Role(StrEnum):
    OWNER = "OWNER"
    ADMIN = "ADMIN"
    OPERATOR = "OPERATOR"
    CLIENT = "CLIENT"
    PARTNER = "PARTNER"


STAFF = frozenset({Role.OWNER, Role.ADMIN, Role.OPERATOR})
MANAGERS = frozenset({Role.OWNER, Role.ADMIN})


class Unauthenticated(Exception):
    """The request carries no usable credentials. `reason` tells a client what to do:
    TOKEN_MISSING (sign in), TOKEN_EXPIRED (refresh), TOKEN_INVALID (sign in again)."""

    def __init__(self, message: str, reason: str = "TOKEN_INVALID") -> None:
        super().__init__(message)
        self.reason = reason

    def www_authenticate(self) -> str:
        """The `WWW-Authenticate` value of the 401 (RFC 6750 section 3)."""
        if self.reason == "TOKEN_MISSING":
            return 'Bearer realm="studio"'
        description = "the token has expired" if self.reason == "TOKEN_EXPIRED" else "bad token"
        return f'Bearer realm="studio", error="invalid_token", error_description="{description}"'


@dataclass(frozen=True, slots=True)
class Principal:
    tenant: str
    subject: str
    roles: frozenset[Role]
    # For the CLIENT role: the client card this login belongs to.
    client_id: str | None = None
    # For PARTNER keys: what the key may do (e.g. "ingest:bookings").
    scopes: frozenset[str] = field(default_factory=frozenset)
    # The person's language (the token's `lang` claim): answers are in it when the
    # request's Accept-Language names none spoken here.
    language: str | None = None

    def has(self, *roles: Role) -> bool:
        return bool(self.roles.intersection(roles))

    def allows(self, scope: str) -> bool:
        """Whether a partner's key allows `scope`; a PARTNER token without a `scopes`
        claim (minted by the studio's own tooling) allows every partner scope."""
        return not self.scopes or scope_name(scope) in self.scopes

    @property
    def is_staff(self) -> bool:
        return bool(self.roles & STAFF)


# Signed by the identity service (ES256) or an external provider (RS256), against the keys
# its JWKS document publishes; HS256 with the shared secret for tokens the platform's own
# tools mint (studioctl, partner key exchange, tests).
ASYMMETRIC = ("ES256", "RS256")
# Unknown key ids fetch the JWKS again at most this often (seconds).
FETCH_AT_MOST_EVERY = 30.0


class TokenVerifier:
    def __init__(self, settings: ServiceSettings) -> None:
        self._issuer = settings.jwt_issuer or None
        self._audience = settings.jwt_audience or None
        self._jwks: jwt.PyJWKClient | None = None
        if settings.jwt_jwks_url:
            # Keys are fetched once per key id and kept (a new `kid` fetches again); the
            # fetch is synchronous but happens once per key rotation, not per request.
            self._jwks = jwt.PyJWKClient(settings.jwt_jwks_url, cache_keys=False, timeout=5)
        # kid -> public key, filled by `fetch_key` off the event loop (PyJWKClient's fetch
        # blocks: on the loop it would stall every request, and the identity service,
        # which publishes the keys, would wait on itself).
        self._keys: dict[str, Any] = {}
        self._fetched_at = -FETCH_AT_MOST_EVERY
        # The development placeholder never verifies anything in production (where a
        # JWKS alone is enough, the placeholder is what an unset JWT_SECRET holds).
        placeholder = settings.jwt_secret == DEVELOPMENT_JWT_SECRET
        production = settings.environment is Environment.PRODUCTION
        self._secret = "" if placeholder and production else settings.jwt_secret

    async def verify_async(self, token: str) -> Principal:
        """`verify`, fetching the published keys first (in a thread) when the token names
        a key not seen yet; at most once per FETCH_AT_MOST_EVERY seconds, so that tokens
        with made-up key ids cannot make every request fetch."""
        try:
            header = jwt.get_unverified_header(token)
        except jwt.PyJWTError as exc:
            raise Unauthenticated(f"invalid token: {exc}") from exc
        kid = header.get("kid")
        if (
            self._jwks is not None
            and header.get("alg") in ASYMMETRIC
            and isinstance(kid, str)
            and kid not in self._keys
            and time.monotonic() - self._fetched_at >= FETCH_AT_MOST_EVERY
        ):
            self._fetched_at = time.monotonic()
            try:
                keys = await asyncio.to_thread(self._jwks.get_signing_keys)
            except jwt.PyJWKClientError as exc:
                raise Unauthenticated(f"invalid token: no signing keys ({exc})") from exc
            self._keys.update({k.key_id: k.key for k in keys if k.key_id})
        return self.verify(token)

    def verify(self, token: str) -> Principal:
        try:
            header = jwt.get_unverified_header(token)
            alg = header.get("alg")
            key: Any
            if alg in ASYMMETRIC and self._jwks is not None:
                key = self._keys.get(str(header.get("kid")))
                if key is None:
                    raise Unauthenticated("invalid token: signed with a key not published")
                algorithms = list(ASYMMETRIC)
            elif alg == "HS256" and self._secret:
                key, algorithms = self._secret, ["HS256"]
            else:
                raise Unauthenticated(f"invalid token: algorithm {alg!r} is not accepted here")
            claims = jwt.decode(
                token,
                key,
                algorithms=algorithms,
                options={"require": ["exp", "sub"]},
                issuer=self._issuer,
                audience=self._audience,
            )
        except jwt.ExpiredSignatureError as exc:
            raise Unauthenticated("token expired", "TOKEN_EXPIRED") from exc
        except (jwt.PyJWTError, ValueError) as exc:
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
        language=str(claims["lang"])[:16] if isinstance(claims.get("lang"), str) else None,
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
    language: str | None = None,
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
    if language:
        claims["lang"] = language
    return jwt.encode(claims, secret, algorithm="HS256")


# --- the gateway's signature on subgraph requests ------------------------------------

SIGNATURE_HEADER = "x-gateway-signature"
# How old (or, with clock skew, how far ahead) a signature may be. A signature covers one
# request exactly, so this bounds how long a captured request could be replayed as it was.
SIGNATURE_MAX_AGE_SECONDS = 60
# A secret that only exists so a fresh checkout can start; the API refuses it in production.
DEVELOPMENT_SIGNING_SECRET = "development-only-gateway-signing-secret-0123456789"


class BadSignature(Exception):
    """A request that does not come from the gateway (no signature, or not a valid one)."""

    def __init__(self, message: str, *, code: str, status: int) -> None:
        super().__init__(message)
        self.code = code
        self.status = status


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def signature_base(
    timestamp: int, method: str, target: str, authorization: str, body: bytes
) -> bytes:
    """What the gateway signs: the time, the method, the path with its query string, and
    SHA-256 digests of the `Authorization` header and of the body. gateway.config.ts
    builds the same lines; a change here must be made there too."""
    lines = [
        "v1",
        str(timestamp),
        method.upper(),
        target,
        _sha256(authorization.encode("latin-1", "replace")),
        _sha256(body),
    ]
    return "\n".join(lines).encode()


def sign_request(
    secret: str,
    *,
    method: str,
    target: str,
    authorization: str = "",
    body: bytes = b"",
    now: float | None = None,
) -> str:
    """The `x-gateway-signature` value for one request: `t=<unix seconds>,v1=<hex HMAC>`."""
    timestamp = int(time.time() if now is None else now)
    base = signature_base(timestamp, method, target, authorization, body)
    digest = hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={digest}"


class SignatureVerifier:
    """Checks the gateway's signature on a subgraph request (HMAC-SHA256, shared secret)."""

    def __init__(self, secret: str, *, max_age: int = SIGNATURE_MAX_AGE_SECONDS) -> None:
        self._key = secret.encode()
        self._max_age = max_age

    def verify(
        self,
        header: str | None,
        *,
        method: str,
        target: str,
        authorization: str,
        body: bytes,
        now: float | None = None,
    ) -> None:
        if not header:
            raise BadSignature(
                "this service answers only the gateway",
                code="GATEWAY_SIGNATURE_REQUIRED",
                status=401,
            )
        fields = dict(part.strip().partition("=")[::2] for part in header.split(","))
        timestamp, given = fields.get("t", ""), fields.get("v1", "")
        if not timestamp.isdigit() or not given:
            raise BadSignature(
                "malformed gateway signature", code="GATEWAY_SIGNATURE_INVALID", status=403
            )
        current = time.time() if now is None else now
        if abs(current - int(timestamp)) > self._max_age:
            raise BadSignature(
                "the gateway signature is out of date", code="GATEWAY_SIGNATURE_INVALID", status=403
            )
        base = signature_base(int(timestamp), method, target, authorization, body)
        expected = hmac.new(self._key, base, hashlib.sha256).hexdigest()
        if not hmac.compare_digest(expected, given):
            raise BadSignature(
                "the gateway signature does not match this request",
                code="GATEWAY_SIGNATURE_INVALID",
                status=403,
            )
