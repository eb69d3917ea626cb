"""Print the package layout: modules and lines per package, and the import graph's floors.

A module's floor is 0 when it imports no project module, else one more than the highest floor it imports
(functions' own imports included; the graph has no cycle, tests/test_structure.py). Run it on two checkouts
to compare a layout before and after a change:  python tools/structure.py [ROOT]
"""

from __future__ import annotations

import ast
import sys
from collections import Counter
from pathlib import Path


def module_name(root: Path, path: Path) -> str:
    parts = path.relative_to(root).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def graph(root: Path) -> dict[str, set[str]]:
    modules = {module_name(root, p): p for p in (root / "pipeline").rglob("*.py")}
    edges: dict[str, set[str]] = {}
    for name, path in modules.items():
        package = name if path.name == "__init__.py" else name.rsplit(".", 1)[0]
        found: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                found |= {a.name for a in node.names}
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    base = ".".join([*package.split(".")[: len(package.split(".")) - node.level + 1], base]).strip(".")
                found |= {f"{base}.{a.name}" if f"{base}.{a.name}" in modules else base for a in node.names}
        edges[name] = {m for m in found if m in modules and m != name and not name.startswith(m + ".")}
    return edges


def floors(edges: dict[str, set[str]]) -> dict[str, int]:
    memo: dict[str, int] = {}

    def floor(m: str) -> int:
        if m not in memo:
            memo[m] = 0
            memo[m] = 1 + max((floor(d) for d in edges[m]), default=-1)
        return memo[m]

    return {m: floor(m) for m in edges}


def main(root: Path) -> None:
    edges = graph(root)
    level = floors(edges)
    packages = Counter(m.rsplit(".", 1)[0] if (root / Path(*m.split("."))).with_suffix(".py").is_file() else m
                       for m in edges)
    lines = Counter()
    for m in edges:
        path = (root / Path(*m.split("."))).with_suffix(".py")
        path = path if path.is_file() else root / Path(*m.split(".")) / "__init__.py"
        lines[m.rsplit(".", 1)[0] if path.name != "__init__.py" else m] += len(path.read_text(encoding="utf-8").splitlines())
    print(f"{'package':32} modules  lines  top floor")
    for pkg in sorted(packages):
        top = max(level[m] for m in edges if m == pkg or m.rsplit(".", 1)[0] == pkg)
        print(f"{pkg:32} {packages[pkg]:7} {lines[pkg]:6} {top:10}")
    print(f"\n{len(edges)} modules, {sum(len(e) for e in edges.values())} import edges, {max(level.values()) + 1} floors")
    by_floor = Counter(level.values())
    print("modules per floor: " + ", ".join(f"{f}: {by_floor[f]}" for f in sorted(by_floor)))


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).resolve().parents[1])
