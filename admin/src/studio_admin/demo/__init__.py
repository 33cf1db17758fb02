"""The demo studio, filled through the public graph.

Each context adds a module here with a `fill(graph, state)` function and lists it in
`STEPS`, so a newcomer's first queries show every part of the product.
"""

from __future__ import annotations

from collections.abc import Callable

from studio_admin.demo import clients
from studio_admin.demo.state import DemoState
from studio_admin.graph import Graph

Step = tuple[str, Callable[[Graph, DemoState], None]]

STEPS: list[Step] = [
    ("studio and client cards", clients.fill),
]
