"""OpenTelemetry traces: one request from the gateway through the subgraphs, and one
event from the request that caused it, through the relay, to every consumer.

The W3C `traceparent` travels in HTTP headers (gateway -> subgraph), in the outbox entry
(request -> relay, which may run in another process much later) and in the Kafka message
headers (relay -> consumers).
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

from opentelemetry import propagate, trace
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import (
    BatchSpanProcessor,
    ConsoleSpanExporter,
    SpanExporter,
)
from opentelemetry.sdk.trace.sampling import (
    ALWAYS_OFF,
    ALWAYS_ON,
    ParentBased,
    Sampler,
    TraceIdRatioBased,
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
    provider = TracerProvider(
        resource=Resource.create({"service.name": settings.service_name}),
        sampler=sampler(settings),
    )
    if exporter is not None:
        provider.add_span_processor(BatchSpanProcessor(exporter))
    trace.set_tracer_provider(provider)


def sampler(settings: ServiceSettings) -> Sampler:
    """The head sampler `OTEL_TRACES_SAMPLER` names (validated by the settings)."""
    name = settings.otel_traces_sampler
    root: Sampler
    if name.endswith("always_on"):
        root = ALWAYS_ON
    elif name.endswith("always_off"):
        root = ALWAYS_OFF
    else:
        root = TraceIdRatioBased(settings.otel_traces_sampler_arg)
    return ParentBased(root) if name.startswith("parentbased_") else root


def _one_line(span: ReadableSpan) -> str:
    """A span as one JSON line, with the keys of `ReadableSpan.to_json` but not the
    resource (the log is the service's own): `to_json` rebuilt the resource for every
    span and cost a busy consumer about a tenth of its CPU."""
    context, parent = span.context, span.parent
    return (
        json.dumps(
            {
                "name": span.name,
                "context": {
                    "trace_id": f"0x{context.trace_id:032x}",
                    "span_id": f"0x{context.span_id:016x}",
                }
                if context is not None
                else None,
                "kind": str(span.kind),
                "parent_id": f"0x{parent.span_id:016x}" if parent is not None else None,
                "start_time": _iso(span.start_time),
                "end_time": _iso(span.end_time),
                "status": {"status_code": span.status.status_code.name},
                "attributes": dict(span.attributes or {}),
            },
            default=str,
            separators=(",", ":"),
        )
        + "\n"
    )


def _iso(nanoseconds: int | None) -> str | None:
    if nanoseconds is None:
        return None
    return datetime.fromtimestamp(nanoseconds / 1e9, UTC).isoformat()


# A proxy until the provider is installed, then the provider's tracer (looked up once).
_tracer = trace.get_tracer("plumbing")


def tracer() -> trace.Tracer:
    return _tracer


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
