"""Template tags stay below the views: they may use presentation and selectors, never views."""

from __future__ import annotations

import ast
from pathlib import Path

import shop


def _imported_modules(path: Path) -> set[str]:
    package = ".".join(path.relative_to(Path(shop.__file__).parent.parent).with_suffix("").parts)
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = package.rsplit(".", node.level)[0] if node.level else ""
            module = ".".join(part for part in (base, node.module or "") if part)
            found.add(module)
            found.update(f"{module}.{alias.name}" for alias in node.names)
    return found


def test_no_template_tag_imports_a_views_module():
    """A template tag that imported views would tie templates to HTTP handling (and invite
    import cycles): no module under a templatetags package imports a views module."""
    tags = sorted(Path(shop.__file__).parent.glob("**/templatetags/*.py"))
    assert tags
    offenders = {
        str(path): sorted(m for m in _imported_modules(path) if m.split(".")[-1] == "views")
        for path in tags
    }
    assert {path: found for path, found in offenders.items() if found} == {}
