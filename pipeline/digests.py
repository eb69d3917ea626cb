"""Content digests shared by the stages' region cache and the notebooks' reuse keys.

A digest says "these inputs are the ones a result was made from": code (a
module and every project module it imports, found by reading the import
statements), files, settings and frames (columns, dtypes and values in row
order). Equal inputs give equal digests on every machine and run.
"""

from __future__ import annotations

import ast
import hashlib
import json
import sys
from functools import lru_cache
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent


def digest(*parts: bytes) -> str:
    """SHA-256 of the parts, each prefixed by its length (so ("ab", "c") and ("a", "bc") differ)."""
    h = hashlib.sha256()
    for part in parts:
        h.update(len(part).to_bytes(8, "little"))
        h.update(part)
    return h.hexdigest()


def frame_digest(frame) -> str:
    """Content of a frame (columns, dtypes, values in row order); equal frames, equal digests."""
    import pandas as pd

    head = json.dumps([[str(c), str(t)] for c, t in frame.dtypes.items()]).encode()
    try:
        values = pd.util.hash_pandas_object(frame, index=False).to_numpy().tobytes()
    except TypeError:  # a column holding unhashable objects (lists, dicts)
        values = frame.to_csv(index=False).encode("utf-8")
    return digest(head, values)


def frame_digests_by(frame, column: str, keys) -> dict:
    """frame_digest of each key's rows (those whose `column` holds it, in row order), for every key asked.

    The same digests as frame_digest of each slice: a row's hash depends on its
    own values only, so the rows are hashed once and each key takes its own,
    instead of a slice cut and hashed per key (a province's 16 regions times 5
    marts took 2 s).
    """
    import pandas as pd

    head = json.dumps([[str(c), str(t)] for c, t in frame.dtypes.items()]).encode()
    try:
        rows = pd.util.hash_pandas_object(frame, index=False).to_numpy()
    except TypeError:  # a column holding unhashable objects: slice by slice, as frame_digest does it
        return {key: frame_digest(frame[frame[column] == key]) for key in keys}
    at = frame.groupby(column, sort=False).indices
    return {key: digest(head, rows[at[key]].tobytes() if key in at else b"") for key in keys}


def settings_digest(value: object) -> bytes:
    """A params slice as canonical JSON bytes."""
    return json.dumps(value, sort_keys=True, ensure_ascii=False, default=str).encode("utf-8")


def files_digest(paths: list[Path]) -> str:
    """Names and bytes of files (a missing file counts as empty, so creating it changes the digest)."""
    return digest(*(p.name.encode() + b"\0" + (p.read_bytes() if p.is_file() else b"\1") for p in paths))


def module_path(package: Path, name: str) -> Path | None:
    """The file of project module `name` (pipeline.x.y) under the folder holding the package, if any."""
    base = package.parent.joinpath(*name.split("."))
    for candidate in (base.with_suffix(".py"), base / "__init__.py"):
        if candidate.is_file():
            return candidate
    return None


@lru_cache(maxsize=1024)
def imported_modules(package: Path, source: str, importer: str) -> frozenset[str]:
    """Project modules that `source` (module `importer`) imports, in functions too; relative imports resolved.

    Kept per process by source text: every stage's cache key follows the same modules, and the tests run
    the stages many times in one process."""
    lines = [line for line in source.splitlines() if not line.lstrip().startswith(("%", "!"))]  # notebook magics
    found: set[str] = set()
    for node in ast.walk(ast.parse("\n".join(lines))):
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parent = importer.split(".")[: -node.level] if importer else []
                base = ".".join([*parent, base]) if base else ".".join(parent)
            found.add(base)
            found |= {f"{base}.{a.name}" for a in node.names}
    return frozenset(m for m in found if m.split(".")[0] == package.name and module_path(package, m))


def module_closure(package: Path, start: set[str]) -> set[Path]:
    """Every project module reached from `start` by imports, with the packages they live in."""
    seen: set[str] = set()
    todo = list(start)
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        seen.add(name)
        parts = name.split(".")
        todo += [".".join(parts[:i]) for i in range(1, len(parts))]
        path = module_path(package, name)
        importer = f"{name}.__init__" if path.name == "__init__.py" else name  # `from . import` in a package's own file
        todo += list(imported_modules(package, path.read_text(encoding="utf-8"), importer))
    return {module_path(package, name) for name in seen}


def code_digest(*modules: str, package: Path = PACKAGE) -> str:
    """The source of `modules` and of every project module they import, with the Python version."""
    start = {m for m in modules if module_path(package, m)}
    files = sorted(module_closure(package, start))
    parts = [f.relative_to(package).as_posix().encode() + b"\0" + f.read_bytes() for f in files]
    return digest(*parts, sys.version.encode())
