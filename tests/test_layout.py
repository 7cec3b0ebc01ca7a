"""The layout's two rules that import-linter cannot state (issue #18):

- no module in `shop/` or `configurator/` (migrations aside) is over 600 lines;
- no function imports first-party code at call time to hide a circular import. The only
  call-time imports allowed are an AppConfig's `ready()` (Django's place for wiring signals
  and admin parts) and the mesh stack (trimesh and manifold3d load in about a second, and
  only the renders that build a mesh need them).

import-linter's contracts in pyproject.toml state the one-way rules; grimp counts call-time
imports as imports, so a circle hidden in a function breaks a contract as well.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("shop", "configurator")
MAX_LINES = 600
# Loaded on first use only: importing them costs the web process about a second and the
# memory of trimesh, manifold3d and their numpy buffers.
HEAVY = {"configurator.engine.mesh", "configurator.engine.fitcheck"}


def _modules():
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            if "migrations" not in path.parts:
                yield path


def _module_name(path: Path, root: Path) -> str:
    parts = list(path.relative_to(root).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _targets(node: ast.Import | ast.ImportFrom, module: str, is_package: bool) -> list[str]:
    if isinstance(node, ast.Import):
        return [alias.name for alias in node.names]
    base = node.module or ""
    if node.level:
        anchor = module.split(".")
        anchor = anchor if is_package else anchor[:-1]
        anchor = anchor[: len(anchor) - (node.level - 1)]
        base = ".".join([*anchor, base] if base else anchor)
    return [f"{base}.{alias.name}" for alias in node.names]


def _call_time_imports(path: Path, root: Path = ROOT) -> list[tuple[int, str, list[str]]]:
    module = _module_name(path, root)
    tree = ast.parse(path.read_text(), filename=str(path))
    found = []
    for function in ast.walk(tree):
        if not isinstance(function, ast.FunctionDef | ast.AsyncFunctionDef):
            continue
        for node in ast.walk(function):
            if not isinstance(node, ast.Import | ast.ImportFrom):
                continue
            targets = _targets(node, module, path.name == "__init__.py")
            first_party = [t for t in targets if t.split(".")[0] in PACKAGES]
            if first_party:
                found.append((node.lineno, function.name, first_party))
    return found


def test_no_module_is_over_600_lines():
    long = {
        str(path.relative_to(ROOT)): lines
        for path in _modules()
        if (lines := len(path.read_text().splitlines())) > MAX_LINES
    }
    assert long == {}


def test_no_call_time_import_of_first_party_code_but_ready_and_the_mesh_stack():
    hidden = []
    for path in _modules():
        for line, function, targets in _call_time_imports(path):
            if function == "ready" and path.name == "apps.py":
                continue
            if all(any(t == h or t.startswith(h + ".") for h in HEAVY) for t in targets):
                continue
            hidden.append(f"{path.relative_to(ROOT)}:{line} {function}() imports {targets}")
    assert hidden == []


def test_the_scanner_finds_a_call_time_import_and_names_its_target(tmp_path):
    package = tmp_path / "shop" / "things"
    package.mkdir(parents=True)
    source = package / "rules.py"
    source.write_text(
        "import os\n\n\ndef f():\n    from .models import Thing\n    import shop.cart\n"
        "    import json\n    return Thing\n"
    )
    assert _call_time_imports(source, tmp_path) == [
        (5, "f", ["shop.things.models.Thing"]),
        (6, "f", ["shop.cart"]),
    ]
