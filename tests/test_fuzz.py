"""Seeded mutations of the demo deliveries: no uncaught exception, and no value silently changed.

Each mutant is read by the ingest stage's own reader and parser. It is either
refused with a DataError (a message for the analyst), or accepted; when
accepted, every value the mutation did not touch must equal the original's,
keyed by county, year and indicator. 600 mutants run in the suite; set
FUZZ_MUTANTS for a longer run (`FUZZ_MUTANTS=5000 pytest -m slow tests/test_fuzz.py`).
"""

from __future__ import annotations

import csv
import io
import os
import random
import shutil
from pathlib import Path

import pytest
from conftest import REPO
from openpyxl import load_workbook

from pipeline.catalog import load_catalog
from pipeline.config import Paths
from pipeline.errors import DataError
from pipeline.periods import parse_year_period
from pipeline.stages.ingest import Context, load_divisions, parse_delivery, read_table

MUTANTS = int(os.environ.get("FUZZ_MUTANTS", "600"))
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
                       "text_in_cell", "reencode", "blank_rows", "stray_row"])
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
    if kind == "reencode":
        target = rng.choice(["utf-8", "utf-8-sig", "gb18030", "utf-16"])
        return kind, text.encode(target), None
    if kind == "blank_rows":
        i = rng.choice(lines)
        return kind, write_rows(rows[:i] + [[""] * 3, []] + rows[i:], enc), None
    i = rng.choice(lines)
    return kind, write_rows(rows[:i] + [["注：以上数据为初步统计"]] + rows[i:], enc), None


def mutate_xlsx(data: bytes, rng: random.Random) -> tuple[str, bytes, set[int] | None]:
    kind = rng.choice(["truncate", "flip", "text_in_cell", "delete_row", "blank_cell"])
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
    else:
        c = rng.randrange(4, ws.max_column + 1)
        ws.cell(r, c).value = None if kind == "blank_cell" else rng.choice(["约30", "12", "abc", "-", 1e12, -5])
        touched = {r}
    buf = io.BytesIO()
    wb.save(buf)
    return kind, buf.getvalue(), touched


def test_mutated_deliveries_never_crash_and_never_change_an_untouched_value(ctx, tmp_path):
    rng = random.Random(SEED)
    originals = []
    for path in sorted((REPO / "data/raw").glob("*/*.*")):
        if path.suffix in (".csv", ".xlsx"):
            originals.append((path, path.parent.name, path.stem, read(path, ctx, path.parent.name, path.stem)))
    kinds: dict[str, list[int]] = {}
    for n in range(MUTANTS):
        path, region, stem, expected = originals[n % len(originals)]
        mutate = mutate_csv if path.suffix == ".csv" else mutate_xlsx
        kind, data, touched = mutate(path.read_bytes(), rng)
        kind = f"{path.suffix[1:]}:{kind}"
        target = tmp_path / f"{n}{path.suffix}"
        target.write_bytes(data)
        try:
            got = read(target, ctx, region, stem)
        except DataError:
            kinds.setdefault(kind, [0, 0])[1] += 1
            continue
        finally:
            target.unlink()
        kinds.setdefault(kind, [0, 0])[0] += 1
        for key, (value, row) in got.items():
            if key not in expected or (touched and row in touched):
                continue
            assert value == expected[key][0], (n, kind, path.name, key, value, expected[key][0])
    shutil.rmtree(tmp_path, ignore_errors=True)
    print({k: f"{a} accepted, {r} refused" for k, (a, r) in sorted(kinds.items())})
    assert sum(a + r for a, r in kinds.values()) == MUTANTS
    assert len(kinds) == 16  # every mutation was tried: 11 on CSV files, 5 on workbooks
