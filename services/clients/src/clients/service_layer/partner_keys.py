"""Partner API keys: created and revoked by the studio's OWNER/ADMIN, stored hashed,
scoped, and exchanged for short-lived PARTNER tokens.

A key reads `pk.<tenant, base64url>.<key id>.<secret>`: the tenant and id locate the
stored hash with an `_id` lookup; only the SHA-256 of the secret is stored, and it is
compared in constant time.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from plumbing.auth import mint_token
from plumbing.ids import new_id
from plumbing.mongo import Doc

from clients.service_layer.ports import PartnerKeys

TOKEN_TTL = timedelta(minutes=15)
SCOPES = (
    "clients:read",
    "clients:write",
    "ingest:bookings",
    "ingest:sales",
    "ingest:app",
    "loyalty:redeem",
)


class KeyRefused(Exception):
    pass


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def _encode_tenant(tenant: str) -> str:
    return base64.urlsafe_b64encode(tenant.encode()).decode().rstrip("=")


def _decode_tenant(text: str) -> str:
    return base64.urlsafe_b64decode((text + "=" * (-len(text) % 4)).encode()).decode()


@dataclass(frozen=True)
class IssuedKey:
    doc: Doc
    secret: str


async def create_key(
    keys: PartnerKeys, tenant: str, *, name: str, scopes: list[str], actor: str, now: datetime
) -> IssuedKey:
    key_id = new_id()
    secret = secrets.token_urlsafe(32)
    doc = await keys.add(
        {
            "id": key_id,
            "name": name,
            "scopes": sorted(set(scopes)),
            "secret_sha256": _hash(secret),
            "created_by": actor,
            "created_at": now,
            "revoked_at": None,
            "last_used_at": None,
        }
    )
    return IssuedKey(doc=doc, secret=f"pk.{_encode_tenant(tenant)}.{key_id}.{secret}")


async def revoke_key(keys: PartnerKeys, key_id: str, *, now: datetime) -> Doc | None:
    return await keys.revoke(key_id, now)


async def list_keys(keys: PartnerKeys) -> list[Doc]:
    return await keys.all()


async def exchange(
    stores: Callable[[str], PartnerKeys], presented: str, *, signing_secret: str, now: datetime
) -> tuple[str, int]:
    """A valid, unrevoked key -> (PARTNER token, seconds it lives)."""
    parts = presented.strip().split(".")
    if len(parts) != 4 or parts[0] != "pk":
        raise KeyRefused("malformed partner key")
    try:
        tenant = _decode_tenant(parts[1])
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raise KeyRefused("malformed partner key") from None
    if not tenant or ":" in tenant:
        raise KeyRefused("malformed partner key")
    keys = stores(tenant)
    doc = await keys.get(parts[2])
    if doc is None or not hmac.compare_digest(doc["secret_sha256"], _hash(parts[3])):
        raise KeyRefused("unknown partner key")
    if doc.get("revoked_at") is not None:
        raise KeyRefused("this partner key was revoked")
    await keys.used(parts[2], now)
    ttl = int(TOKEN_TTL.total_seconds())
    token = mint_token(
        signing_secret,
        tenant=tenant,
        roles=["PARTNER"],
        subject=f"partner:{doc['id']}",
        scopes=list(doc["scopes"]),
        ttl_seconds=ttl,
    )
    return token, ttl
