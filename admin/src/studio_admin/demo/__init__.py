"""The demo studio, filled through the public graph.

Each context has a module here with a `fill(graph, state)` function; `STEPS` runs them in
order (later contexts use the clients the first step created), so a newcomer's first
queries show every part of the product.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable

from studio_admin.demo.state import DemoState
from studio_admin.graph import Graph

Fill = Callable[[Graph, DemoState], None]

# (module, what it fills), in the order they run.
ORDER = [
    ("clients", "studio and client cards"),
    ("ranks", "belts and ranks"),
    ("loyalty", "loyalty points"),
    ("crm", "bookings, sales and tasks"),
    ("notifications", "message templates"),
]


def steps() -> list[tuple[str, Fill]]:
    found: list[tuple[str, Fill]] = []
    for module, label in ORDER:
        try:
            loaded = importlib.import_module(f"studio_admin.demo.{module}")
        except ModuleNotFoundError as exc:
            if exc.name != f"studio_admin.demo.{module}":
                raise
            continue  # that context has no demo data yet
        found.append((label, loaded.fill))
    return found
