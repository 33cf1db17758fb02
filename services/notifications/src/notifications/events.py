"""The events the notifications context publishes (schema version 1)."""

from __future__ import annotations

from plumbing.contracts import Catalog

catalog = Catalog(source="services/notifications")
