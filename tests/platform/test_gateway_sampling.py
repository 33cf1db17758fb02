"""P4: the gateway samples traces by the OpenTelemetry variables the services read too
(`OTEL_TRACES_SAMPLER`, `OTEL_TRACES_SAMPLER_ARG`), and refuses a sampler it does not
know. Each test starts a gateway of its own on a free port, in front of the running
subgraphs, with its console spans in a file."""

from __future__ import annotations

import asyncio
import json
import os
import secrets
import socket
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import httpx
from plumbing.auth import mint_token
from plumbing.testing import ROOT, eventually, jwt_secret, unique_tenant

START = ROOT / "gateway" / "start.sh"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@asynccontextmanager
async def gateway(log: Path, **env: str) -> AsyncIterator[str]:
    port = free_port()
    environment = {
        **os.environ,
        "JWT_SECRET": jwt_secret(),
        "GATEWAY_PORT": str(port),
        "OTEL_TRACES_EXPORTER": "console",
        **env,
    }
    with log.open("wb") as out:
        process = await asyncio.create_subprocess_exec(
            "bash", str(START), env=environment, stdout=out, stderr=out
        )
    try:
        async with httpx.AsyncClient(timeout=2) as http:

            async def ready() -> bool:
                try:
                    return (await http.get(f"http://127.0.0.1:{port}/readiness")).is_success
                except httpx.TransportError:
                    return False

            await eventually(ready, timeout=60)
        yield f"http://127.0.0.1:{port}/graphql"
    finally:
        if process.returncode is None:
            process.terminate()
            await process.wait()


def spans(log: Path) -> list[dict[str, object]]:
    return [
        json.loads(line)
        for line in log.read_text(errors="replace").splitlines()
        if line.startswith("{") and '"context"' in line
    ]


async def test_a_ratio_of_zero_traces_only_the_requests_a_caller_sampled(tmp_path: Path) -> None:
    log = tmp_path / "gateway.log"
    token = mint_token(jwt_secret(), tenant=unique_tenant("sampling"), roles=["OWNER"])
    query = {"query": "{ clients(first: 1) { totalCount } }"}
    sampled = secrets.token_hex(16)
    env = {"OTEL_TRACES_SAMPLER": "parentbased_traceidratio", "OTEL_TRACES_SAMPLER_ARG": "0"}
    async with gateway(log, **env) as url, httpx.AsyncClient(timeout=30) as http:
        headers = {"authorization": f"Bearer {token}"}
        unsampled = await http.post(url, json=query, headers=headers)
        assert unsampled.json()["data"]["clients"]["totalCount"] == 0
        traced = await http.post(
            url,
            json=query,
            headers={**headers, "traceparent": f"00-{sampled}-{secrets.token_hex(8)}-01"},
        )
        assert traced.json()["data"]["clients"]["totalCount"] == 0

        # Spans are exported in batches, in the order they end: once the second request's
        # are written, the first request's would have been too.
        async def written_so_far() -> list[dict[str, object]]:
            return spans(log)

        written = await eventually(
            written_so_far,
            until=lambda found: any(s.get("kind") == "SpanKind.SERVER" for s in found),
            timeout=30,
        )
    assert {str(s["context"]["trace_id"]) for s in written} == {f"0x{sampled}"}  # type: ignore[index]


async def test_an_unknown_sampler_stops_the_gateway_with_its_name(tmp_path: Path) -> None:
    log = tmp_path / "gateway.log"
    with log.open("wb") as out:
        process = await asyncio.create_subprocess_exec(
            "bash",
            str(START),
            env={**os.environ, "GATEWAY_PORT": str(free_port()), "OTEL_TRACES_SAMPLER": "often"},
            stdout=out,
            stderr=out,
        )
    assert await asyncio.wait_for(process.wait(), timeout=60) != 0
    refusal = [line for line in log.read_text(errors="replace").splitlines() if "often" in line]
    assert any("OTEL_TRACES_SAMPLER must be one of" in line for line in refusal), refusal
