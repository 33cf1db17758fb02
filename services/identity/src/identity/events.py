"""Identity publishes no events yet: sign-ins and sessions stay inside the context, and
its audit trail is read through the graph (`auditTrail`)."""

from __future__ import annotations

from plumbing.contracts import Catalog

catalog = Catalog(source="services/identity")
