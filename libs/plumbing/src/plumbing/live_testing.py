"""Subscription callers for tests and benchmarks: GraphQL over SSE (distinct connections
mode, as graphql-sse clients speak it) and graphql-transport-ws with the token in
`connectionParams` (as browsers must send it)."""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from collections.abc import AsyncIterator
from typing import Any

import httpx
import websockets

from plumbing.testing import signed_like_the_gateway


class LiveCaller:
    """One open subscription: `next()` is its next payload (`{"data"…}` or `{"errors"…}`),
    None once the server completed it."""

    def __init__(self) -> None:
        self.payloads: asyncio.Queue[dict[str, Any] | None] = asyncio.Queue()
        self.task: asyncio.Task[None] | None = None
        # When each payload was read off the connection (`time.perf_counter()`), in order:
        # what a benchmark times, rather than when its own loop got round to it.
        self.arrived: list[float] = []

    def got(self, payload: dict[str, Any]) -> None:
        self.arrived.append(time.perf_counter())
        self.payloads.put_nowait(payload)

    async def next(self, timeout: float = 15.0) -> dict[str, Any] | None:
        return await asyncio.wait_for(self.payloads.get(), timeout)

    async def nothing_for(self, seconds: float) -> bool:
        """True when no payload arrives within `seconds`."""
        try:
            await asyncio.wait_for(self.payloads.get(), seconds)
        except TimeoutError:
            return True
        return False

    async def close(self) -> None:
        if self.task is not None:
            self.task.cancel()
            with contextlib.suppress(BaseException):
                await self.task


@contextlib.asynccontextmanager
async def over_sse(
    url: str,
    token: str,
    query: str,
    variables: dict[str, Any] | None = None,
    *,
    signed: bool = False,
) -> AsyncIterator[LiveCaller]:
    """`signed`: with the gateway's signature, for a subgraph called directly (a replica)."""
    caller = LiveCaller()
    headers = {
        "authorization": f"Bearer {token}",
        "accept": "text/event-stream",
        "content-type": "application/json",
    }
    body = json.dumps({"query": query, "variables": variables or {}}).encode()
    if signed:
        headers = signed_like_the_gateway("POST", url, headers, body)

    async def read() -> None:
        try:
            async with (
                httpx.AsyncClient(timeout=httpx.Timeout(10, read=None)) as http,
                http.stream("POST", url, content=body, headers=headers) as response,
            ):
                if response.status_code != 200:
                    await response.aread()
                    await caller.payloads.put(response.json())
                    return
                event, data = "", ""
                async for line in response.aiter_lines():
                    if line.startswith("event:"):
                        event = line[6:].strip()
                    elif line.startswith("data:"):
                        data += line[5:].strip()
                    elif line == "":
                        if event == "complete":
                            return
                        if data:
                            caller.got(json.loads(data))
                        event, data = "", ""
        finally:
            caller.payloads.put_nowait(None)

    caller.task = asyncio.create_task(read())
    try:
        yield caller
    finally:
        await caller.close()


def websocket_url(url: str) -> str:
    return url.replace("http://", "ws://", 1).replace("https://", "wss://", 1)


@contextlib.asynccontextmanager
async def acknowledged_websocket(
    url: str, token: str, headers: dict[str, str] | None = None
) -> AsyncIterator[Any]:
    """A graphql-transport-ws connection with `token` in `connectionParams`, acknowledged,
    for tests that speak the protocol themselves (several subscriptions on one
    connection, the first message a refused subscribe gets)."""
    async with websockets.connect(
        websocket_url(url),
        subprotocols=["graphql-transport-ws"],  # type: ignore[list-item]
        additional_headers=headers or {},
    ) as ws:
        init = {"type": "connection_init", "payload": {"authorization": f"Bearer {token}"}}
        await ws.send(json.dumps(init))
        ack = json.loads(await ws.recv())
        if ack.get("type") != "connection_ack":
            raise AssertionError(f"the connection was not acknowledged: {ack}")
        yield ws


@contextlib.asynccontextmanager
async def over_websocket(
    url: str, token: str, query: str, variables: dict[str, Any] | None = None
) -> AsyncIterator[LiveCaller]:
    caller = LiveCaller()
    ws_url = websocket_url(url)

    async def read() -> None:
        try:
            async with websockets.connect(ws_url, subprotocols=["graphql-transport-ws"]) as ws:  # type: ignore[list-item]
                init = {"type": "connection_init", "payload": {"authorization": f"Bearer {token}"}}
                await ws.send(json.dumps(init))
                ack = json.loads(await ws.recv())
                if ack.get("type") != "connection_ack":
                    await caller.payloads.put({"errors": [{"message": str(ack)}]})
                    return
                subscribe = {
                    "id": "1",
                    "type": "subscribe",
                    "payload": {"query": query, "variables": variables or {}},
                }
                await ws.send(json.dumps(subscribe))
                async for raw in ws:
                    message = json.loads(raw)
                    if message.get("type") == "ping":
                        await ws.send(json.dumps({"type": "pong"}))
                    elif message.get("type") == "next":
                        caller.got(message["payload"])
                    elif message.get("type") == "error":
                        await caller.payloads.put({"errors": message["payload"]})
                        return
                    elif message.get("type") == "complete":
                        return
        except websockets.ConnectionClosed as exc:
            await caller.payloads.put({"errors": [{"message": f"closed: {exc}"}]})
        finally:
            caller.payloads.put_nowait(None)

    caller.task = asyncio.create_task(read())
    try:
        yield caller
    finally:
        await caller.close()
