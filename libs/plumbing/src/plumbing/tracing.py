"""OpenTelemetry traces: one request from the gateway through the subgraphs, and one
event from the request that caused it, through the relay, to every consumer.

The W3C `traceparent` travels in HTTP headers (gateway -> subgraph), in the outbox entry
(request -> relay, which may run in another process much later) and in the Kafka message
headers (relay -> consumers).
"""

from __future__ import annotations

import sys
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any

from opentelemetry import propagate, trace
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import (
    BatchSpanProcessor,
    ConsoleSpanExporter,
    SpanExporter,
)
from opentelemetry.trace import Span, SpanKind

from plumbing.settings import ServiceSettings

_configured = {"done": False}


def configure_tracing(settings: ServiceSettings) -> None:
    """Install the process's tracer provider once (OTLP if configured, else console)."""
    if _configured["done"]:
        return
    _configured["done"] = True
    exporter: SpanExporter | None
    if settings.otel_exporter_otlp_endpoint:
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

        endpoint = settings.otel_exporter_otlp_endpoint.rstrip("/")
        exporter = OTLPSpanExporter(endpoint=f"{endpoint}/v1/traces")
    elif settings.otel_traces_exporter == "console":
        exporter = ConsoleSpanExporter(out=sys.stderr, formatter=_one_line)
    else:
        exporter = None
    provider = TracerProvider(resource=Resource.create({"service.name": settings.service_name}))
    if exporter is not None:
        provider.add_span_processor(BatchSpanProcessor(exporter))
    trace.set_tracer_provider(provider)


def _one_line(span: ReadableSpan) -> str:
    return str(span.to_json(indent=None)) + "\n"


def tracer() -> trace.Tracer:
    return trace.get_tracer("plumbing")


def current_traceparent() -> dict[str, str]:
    """The current trace context as W3C headers (empty outside a trace)."""
    carrier: dict[str, str] = {}
    propagate.inject(carrier)
    return carrier


def kafka_headers(carrier: Mapping[str, str] | None) -> list[tuple[str, bytes]]:
    return [(k, v.encode()) for k, v in (carrier or {}).items()]


def from_kafka_headers(headers: Any) -> dict[str, str]:
    out: dict[str, str] = {}
    for key, value in headers or ():
        if isinstance(value, bytes | bytearray):
            out[str(key)] = bytes(value).decode("utf-8", errors="replace")
    return out


@contextmanager
def span_from(
    carrier: Mapping[str, str] | None, name: str, kind: SpanKind, **attributes: Any
) -> Iterator[Span]:
    """A span continuing the trace in `carrier` (or a new trace when it is empty)."""
    context = propagate.extract(dict(carrier or {}))
    with tracer().start_as_current_span(
        name, context=context, kind=kind, attributes=attributes
    ) as span:
        yield span
