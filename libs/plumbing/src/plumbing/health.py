"""Liveness, readiness and metrics endpoints, the same on every process."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

Check = Callable[[], Awaitable[bool]]


async def healthz(_: Request) -> Response:
    return JSONResponse({"status": "ok"})


def readyz(checks: dict[str, Check]) -> Callable[[Request], Awaitable[Response]]:
    async def endpoint(_: Request) -> Response:
        results = await asyncio.gather(*(_safe(check) for check in checks.values()))
        report = dict(zip(checks, results, strict=True))
        ok = all(report.values())
        return JSONResponse(
            {"status": "ready" if ok else "unavailable", "checks": report},
            status_code=200 if ok else 503,
        )

    return endpoint


async def _safe(check: Check) -> bool:
    try:
        return await asyncio.wait_for(check(), timeout=2.0)
    except Exception:
        return False


async def metrics(_: Request) -> Response:
    return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)
