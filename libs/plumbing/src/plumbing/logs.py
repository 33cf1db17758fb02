"""Structured logs: one JSON object per line, snake_case event names, bound context.

A traceback in a log means a bug: expected refusals are one line with their code.
"""

from __future__ import annotations

import logging
import sys
from typing import Any

import structlog
from graphql import GraphQLError
from pymongo.errors import PyMongoError


def configure_logging(level: str = "INFO", *, json: bool = True) -> None:
    processors: list[Any] = [
        structlog.contextvars.merge_contextvars,
        structlog.processors.add_log_level,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
        structlog.processors.StackInfoRenderer(),
        structlog.processors.format_exc_info,
    ]
    renderer: Any = structlog.processors.JSONRenderer() if json else structlog.dev.ConsoleRenderer()
    structlog.configure(
        processors=[*processors, renderer],
        wrapper_class=structlog.make_filtering_bound_logger(logging.getLevelName(level.upper())),
        logger_factory=structlog.PrintLoggerFactory(file=sys.stderr),
        cache_logger_on_first_use=True,
    )
    # Libraries log through the standard library; keep them quieter than our own events.
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr, format="%(name)s %(message)s")


def get_logger(name: str) -> structlog.stdlib.BoundLogger:
    logger: structlog.stdlib.BoundLogger = structlog.get_logger(name)
    return logger


_refusals = structlog.get_logger("plumbing.requests")


def log_graphql_error(error: GraphQLError, *, operation: str | None = None) -> None:
    """One error of a GraphQL response, in the service's log.

    A refusal the caller can fix or expected (a `PublicError` such as FORBIDDEN or
    BAD_USER_INPUT, a document or variable the schema refuses) is one line with its code;
    anything else is a bug and is logged with its traceback.
    """
    original = error.original_error
    path = ".".join(str(p) for p in error.path) if error.path else None
    if original is None or isinstance(original, GraphQLError):
        extensions = error.extensions or (original.extensions if original is not None else None)
        code = (extensions or {}).get("code") or (
            "BAD_USER_INPUT"
            if error.message.startswith("Variable '$")
            else "GRAPHQL_VALIDATION_FAILED"
        )
        _refusals.info(
            "request_refused", code=code, message=error.message, path=path, operation=operation
        )
        return
    if isinstance(original, PyMongoError):
        # An outage, not a bug: the caller is told to try again (SERVICE_UNAVAILABLE).
        _refusals.warning(
            "database_unavailable", error=repr(original), path=path, operation=operation
        )
        return
    _refusals.error(
        "resolver_failed",
        error=repr(original),
        path=path,
        operation=operation,
        exc_info=(type(original), original, original.__traceback__),
    )
