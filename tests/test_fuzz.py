"""Seeded mutations of the demo deliveries: no traceback, no English in a message, no value silently changed.

Each mutant is read by the ingest stage's own reader and parser. It is either
refused with a DataError (a message for the analyst, in Chinese), or accepted;
when accepted, every value the mutation did not touch must equal the
original's, keyed by county, year and indicator. The values a mutation did
change or drop and that were accepted are counted by kind of mutation and
printed, with how many of the changed ones the validation stage's series
checks (jumps, review) then list: a table for the closing note. 1,200 mutants
run in the slow suite; set FUZZ_MUTANTS for a longer run
(`FUZZ_MUTANTS=5000 pytest -m slow tests/test_fuzz.py -s`).
"""

from __future__ import annotations

import csv
import io
import os
import random
import re
import shutil
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pytest
import yaml
from conftest import REPO
from openpyxl import load_workbook

from pipeline.catalog import load_catalog
from pipeline.config import Paths
from pipeline.errors import DataError
from pipeline.periods import parse_year_period
from pipeline.stages.ingest import Context, load_divisions, parse_delivery, read_table
from pipeline.stages.series_checks import jump_findings, review_findings

MUTANTS = int(os.environ.get("FUZZ_MUTANTS", "1200"))
# an exception's name in a message meant for the analyst (those belong to --debug)
ENGLISH_NAME = re.compile(r"Traceback|\b[A-Z][a-z]+(?:[A-Z][a-z]+)+\b|\b[A-Za-z]*(?:Error|Exception)\b")
SEED = 20241122


@pytest.fixture(scope="module")
def ctx() -> Context:
    paths = Paths(REPO)
    return Context(load_catalog(paths.catalog), load_divisions(paths), 2015, 2024)


def read(path: Path, ctx: Context, region: str, name: str) -> dict[tuple, tuple[float | None, int]]:
    """(county, year, period, indicator) -> (value, source row) as the ingest stage would store them.

    `name` is the delivered file's stem, which gives the year and maybe the period (2024年1-9月).
    """
    year, period = parse_year_period(name)
    delivery = parse_delivery(read_table(path, path.name, ctx.catalog), region, year, ctx, period)
    return {(f[1], f[2], f[3], f[4]): (f[5], f[7]) for f in delivery.facts}


def decode(data: bytes) -> tuple[str, str]:
    for enc in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(enc), enc
        except UnicodeDecodeError:
            continue
    raise AssertionError("demo file not decodable")


# ---------------------------------------------------------------- mutations
# Each returns (mutated bytes, rows touched (1-based line numbers) or None for "compare every shared value").


def csv_rows(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text, newline="")))


def write_rows(rows: list[list[str]], enc: str) -> bytes:
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\r\n").writerows(rows)
    return buf.getvalue().encode(enc, errors="replace")


def data_lines(rows: list[list[str]]) -> list[int]:
    return [i for i, r in enumerate(rows) if r and r[0].strip().isdigit() and len(r[0].strip()) == 6]


def mutate_csv(data: bytes, rng: random.Random) -> tuple[str, bytes, set[int] | None]:
    text, enc = decode(data)
    rows = csv_rows(text)
    lines = data_lines(rows)
    kind = rng.choice(["truncate", "flip", "shuffle", "duplicate", "delete_row", "delete_col", "swap_cols",
                       "text_in_cell", "reencode", "blank_rows", "stray_row", "digit_typo", "no_data_mark"])
    if kind == "truncate":
        return kind, data[: rng.randrange(1, len(data))], set()  # the cut line is refused or dropped whole
    if kind == "flip":
        pos = rng.randrange(len(data))
        out = bytearray(data)
        out[pos] = rng.randrange(256)
        line = data[:pos].count(b"\n") + 1
        return kind, bytes(out), {line}
    if kind == "shuffle":
        body = [rows[i] for i in lines]
        rng.shuffle(body)
        out = list(rows)
        for i, r in zip(lines, body, strict=True):
            out[i] = r
        return kind, write_rows(out, enc), None
    if kind == "duplicate":
        i = rng.choice(lines)
        return kind, write_rows(rows[: i + 1] + [rows[i]] + rows[i + 1:], enc), None
    if kind == "delete_row":
        i = rng.choice(lines)
        return kind, write_rows(rows[:i] + rows[i + 1:], enc), None
    if kind in ("delete_col", "swap_cols"):
        width = len(rows[lines[0]])
        a, b = rng.randrange(width), rng.randrange(width)
        out = []
        for r in rows:
            r = list(r)
            if len(r) == width:
                if kind == "delete_col":
                    del r[a]
                else:
                    r[a], r[b] = r[b], r[a]
            out.append(r)
        return kind, write_rows(out, enc), None
    if kind == "text_in_cell":
        i = rng.choice(lines)
        out = [list(r) for r in rows]
        j = rng.randrange(3, len(out[i]))
        out[i][j] = rng.choice(["约30", "三十", "12", "n/a", "1,23", "—", "30%", "2万", "=A1", " ", "0.5", "1e9", "¥12"])
        return kind, write_rows(out, enc), {i + 1}
    if kind in ("digit_typo", "no_data_mark"):
        i = rng.choice(lines)
        out = [list(r) for r in rows]
        numeric = [j for j in range(3, len(out[i])) if re.fullmatch(r"\d+(\.\d+)?", out[i][j].strip())]
        j = rng.choice(numeric)
        out[i][j] = retyped_digit(out[i][j], rng) if kind == "digit_typo" else rng.choice(["—", "/", "无", "-"])
        return kind, write_rows(out, enc), {i + 1}
    if kind == "reencode":
        target = rng.choice(["utf-8", "utf-8-sig", "gb18030", "utf-16"])
        return kind, text.encode(target), None
    if kind == "blank_rows":
        i = rng.choice(lines)
        return kind, write_rows(rows[:i] + [[""] * 3, []] + rows[i:], enc), None
    i = rng.choice(lines)
    return kind, write_rows(rows[:i] + [["注：以上数据为初步统计"]] + rows[i:], enc), None


def retyped_digit(text: str, rng: random.Random) -> str:
    """One digit typed as another (22 -> 32): the typo no reader can refuse."""
    positions = [k for k, c in enumerate(text) if c.isdigit()]
    k = rng.choice(positions)
    return text[:k] + rng.choice([d for d in "0123456789" if d != text[k]]) + text[k + 1:]


def mutate_xlsx(data: bytes, rng: random.Random) -> tuple[str, bytes, set[int] | None]:
    kind = rng.choice(["truncate", "flip", "text_in_cell", "delete_row", "blank_cell", "shift_left", "hidden_copy",
                       "digit_typo"])
    if kind == "truncate":
        return kind, data[: rng.randrange(1, len(data))], None
    if kind == "flip":
        out = bytearray(data)
        for _ in range(rng.randint(1, 3)):
            out[rng.randrange(len(out))] = rng.randrange(256)
        return kind, bytes(out), None  # the zip's checksums guard the content: any accepted value must be intact
    wb = load_workbook(io.BytesIO(data))
    ws = wb.worksheets[0]
    rows = [r for r in range(1, ws.max_row + 1) if str(ws.cell(r, 1).value or "").strip().isdigit()]
    r = rng.choice(rows)
    if kind == "delete_row":
        ws.delete_rows(r)
        touched = None
    elif kind == "shift_left":  # one cell deleted with "shift cells left"
        c = rng.randrange(4, ws.max_column + 1)
        for k in range(c, ws.max_column):
            ws.cell(r, k).value = ws.cell(r, k + 1).value
        ws.cell(r, ws.max_column).value = None
        touched = {r}
    elif kind == "hidden_copy":  # an older copy of a county's row left in a hidden row
        ws.insert_rows(r)
        for k in range(1, ws.max_column + 1):
            v = ws.cell(r + 1, k).value
            ws.cell(r, k).value = v + 1 if isinstance(v, int) and k > 3 else v
        ws.row_dimensions[r].hidden = True
        touched = None
    elif kind == "digit_typo":
        numeric = [c for c in range(4, ws.max_column + 1) if isinstance(ws.cell(r, c).value, int | float)]
        c = rng.choice(numeric)
        value = ws.cell(r, c).value
        ws.cell(r, c).value = type(value)(retyped_digit(f"{value:g}", rng))
        touched = {r}
    else:
        c = rng.randrange(4, ws.max_column + 1)
        ws.cell(r, c).value = None if kind == "blank_cell" else rng.choice(["约30", "12", "abc", "-", 1e12, -5])
        touched = {r}
    buf = io.BytesIO()
    wb.save(buf)
    return kind, buf.getvalue(), touched


@dataclass
class Tally:
    """What became of one kind of mutation's mutants."""

    refused: int = 0
    accepted: int = 0
    changed: int = 0  # values accepted that differ from the original's
    dropped: int = 0  # values the original had and the accepted mutant stores as missing or not at all
    changed_seen: int = 0  # changed values the validation stage's series checks list


def demo_facts(originals) -> pd.DataFrame:
    rows = [(region, *key, value, stem, row, "", "") for _, region, stem, got in originals
            for key, (value, row) in got.items()]
    return pd.DataFrame(rows, columns=["region_code", "county_code", "year", "period", "indicator", "value",
                                       "source_file", "source_row", "source_cell", "source_column"])


def seen_by_series_checks(facts: pd.DataFrame, key: tuple, value: float, catalog) -> bool:
    """Whether validation's jump or review check lists the county-year of a changed value."""
    county, year, period, indicator = key
    series = facts[(facts["county_code"] == county) & (facts["indicator"] == indicator) & (facts["period"] == period)]
    series = series.assign(value=[value if y == year else v for y, v in zip(series["year"], series["value"], strict=True)])
    jumps = yaml.safe_load((REPO / "params.yaml").read_text(encoding="utf-8"))["validate"]["jumps"]
    coarse = jump_findings(series, catalog, jumps)
    found = coarse + review_findings(series, catalog, jumps, coarse)
    return any(f.year == year or f.year == year + 1 for f in found)


def compare(got: dict, expected: dict, touched: set[int] | None, tally: Tally, changed_keys: list) -> list:
    """Count changed and dropped values; return the untouched ones that changed (must be none)."""
    silent = []
    for key, (value, row) in got.items():
        if key not in expected or value == expected[key][0] or value is None:
            continue  # a value stored as missing is counted as dropped below
        if touched and row in touched:
            tally.changed += 1
            changed_keys.append((key, value))
        else:
            silent.append((key, value, expected[key][0]))
    tally.dropped += sum(1 for key, (value, _) in expected.items()
                        if value is not None and (key not in got or got[key][0] is None))
    return silent


@pytest.mark.slow
def test_mutated_deliveries_never_crash_and_never_change_an_untouched_value(ctx, tmp_path):
    rng = random.Random(SEED)
    originals = []
    for path in sorted((REPO / "data/raw").glob("*/*.*")):
        if path.suffix in (".csv", ".xlsx"):
            originals.append((path, path.parent.name, path.stem, read(path, ctx, path.parent.name, path.stem)))
    facts = demo_facts(originals)
    tallies: dict[str, Tally] = {}
    crashes, english, silent = [], [], []
    for n in range(MUTANTS):
        path, region, stem, expected = originals[n % len(originals)]
        mutate = mutate_csv if path.suffix == ".csv" else mutate_xlsx
        kind, data, touched = mutate(path.read_bytes(), rng)
        tally = tallies.setdefault(f"{path.suffix[1:]}:{kind}", Tally())
        target = tmp_path / f"{n}{path.suffix}"
        target.write_bytes(data)
        try:
            got = read(target, ctx, region, stem)
        except DataError as err:
            tally.refused += 1
            english += [(n, kind, m) for m in ENGLISH_NAME.findall(err.report())]
            continue
        except Exception as exc:  # noqa: BLE001 - a traceback is what this test exists to find
            crashes.append((n, kind, path.name, repr(exc)))
            continue
        finally:
            target.unlink()
        tally.accepted += 1
        changed: list = []
        silent += [(n, kind, path.name, *s) for s in compare(got, expected, touched, tally, changed)]
        tally.changed_seen += sum(seen_by_series_checks(facts, key, value, ctx.catalog) for key, value in changed)
    shutil.rmtree(tmp_path, ignore_errors=True)
    print(f"\n{'mutation':<20}{'mutants':>8}{'refused':>8}{'accepted':>9}{'changed':>8}{'listed':>7}{'dropped':>8}")
    for kind, t in sorted(tallies.items()):
        print(f"{kind:<20}{t.refused + t.accepted:>8}{t.refused:>8}{t.accepted:>9}{t.changed:>8}{t.changed_seen:>7}"
              f"{t.dropped:>8}")
    print(f"tracebacks {len(crashes)}, messages with an English exception name {len(english)}: "
          f"{sorted({m for *_, m in english})}")
    assert crashes == [] and english == [] and silent == []
    assert sum(t.refused + t.accepted for t in tallies.values()) == MUTANTS
    assert len(tallies) == 21  # every mutation was tried: 13 on CSV files, 8 on workbooks
    shifted = tallies["xlsx:shift_left"]
    assert shifted.changed == 0, "a row shifted left by a deleted cell was stored"
