"""Subscriptions over Server-Sent Events, the way the gateway asks a subgraph for them.

Hive Gateway's HTTP transport sends a subscription to the subgraph as a signed GET (or
POST) with `Accept: text/event-stream` and reads the answer as GraphQL over SSE's
"distinct connections" mode: one `event: next` per result, then `event: complete`.
Strawberry serves subscriptions over WebSockets only, so this is that answer: the same
schema's `subscribe`, the same context, behind the same guards (the gateway's signature
covers the request line and its query string, the token is verified by `Authenticate`).
A comment line every `KEEPALIVE_SECONDS` keeps proxies from closing an idle stream and
notices a caller that went away.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import strawberry
from graphql import ExecutionResult as GraphQLExecutionResult
from graphql import GraphQLError, OperationType, get_operation_ast, parse
from starlette.requests import Request
from starlette.responses import JSONResponse, StreamingResponse
from starlette.types import Receive, Scope, Send
from strawberry.types import ExecutionResult

from plumbing.live_shared import frame_text

KEEPALIVE_SECONDS = 15.0

ContextFactory = Callable[[Request], Awaitable[Any]]


def wants_event_stream(scope: Scope) -> bool:
    for name, value in scope.get("headers", ()):
        if name == b"accept" and b"text/event-stream" in value:
            return True
    return False


class EventStream:
    """An ASGI app answering one GraphQL request as an event stream."""

    def __init__(self, schema: strawberry.Schema, context: ContextFactory) -> None:
        self.schema = schema
        self.context = context

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        request = Request(scope, receive)
        params = await _params(request)
        if isinstance(params, str):
            await _bad_request(params)(scope, receive, send)
            return
        context = await self.context(request)
        query = params.get("query")
        variables = params.get("variables")
        operation = params.get("operationName")
        if not isinstance(query, str) or not (variables is None or isinstance(variables, dict)):
            await _bad_request("send a query, and variables as an object")(scope, receive, send)
            return
        if not _subscription(query, operation):
            message = "only a subscription is answered as an event stream"
            await _bad_request(message)(scope, receive, send)
            return
        results = self._results(query, variables, operation, context)
        await StreamingResponse(
            _frames(results),
            media_type="text/event-stream",
            headers={"cache-control": "no-cache", "x-accel-buffering": "no"},
        )(scope, receive, send)

    async def _results(
        self, query: str, variables: dict[str, Any] | None, operation: Any, context: Any
    ) -> AsyncIterator[ExecutionResult | GraphQLExecutionResult]:
        name = operation if isinstance(operation, str) else None
        subscribed = await self.schema.subscribe(
            query, variable_values=variables, context_value=context, operation_name=name
        )
        if isinstance(subscribed, ExecutionResult | GraphQLExecutionResult):
            yield subscribed  # refused before it started (an invalid document)
            return
        try:
            async for result in subscribed:
                yield result
        finally:
            await subscribed.aclose()


async def _frames(
    results: AsyncIterator[ExecutionResult | GraphQLExecutionResult],
) -> AsyncIterator[str]:
    """`event: next` per result, a comment while idle, `event: complete` at the end.

    The results are read by one task from start to end: the operation's extensions hold
    context variables (the request's language) from its first result to its end, which
    must be set and reset in the same context (a task per result would not be)."""
    queue: asyncio.Queue[ExecutionResult | GraphQLExecutionResult | None] = asyncio.Queue(1)

    async def read() -> None:
        try:
            async for result in results:
                await queue.put(result)
        finally:
            with contextlib.suppress(RuntimeError):
                await results.aclose()  # type: ignore[attr-defined]
        await queue.put(None)

    reader = asyncio.ensure_future(read())
    try:
        while True:
            waiting = asyncio.ensure_future(queue.get())
            done, _ = await asyncio.wait(
                {waiting, reader}, timeout=KEEPALIVE_SECONDS, return_when=asyncio.FIRST_COMPLETED
            )
            if not done:
                waiting.cancel()
                yield ":\n\n"
                continue
            if waiting not in done:  # the reader failed before handing anything over
                waiting.cancel()
                reader.result()
            result = await waiting
            if result is None:
                break
            yield _next_frame(result)
        yield "event: complete\ndata:\n\n"
    finally:
        reader.cancel()
        with contextlib.suppress(BaseException):
            await reader


def _subscription(query: str, operation: Any) -> bool:
    """Whether the operation to run is a subscription (an unparsable document is left to
    the schema, which answers it with its error)."""
    try:
        document = parse(query)
    except GraphQLError:
        return True
    name = operation if isinstance(operation, str) else None
    found = get_operation_ast(document, name)
    return found is None or found.operation is OperationType.SUBSCRIPTION


def _next_frame(result: ExecutionResult | GraphQLExecutionResult) -> str:
    """`event: next` with the result; a result shared by a group of subscribers
    (`plumbing.live_shared`) is serialized once for all of them."""

    def render() -> str:
        return f"event: next\ndata: {json.dumps(_payload(result), default=str)}\n\n"

    if result.errors or result.data is None:
        return render()
    return frame_text(result.data, render)


def _payload(result: ExecutionResult | GraphQLExecutionResult) -> dict[str, Any]:
    payload: dict[str, Any] = {"data": result.data}
    if result.errors:
        payload["errors"] = [error.formatted for error in result.errors]
    return payload


async def _params(request: Request) -> dict[str, Any] | str:
    """The GraphQL-over-HTTP parameters of a GET (query string) or a POST (JSON body)."""
    try:
        if request.method == "GET":
            raw: dict[str, Any] = dict(request.query_params)
            for name in ("variables", "extensions"):
                if isinstance(raw.get(name), str):
                    raw[name] = json.loads(raw[name])
            return raw
        body = json.loads(await request.body() or b"{}")
    except (json.JSONDecodeError, UnicodeDecodeError):
        return "the request's parameters are not valid JSON"
    return body if isinstance(body, dict) else "send one operation as a JSON object"


def _bad_request(message: str) -> JSONResponse:
    body = {"errors": [{"message": message, "extensions": {"code": "BAD_REQUEST"}}]}
    return JSONResponse(body, status_code=400)
