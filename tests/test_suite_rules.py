"""Rules for the test suite itself: where helpers live, and which tests may start processes."""

from __future__ import annotations

import ast
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import PROCESS_STARTERS

TESTS = Path(__file__).resolve().parent
REFUSED = r"not marked @pytest\.mark\.slow"


def imports_of_test_modules(source: str) -> list[int]:
    """Return the lines of ``source`` (a module in tests/) that import a test module."""

    def is_test_module(dotted: str) -> bool:
        parts = dotted.split(".")
        return parts[0] == "tests" and len(parts) > 1 and parts[1].startswith("test_")

    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            modules = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            # Every module here is directly in tests/: a relative import is from tests.
            base = "tests" if node.level else ""
            base = ".".join(p for p in (base, node.module or "") if p)
            modules = [base, *(f"{base}.{alias.name}" for alias in node.names)]
        else:
            continue
        if any(is_test_module(m) for m in modules):
            found.append(node.lineno)
    return sorted(found)


@pytest.mark.parametrize(
    "source",
    [
        "from tests.test_sync import FAST",
        "from .test_sync import FAST",
        "from tests import test_sync",
        "from . import conftest, test_sync",
        "import tests.test_sync",
        "def f():\n    from tests.test_enrich_sync import failing",
    ],
)
def test_the_import_rule_sees_every_form_of_importing_a_test_module(source):
    assert imports_of_test_modules(source) == [source.count("\n") + 1]


@pytest.mark.parametrize(
    "source",
    [
        "from tests.helpers import rows",
        "from tests.conftest import FIXTURES",
        "from . import helpers",
        "import tests.e2e",
        "from grunt_archive.test_support import x",
    ],
)
def test_the_import_rule_allows_helpers_modules(source):
    assert imports_of_test_modules(source) == []


def test_no_module_in_tests_imports_a_test_module():
    offenders = [
        f"tests/{path.name}:{line}"
        for path in sorted(TESTS.glob("*.py"))
        for line in imports_of_test_modules(path.read_text(encoding="utf-8"))
    ]
    assert offenders == [], "move what is shared into tests/helpers.py or tests/conftest.py"


@pytest.fixture
def refused_in_setup() -> str:
    with pytest.raises(pytest.fail.Exception, match=REFUSED) as refused:
        subprocess.run([sys.executable, "-c", "pass"], check=True)
    return str(refused.value)


def test_a_test_not_marked_slow_cannot_start_a_process(refused_in_setup):
    assert "test_a_test_not_marked_slow_cannot_start_a_process" in refused_in_setup
    with pytest.raises(pytest.fail.Exception, match=REFUSED):
        subprocess.run([sys.executable, "-c", "pass"], check=True)
    with pytest.raises(pytest.fail.Exception, match=REFUSED):
        os.system("true")
    # Forking for real here would run the rest of the session twice: check the others by name.
    for owner, name in PROCESS_STARTERS:
        if hasattr(owner, name):
            assert getattr(owner, name).__name__ == "refused", name


@pytest.mark.slow
def test_a_test_marked_slow_may_start_a_process():
    assert subprocess.run([sys.executable, "-c", "pass"], check=True).returncode == 0
    for owner, name in PROCESS_STARTERS:
        if hasattr(owner, name):
            assert getattr(owner, name).__name__ != "refused", name
