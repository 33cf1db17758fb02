"""What a resolver takes from its caller: the storage of their tenant, their access to
a card, their limits and their upload."""

from __future__ import annotations

from typing import Any

from plumbing.auth import Role
from plumbing.gql import (
    RequestContext,
    context_of,
    require,
)
from strawberry.types import Info

from clients.adapters.repository import Repository, for_request
from clients.config import Settings


def repo_of(ctx: RequestContext) -> Repository:
    return for_request(ctx)


def require_self_or(info: Info[Any, Any], client_id: str, *roles: Role) -> RequestContext:
    """Staff in `roles`, or the CLIENT whose own card this is."""
    ctx = context_of(info)
    if ctx.principal.has(*roles):
        return ctx
    if ctx.principal.has(Role.CLIENT) and ctx.principal.client_id == client_id:
        return ctx
    return require(info, *roles)  # raises FORBIDDEN with the roles needed


def limits_of(ctx: RequestContext) -> Settings:
    settings = ctx.settings
    return settings if isinstance(settings, Settings) else Settings()


async def read_upload(file: Any, limit: int) -> bytes | None:
    """The upload's bytes, or None when it is larger than `limit`."""
    chunks: list[bytes] = []
    size = 0
    while True:
        chunk = await file.read(256 * 1024)
        if not chunk:
            break
        size += len(chunk)
        if size > limit:
            return None
        chunks.append(chunk)
    return b"".join(chunks)
