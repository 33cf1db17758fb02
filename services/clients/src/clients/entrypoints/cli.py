from __future__ import annotations

from plumbing.runner import main as run

from clients.config import Settings
from clients.entrypoints.service import definition


def main() -> None:
    run(definition, Settings())
