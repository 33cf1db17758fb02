"""P4: head sampling from OTEL_TRACES_SAMPLER / OTEL_TRACES_SAMPLER_ARG, as the gateway
reads them: a ratio decides for new traces, a caller's sampled flag for its own."""

from __future__ import annotations

import secrets

import pytest
from opentelemetry import trace
from opentelemetry.sdk.trace.sampling import Decision
from plumbing.settings import ServiceSettings
from plumbing.tracing import sampler
from pydantic import ValidationError


def decide(settings: ServiceSettings, parent_sampled: bool | None) -> Decision:
    context = None
    if parent_sampled is not None:
        flags = trace.TraceFlags(trace.TraceFlags.SAMPLED if parent_sampled else 0)
        parent = trace.SpanContext(
            secrets.randbits(128), secrets.randbits(64), is_remote=True, trace_flags=flags
        )
        context = trace.set_span_in_context(trace.NonRecordingSpan(parent))
    trace_id = secrets.randbits(128)
    return sampler(settings).should_sample(context, trace_id, "POST /graphql").decision


def test_every_trace_is_kept_by_default() -> None:
    assert decide(ServiceSettings(), None) is Decision.RECORD_AND_SAMPLE


def test_a_ratio_of_zero_keeps_only_what_the_caller_sampled() -> None:
    settings = ServiceSettings(
        otel_traces_sampler="parentbased_traceidratio", otel_traces_sampler_arg=0
    )
    assert decide(settings, None) is Decision.DROP
    assert decide(settings, True) is Decision.RECORD_AND_SAMPLE
    assert decide(settings, False) is Decision.DROP


def test_without_parentbased_the_ratio_decides_alone() -> None:
    settings = ServiceSettings(otel_traces_sampler="traceidratio", otel_traces_sampler_arg=0)
    assert decide(settings, True) is Decision.DROP


@pytest.mark.parametrize(
    "values",
    [{"otel_traces_sampler": "often"}, {"otel_traces_sampler_arg": 2}],
)
def test_unknown_samplers_and_ratios_are_refused(values: dict[str, object]) -> None:
    with pytest.raises(ValidationError):
        ServiceSettings(**values)  # type: ignore[arg-type]
