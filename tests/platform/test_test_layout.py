"""Every service's tests live in packages named `unit` and `integration`; pytest imports
them all in one run (`--import-mode=importlib`), where those names are not unique. A test
module importing a sibling (`from .sales import …`) then finds another service's package
and fails to be collected in the full run while passing on its own. Shared helpers of a
service's tests live in its source package (`loyalty.testing_sales`, `crm.testing_events`)."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SIBLING_IMPORT = re.compile(r"^from \.\w* import", re.MULTILINE)


def test_no_service_test_imports_a_sibling_module() -> None:
    offenders = [
        str(path.relative_to(ROOT))
        for path in sorted(ROOT.glob("services/*/tests/**/*.py"))
        if SIBLING_IMPORT.search(path.read_text(encoding="utf-8"))
    ]
    assert offenders == [], "move the shared helper into the service's package: " + ", ".join(
        offenders
    )
