from __future__ import annotations

from plumbing.runner import main as run

from loyalty.config import Settings
from loyalty.entrypoints.service import definition


def main() -> None:
    run(definition, Settings())
