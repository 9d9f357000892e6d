"""The packages form layers that only import downwards (see the README's architecture section).

labels → nothing of ours; datasets → labels; train and openmv → datasets, labels (and each other);
curate → everything. Imports inside functions count too.
"""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
ALLOWED = {
    "labels": set(),
    "datasets": {"labels"},
    "train": {"labels", "datasets", "openmv"},
    "openmv": {"labels", "datasets", "train"},
    "curate": {"labels", "datasets", "train", "openmv"},
}


def imported_packages(path):
    """(line, top-level package) of every absolute import in a file."""
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            yield from ((node.lineno, alias.name.split(".")[0]) for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            yield node.lineno, node.module.split(".")[0]


@pytest.mark.parametrize("package", sorted(ALLOWED))
def test_imports_only_point_down(package):
    wrong = [f"{path.relative_to(ROOT)}:{line} imports {top}"
             for path in sorted((ROOT / package).rglob("*.py"))
             for line, top in imported_packages(path)
             if top in ALLOWED and top != package and top not in ALLOWED[package]]
    assert not wrong, "upward imports:\n" + "\n".join(wrong)


def test_the_checker_sees_an_upward_import(tmp_path):
    bad = tmp_path / "bad.py"
    bad.write_text("def f():\n    from curate.build import load_dataset\n")
    assert list(imported_packages(bad)) == [(2, "curate")]
