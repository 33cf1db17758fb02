"""Prometheus metrics shared by every service process (served on /metrics)."""

from __future__ import annotations

from prometheus_client import Counter, Gauge, Histogram

REQUEST_SECONDS = Histogram(
    "http_request_duration_seconds",
    "HTTP request latency",
    ["path", "method", "status"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5),
)
OUTBOX_BACKLOG = Gauge("outbox_backlog_documents", "Aggregates with events waiting to be sent")
OUTBOX_PUBLISHED = Counter("outbox_published_events_total", "Events the relay published")
EVENTS_HANDLED = Counter(
    "consumer_events_total", "Events a consumer finished", ["topic", "type", "outcome"]
)
EVENT_SECONDS = Histogram(
    "consumer_event_duration_seconds",
    "Time to apply one event",
    ["topic"],
    buckets=(0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1),
)
CONSUMER_LAG = Gauge("consumer_lag_messages", "Messages behind the log end", ["topic", "partition"])
DLQ_EVENTS = Counter(
    "consumer_dlq_total", "Messages parked on a dead-letter topic", ["topic", "code"]
)
DLQ_FAILED = Counter(
    "consumer_dlq_failed_total",
    "Messages a consumer skipped because even their bounded DLQ record was refused",
    ["topic"],
)
EVENT_ID_CONFLICTS = Counter(
    "consumer_event_id_conflicts_total",
    "Events that reused an applied event id with other content (the first was kept)",
    ["topic"],
)
EVENTS_WAITING = Gauge(
    "consumer_waiting_events",
    "Facts held back until what they need arrives (a session, a booking, a client card)",
    ["group"],
)
