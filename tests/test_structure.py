"""The package's structure: no import cycle anywhere in pipeline/ (functions' own imports included).

A cycle hides which module decides what; the report package once had
writeup -> views -> writeup and official_docx -> writeup -> official_docx.
The negative control adds one edge by hand and the check must name the cycle.
"""

from __future__ import annotations

import ast
import sys

from conftest import REPO

sys.path.insert(0, str(REPO / "tools"))
from structure import graph  # noqa: E402 - tools/structure.py draws the same graph for people


def import_graph() -> dict[str, set[str]]:
    """Module -> the project modules it imports, at the top or inside a function."""
    return graph(REPO)


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan)."""
    index, low, stack, on, out = {}, {}, [], set(), []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on.add(v)
        for w in sorted(graph.get(v, ())):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                out.append(sorted(component))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return out


def test_no_import_cycle_inside_pipeline():
    graph = import_graph()
    assert "pipeline.report.phrasing" in graph["pipeline.report.sentences"]  # the graph sees the imports
    assert cycles(graph) == []


def test_a_cycle_added_by_hand_is_found():
    graph = import_graph()
    assert "pipeline.report.writeup" in graph["pipeline.report.views"]
    graph["pipeline.report.writeup"] = graph["pipeline.report.writeup"] | {"pipeline.report.views"}
    assert ["pipeline.report.views", "pipeline.report.writeup"] in cycles(graph)


def test_stages_and_findings_never_import_rendering_code():
    graph = import_graph()
    judging = [m for m in graph if m.startswith(("pipeline.stages", "pipeline.findings"))]
    assert judging and not [(m, d) for m in judging for d in graph[m] if d.startswith("pipeline.report")]


def test_no_function_of_the_ingest_package_is_longer_than_a_screen():
    """The ingest stage is a package in its steps; each function stays readable at ~60 lines."""
    long = []
    for path in sorted((REPO / "pipeline/stages/ingest").glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and node.end_lineno - node.lineno + 1 > 60:
                long.append(f"{path.name}:{node.name} {node.end_lineno - node.lineno + 1}")
    assert long == []
