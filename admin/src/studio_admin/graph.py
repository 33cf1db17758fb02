"""A small client of the public graph (the CLI never touches a service directly)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import httpx
import jwt

DEFAULT_GATEWAY = "http://127.0.0.1:4000/graphql"


def repo_root() -> Path:
    return Path(__file__).resolve().parents[3]


def local_secret() -> str:
    if os.environ.get("JWT_SECRET"):
        return os.environ["JWT_SECRET"]
    path = repo_root() / ".data" / "secrets" / "jwt_secret"
    if not path.exists():
        raise SystemExit(
            "no JWT_SECRET and no .data/secrets/jwt_secret: start the stack with `make up`"
        )
    return path.read_text().strip()


def make_token(
    tenant: str,
    roles: list[str],
    *,
    subject: str = "admin-cli",
    client_id: str | None = None,
    ttl_seconds: int = 12 * 3600,
    secret: str | None = None,
) -> str:
    import time

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
    return jwt.encode(claims, secret or local_secret(), algorithm="HS256")


class GraphError(RuntimeError):
    pass


class Graph:
    def __init__(self, url: str, token: str) -> None:
        self.url = url
        self._http = httpx.Client(timeout=60, headers={"authorization": f"Bearer {token}"})

    def __call__(
        self, query: str, variables: dict[str, Any] | None = None, **files: Any
    ) -> dict[str, Any]:
        response = self._http.post(self.url, json={"query": query, "variables": variables or {}})
        body = response.json()
        if body.get("errors"):
            raise GraphError(str(body["errors"]))
        data: dict[str, Any] = body["data"]
        return data

    def mutate(self, query: str, variables: dict[str, Any] | None = None) -> dict[str, Any]:
        """A mutation whose payload must come back without userErrors."""
        data = self(query, variables)
        payload: dict[str, Any] = next(iter(data.values()))
        if isinstance(payload, dict) and payload.get("userErrors"):
            raise GraphError(str(payload["userErrors"]))
        return payload

    def close(self) -> None:
        self._http.close()
