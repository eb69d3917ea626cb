"""docs/architecture.md names every module of every package, and nothing that is not there."""

from __future__ import annotations

import re

from conftest import REPO

DOC = REPO / "docs/architecture.md"


def package_table(text: str) -> dict[str, set[str]]:
    """Package folder -> the names in backticks in its row of the Packages table."""
    section = text.split("## Packages", 1)[1].split("\n## ", 1)[0]
    rows = {}
    for line in section.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) == 2 and re.fullmatch(r"`pipeline/[\w/]*`", cells[0]):
            rows[cells[0].strip("`").rstrip("/")] = set(re.findall(r"`(\w+)`", cells[1]))
    return rows


def modules_of(folder: str) -> set[str]:
    return {p.stem for p in (REPO / folder).glob("*.py") if not p.stem.startswith("__")} | \
           {p.name for p in (REPO / folder).iterdir() if (p / "__init__.py").is_file()}


def test_every_package_and_module_is_named_and_every_name_exists():
    rows = package_table(DOC.read_text(encoding="utf-8"))
    packages = {p.parent.relative_to(REPO).as_posix() for p in (REPO / "pipeline").rglob("__init__.py")}
    assert set(rows) == packages
    for folder, named in rows.items():
        actual = modules_of(folder)
        subpackages = {p for p in actual if (REPO / folder / p).is_dir()}
        assert actual - subpackages - named == set(), f"{folder}: modules docs/architecture.md does not name"
        assert named - actual == set(), f"{folder}: names docs/architecture.md gives that are not modules"


def test_the_check_catches_a_module_left_out():
    text = DOC.read_text(encoding="utf-8").replace("`page`, ", "")
    named = package_table(text)["pipeline/report/formats"]
    assert modules_of("pipeline/report/formats") - named == {"page"}
