"""One execution per event for the subscribers that asked the same thing.

An event for a thousand open subscriptions of one studio used to run the subscription's
selection set a thousand times and serialize a thousand identical frames. Subscribers
whose request is the same (document, variables, and what the resolvers read of the
caller: tenant, roles, partner scopes, client card, language) form a *group*; an event's
CHANGE update is executed once per group and every member gets the same result, and the
same frame text (`frame_text`).

Only CHANGE updates are shared: each carries the cursor of the one event it is about, so
`(group, cursor)` names one execution. STARTED and REFETCH updates stay per subscriber
(each stands at its own cursor, and STARTED reads the state as it is at its opening).
Everything else about a subscription stays its own: its feed queue, its replay, its
checks per event (tenant, role, card, token expiry, revocation) which run before the
update reaches execution, so a member that may not see an event never asks for it.

No resolver reachable from a subscription's update reads the caller's person
(`principal.subject`): a field that did would have to join the group key.
"""

from __future__ import annotations

import asyncio
import json
from collections import OrderedDict
from collections.abc import Hashable
from typing import Any, cast

from graphql import ExecutionResult, OperationType
from prometheus_client import Counter
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext

# Executions (and frames) kept for members still to come: a member takes its copy within
# milliseconds of the first, so a few thousand recent events are plenty.
KEPT = 4096

SHARED = Counter(
    "live_shared_executions_total",
    "CHANGE updates by whether their execution was shared",
    ["outcome"],
)

_executions: OrderedDict[Hashable, asyncio.Future[ExecutionResult]] = OrderedDict()
_frames: OrderedDict[int, tuple[object, str]] = OrderedDict()


def _keep(store: OrderedDict[Any, Any], key: Any, value: Any) -> None:
    store[key] = value
    while len(store) > KEPT:
        store.popitem(last=False)


def _caller(context: Any) -> Hashable:
    principal = getattr(context, "principal", None)
    if principal is None:
        return id(context)  # not a request of the graph (a test of the schema alone)
    return (
        principal.tenant,
        principal.roles,
        principal.scopes,
        principal.client_id,
        getattr(context, "language", None),
    )


def share_key(
    operation: Any, variables: dict[str, Any], context: Any, update: Any
) -> Hashable | None:
    """The execution an update may share: None unless it is a CHANGE with its cursor."""
    if str(getattr(update, "kind", "")) != "CHANGE":
        return None
    cursor = getattr(update, "cursor", None)
    if not isinstance(cursor, str):
        return None
    # The document's text (its parse keeps its source) and the operation in it.
    source = operation.loc.source.body if operation.loc is not None else id(operation)
    named = operation.name.value if operation.name is not None else None
    return (
        source,
        named,
        json.dumps(variables, sort_keys=True, default=str),
        _caller(context),
        cursor,
    )


class SharedEventExecution(StrawberryGraphQLCoreExecutionContext):
    """The subgraphs' executor: a subscription's CHANGE update is executed once per
    group and event (`share_key`), the others await the same result."""

    def execute_operation(self, serially: bool | None = None) -> Any:
        if self.operation.operation is not OperationType.SUBSCRIPTION:
            return super().execute_operation(serially)
        # A per-event root value is the subscription field's update (Strawberry's
        # subscription field resolves to the event it is given).
        key = share_key(
            self.operation, self.variable_values.coerced, self.context_value, self.root_value
        )
        if key is None:
            return super().execute_operation(serially)
        return self._shared(key, serially)

    async def _shared(self, key: Hashable, serially: bool | None) -> ExecutionResult:
        found = _executions.get(key)
        if found is not None:
            SHARED.labels("shared").inc()
            return await asyncio.shield(found)
        SHARED.labels("executed").inc()
        future: asyncio.Future[ExecutionResult] = asyncio.get_running_loop().create_future()
        _keep(_executions, key, future)
        try:
            executed = super().execute_operation(serially)
            if self.is_awaitable(executed):
                executed = await executed
        except BaseException as exc:
            _executions.pop(key, None)  # the next member tries again
            future.cancel()
            raise exc
        # A subscription's event never defers or streams: one ExecutionResult.
        result = cast("ExecutionResult", executed)
        future.set_result(result)
        return result


def frame_text(data: object, render: Any) -> str:
    """The frame for `data`, rendered once while the members of a group send it (shared
    results carry the same `data` object)."""
    found = _frames.get(id(data))
    if found is not None and found[0] is data:
        return found[1]
    text: str = render()
    _keep(_frames, id(data), (data, text))
    return text
