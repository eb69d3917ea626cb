"""Generate the synthetic demo deliveries under data/raw/ (seeded, committed).

The two regions, their counties and every figure are invented. The values
carry the structure analysts look for, so every report section has something
to show: new-onset shares of 20-40% that rise, fall or stay flat from 2015 to
2017, four-forms pyramids with a few inverted county-years, scores of 55-98,
a handful of blank cells, one county missing from one year, and counties built
to trip the early-warning rules. Files come as real deliveries do: a title row,
GBK or UTF-8 CSV or XLSX, varied Chinese headers, `1,234`, full-width digits,
`32.6%`, `—` for missing, a 合计 row and a footnote.

Run: python -m pipeline.demo   (rewrites data/raw/990100 and data/raw/990200)
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import io
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from openpyxl import Workbook

from pipeline.catalog import Catalog, load_catalog
from pipeline.config import Paths, project_root
from pipeline.report.ooxml import fixed_zip_times

SEED = 20241122
YEARS = range(2015, 2025)
SYNTHETIC_NOTE = "合成演示数据（虚构，非真实统计），仅供软件演示与测试"

# How each region's files were delivered, by year: (format, encoding).
DELIVERY_FORMATS = {
    "990100": {
        **dict.fromkeys(range(2015, 2018), ("csv", "gbk")),
        **dict.fromkeys(range(2018, 2021), ("xlsx", None)),
        **dict.fromkeys(range(2021, 2023), ("csv", "utf-8-sig")),
        **dict.fromkeys(range(2023, 2025), ("csv", "utf-8")),
    },
    "990200": {
        **dict.fromkeys(range(2015, 2017), ("xlsx", None)),
        **dict.fromkeys(range(2017, 2020), ("csv", "gbk")),
        **dict.fromkeys(range(2020, 2025), ("csv", "utf-8")),
    },
}

# Counties given a scripted story; the others get random but plausible paths.
NEW_ONSET_STORY = {  # share path 2015 -> 2017, then drift
    "990101": "rising", "990102": "falling", "990121": "rising", "990123": "falling",
    "990201": "rising", "990203": "falling", "990221": "rising",
}
INVERTED_PYRAMID = {"990124": range(2021, 2025), "990223": range(2023, 2025)}
PETITION_JUMP = {"990103": 2024, "990224": 2023}  # petitions up ~35% that year
SATISFACTION_DROP = {"990202": 2024}  # integrity satisfaction down ~5 points
ACCOUNTABILITY_RUN = {"990222": (2022, 2023, 2024)}  # up three years running
NEW_ONSET_JUMP = {"990121": 2024, "990201": 2023}  # share up >= 3 pp that year
MISSING_COUNTY_YEAR = {("990225", 2019)}  # county absent from that year's file
# Partial-period deliveries: the cumulative January-September table some
# commissions collect before the year closes (counts only; surveys are yearly).
PARTIAL_DELIVERIES = {"990100": [(2023, "1-9月"), (2024, "1-9月")]}
PARTIAL_COLUMNS = ["cases_filed", "new_onset_cases", "persons_sanctioned", "form1_persons", "form2_persons",
                   "form3_persons", "form4_persons", "petitions", "party_members"]

SCORE_CODES = [m.code for m in load_catalog(Path(__file__).resolve().parents[1] / "data/reference/indicators.yaml")
               .in_group("evaluation")]


@dataclass
class County:
    code: str
    name: str
    region: str


def load_counties(paths: Paths, regions=DELIVERY_FORMATS) -> list[County]:
    div = pd.read_csv(paths.divisions, dtype=str)
    rows = div[(div["level"] == "county") & div["parent_code"].isin(list(regions))]
    return [County(r.code, r.name, r.parent_code) for r in rows.itertuples()]


def _new_onset_path(story: str, rng: np.random.Generator) -> list[float]:
    if story == "rising":
        start, peak = rng.uniform(22, 27), rng.uniform(33, 37)
    elif story == "falling":
        start, peak = rng.uniform(35, 39), rng.uniform(25, 29)
    else:
        start = peak = rng.uniform(27, 33)
    shares = [start, (start + peak) / 2, peak]
    for _ in range(len(YEARS) - 3):
        shares.append(float(np.clip(shares[-1] + rng.normal(-0.3, 1.0), 21, 39)))
    return shares


def simulate_county(county: County, rng: np.random.Generator) -> pd.DataFrame:
    """One county's true yearly figures, before they are typed into files."""
    n = len(YEARS)
    years = np.array(list(YEARS))
    members = rng.uniform(8000, 40000) * 1.012 ** np.arange(n)
    # enforcement intensity: national pattern of a rise to 2018 and a jump in 2024
    intensity = np.interp(years, [2015, 2018, 2023, 2024], [0.8, 1.1, 1.1, 1.4])
    filed = members / 1000 * rng.uniform(5, 10) * intensity * rng.normal(1, 0.06, n)
    share = np.array(_new_onset_path(NEW_ONSET_STORY.get(county.code, "flat"), rng))
    if county.code in NEW_ONSET_JUMP:
        i = NEW_ONSET_JUMP[county.code] - YEARS.start
        share[i] = min(share[i - 1] + rng.uniform(3, 4), 39)
    forms_total = filed * rng.uniform(3, 5, n)
    mix = np.column_stack([
        rng.uniform(0.62, 0.72, n), rng.uniform(0.20, 0.28, n),
        rng.uniform(0.03, 0.05, n), rng.uniform(0.025, 0.04, n),
    ])
    for i, year in enumerate(years):
        if year in INVERTED_PYRAMID.get(county.code, ()):
            mix[i] = [rng.uniform(0.28, 0.33), rng.uniform(0.45, 0.5), 0.12, 0.1]
    mix = mix / mix.sum(axis=1, keepdims=True)
    forms = np.round(forms_total[:, None] * mix).astype(int)
    # petitions follow the population of members, not enforcement intensity
    petitions = members / 1000 * rng.uniform(25, 45) * rng.normal(1, 0.04, n)
    if county.code in PETITION_JUMP:
        i = PETITION_JUMP[county.code] - YEARS.start
        petitions[i] = petitions[i - 1] * rng.uniform(1.32, 1.4)
    accountability = rng.uniform(5, 40) * rng.normal(1, 0.1, n)
    if county.code in ACCOUNTABILITY_RUN:
        for year in ACCOUNTABILITY_RUN[county.code]:
            i = year - YEARS.start
            accountability[i] = accountability[i - 1] * rng.uniform(1.2, 1.4)
    units = rng.uniform(10, 40, n)
    problems = units * rng.uniform(4, 8, n)
    base_scores = rng.uniform(70, 92, len(SCORE_CODES))
    scores = np.clip(base_scores[None, :] + rng.normal(0, 1.5, (n, len(SCORE_CODES))), 55, 98)
    if county.code in SATISFACTION_DROP:
        i = SATISFACTION_DROP[county.code] - YEARS.start
        scores[i, 1] = scores[i - 1, 1] - rng.uniform(5, 6)
    filed_i = np.round(filed).astype(int)
    frame = pd.DataFrame({
        "county_code": county.code,
        "county_name": county.name,
        "year": years,
        "cases_filed": filed_i,
        "new_onset_cases": np.round(filed_i * share / 100).astype(int),
        "persons_sanctioned": np.round(filed_i * rng.uniform(0.85, 1.0, n)).astype(int),
        "form1_persons": forms[:, 0], "form2_persons": forms[:, 1],
        "form3_persons": forms[:, 2], "form4_persons": forms[:, 3],
        "petitions": np.round(petitions).astype(int),
        "clues_handled": np.round(petitions * rng.uniform(0.4, 0.6, n)).astype(int),
        "accountability_persons": np.round(accountability).astype(int),
        "eight_rules_cases": np.round(rng.uniform(5, 40, n)).astype(int),
        "micro_corruption_cases": np.round(rng.uniform(10, 80, n)).astype(int),
        "inspection_units": np.round(units).astype(int),
        "inspection_problems": np.round(problems).astype(int),
        "inspection_clues": np.round(problems * rng.uniform(0.05, 0.15, n)).astype(int),
        "funds_recovered": rng.uniform(50, 2000, n),
        "party_members": np.round(members).astype(int),
    })
    # funds: a county's own level (the mean of its draws) moving ±20% a year, as real
    # recoveries do, not a new draw from 50-2000 every year (same draws: nothing else moves)
    draws = frame["funds_recovered"].to_numpy()
    frame["funds_recovered"] = np.round(draws.mean() * (0.8 + 0.4 * (draws - 50) / 1950), 1)
    for j, code in enumerate(SCORE_CODES):
        frame[code] = np.round(scores[:, j], 1)
    frame["four_forms_total"] = forms.sum(axis=1)
    frame["reported_new_onset_share"] = np.round(
        100 * frame["new_onset_cases"] / frame["cases_filed"], 1
    )
    return frame


def _header_style(catalog: Catalog, code: str, year: int) -> str:
    """Headers change with the clerk: name with unit, name alone, or another alias."""
    ind = catalog[code]
    style = year % 3
    if style == 0:
        return ind.header
    if style == 1:
        return ind.name_zh
    non_ascii = [a for a in ind.aliases if not a.isascii() and a != ind.name_zh]
    return non_ascii[0] if non_ascii else ind.name_zh


def _columns_for(region: str, year: int, formats: dict = DELIVERY_FORMATS) -> list[str]:
    cols = [c for c in _ALL_INDICATORS if c not in ("four_forms_total", "reported_new_onset_share")]
    if formats[region][year][0] == "xlsx":
        cols.insert(1, "reported_new_onset_share")  # some years the county also typed the share
    if year >= 2021:
        cols.insert(cols.index("form1_persons"), "four_forms_total")
    return cols


_ALL_INDICATORS: list[str] = []


def _format_count(value: float, year: int, full_width: bool) -> str:
    text = f"{int(value):,}" if year in (2016, 2019, 2022) else str(int(value))
    if full_width:
        text = text.translate(str.maketrans("0123456789,", "０１２３４５６７８９，"))
    return text


def typed_table(
    truth: pd.DataFrame, region: str, year: int, catalog: Catalog, rng: np.random.Generator,
    formats: dict = DELIVERY_FORMATS,
) -> tuple[list[str], list[list[object]]]:
    """The table as a clerk would type it: header row and data rows (str or numbers)."""
    cols = _columns_for(region, year, formats)
    header = ["区划代码", "县（市、区）" if year % 2 else "县区名称", "年度"]
    header += [_header_style(catalog, c, year) for c in cols]
    is_xlsx = formats[region][year][0] == "xlsx"
    rows: list[list[object]] = []
    sub = truth[truth["year"] == year].sort_values("county_code")
    for k, rec in enumerate(sub.itertuples(index=False)):
        if (rec.county_code, year) in MISSING_COUNTY_YEAR:
            continue
        row: list[object] = [rec.county_code, rec.county_name, year]
        for c in cols:
            value = getattr(rec, c)
            ind = catalog[c]
            if ind.kind == "share":
                row.append(f"{value:.1f}%" if k % 2 == 0 or not is_xlsx else float(value))
            elif ind.integer:
                row.append(int(value) if is_xlsx else _format_count(value, year, k == 3 and year == 2016))
            else:
                row.append(float(value) if is_xlsx else f"{value:.1f}")
        rows.append(row)
    # a handful of blank cells, as `—`, `-` or empty; never in the key columns
    blank_tokens = ["—", "", "-"]
    for i in rng.choice(len(rows), size=min(2, len(rows)), replace=False):
        optional = [j for j, c in enumerate(cols) if not catalog[c].required]
        j = 3 + int(rng.choice(optional))
        token = blank_tokens[int(rng.integers(0, 3))]
        # an empty last cell reads as a deleted cell (ingest refuses it): a clerk marks it `—`
        rows[i][j] = "—" if token == "" and j == len(header) - 1 else token
    return header, rows


def partial_table(truth: pd.DataFrame, year: int, period: str, catalog: Catalog,
                  rng: np.random.Generator) -> tuple[list[str], list[list[object]]]:
    """A January-September table: about three quarters of the year's counts, party members as at September."""
    header = ["区划代码", "县（市、区）", "统计期间"] + [catalog[c].header for c in PARTIAL_COLUMNS]
    rows: list[list[object]] = []
    for rec in truth[truth["year"] == year].sort_values("county_code").itertuples(index=False):
        part = rng.uniform(0.66, 0.78)
        row: list[object] = [rec.county_code, rec.county_name, period]
        for c in PARTIAL_COLUMNS:
            value = getattr(rec, c)
            row.append(str(int(value if c == "party_members" else round(value * part))))
        rows.append(row)
    return header, rows


def _title(region_name: str, year: int) -> str:
    return f"{region_name}{year}年度政治生态监测指标汇总表（{SYNTHETIC_NOTE}）"


def _total_row(header: list[str], rows: list[list[object]]) -> list[object]:
    total: list[object] = ["", "合计", ""]
    for j in range(3, len(header)):
        if "%" in header[j] or "占比" in header[j] or "评" in header[j] or "满意度" in header[j]:
            total.append("")
            continue
        vals = []
        for r in rows:
            v = r[j]
            if isinstance(v, int | float):
                vals.append(float(v))
            elif isinstance(v, str) and v.strip() not in ("", "—", "-"):
                import unicodedata

                vals.append(float(unicodedata.normalize("NFKC", v).replace(",", "")))
        total.append(f"{sum(vals):.0f}" if vals else "")
    return total


def write_delivery(path: Path, fmt: str, encoding: str | None, title: str,
                   header: list[str], rows: list[list[object]]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    footer = [f"注：{SYNTHETIC_NOTE}。"]
    body = [[title], header, *rows, _total_row(header, rows), footer]
    if fmt == "csv":
        buf = io.StringIO()
        csv.writer(buf, lineterminator="\r\n").writerows(body)
        path.write_bytes(buf.getvalue().encode(encoding))
        return
    wb = Workbook()
    ws = wb.active
    ws.title = "指标表"
    for r in body:
        ws.append(r)
    fixed = dt.datetime(2025, 1, 1)
    wb.properties.created = fixed
    wb.properties.modified = fixed
    wb.properties.creator = "pipeline.demo (synthetic)"
    buf = io.BytesIO()
    wb.save(buf)
    path.write_bytes(fixed_zip_times(buf.getvalue()))



def generate(root: Path, seed: int = SEED) -> list[Path]:
    """The committed demo: regions 990100 and 990200 of data/reference/divisions.csv."""
    paths = Paths(root)
    written = write_deliveries(paths, DELIVERY_FORMATS, PARTIAL_DELIVERIES, seed)
    readme = paths.raw / "README.md"
    readme.write_text(
        "# data/raw: yearly deliveries\n\n"
        f"**{SYNTHETIC_NOTE}。** The regions 990100 东川市 and 990200 西岭市, their counties "
        "and every figure here are invented by `python -m pipeline.demo` (seed "
        f"{seed}); they are not real statistics.\n\n"
        "One folder per region (its 6-digit division code), one file per year named "
        "`<year>.csv` or `<year>.xlsx`; a partial period carries it in the name and title "
        "(`2024年1-9月.csv`: January to September, cumulative). Files are inputs: the "
        "pipeline never modifies them.\n",
        encoding="utf-8",
    )
    return written


def write_deliveries(paths: Paths, formats: dict, partials: dict, seed: int) -> list[Path]:
    """Simulate the counties of `formats`' regions and type their yearly (and partial-period) files."""
    catalog = load_catalog(paths.catalog)
    _ALL_INDICATORS[:] = catalog.codes
    rng = np.random.default_rng(seed)
    counties = load_counties(paths, formats)
    truth = pd.concat([simulate_county(c, rng) for c in counties], ignore_index=True)
    members = {region: {c.code for c in counties if c.region == region} for region in formats}
    div = pd.read_csv(paths.divisions, dtype=str).set_index("code")["name"]
    written = []
    for region, by_year in formats.items():
        region_truth = truth[truth["county_code"].isin(members[region])]
        for year in YEARS:
            fmt, encoding = by_year[year]
            header, rows = typed_table(region_truth, region, year, catalog, rng, formats)
            path = paths.region_dir(region) / f"{year}.{fmt}"
            for stale in path.parent.glob(f"{year}.*"):
                stale.unlink()
            write_delivery(path, fmt, encoding, _title(div[region], year), header, rows)
            written.append(path)
    # drawn after the yearly files, from their own generator: the yearly files stay as they were
    partial_rng = np.random.default_rng(seed + 1)
    for region, periods in partials.items():
        region_truth = truth[truth["county_code"].isin(members[region])]
        for year, period in periods:
            header, rows = partial_table(region_truth, year, period, catalog, partial_rng)
            path = paths.region_dir(region) / f"{year}年{period}.csv"
            title = f"{div[region]}{year}年{period}政治生态监测指标汇总表（{SYNTHETIC_NOTE}）"
            write_delivery(path, "csv", "utf-8", title, header, rows)
            written.append(path)
    return written


# ---------------------------------------------------------------- province scale

REGION_SYLLABLES = "东西南北青白金云临安永新长宁和丰"
COUNTY_SYLLABLES = "山川河湖石林泉溪岭原桥台城阳平江"
FORMAT_CYCLE = [("csv", "gbk"), ("xlsx", None), ("csv", "utf-8-sig"), ("csv", "utf-8")]
# project files a province run needs beside its own divisions, params and deliveries
PROJECT_FILES = ["data/reference/indicators.yaml", "data/reference/phrases.yaml", "data/reference/findings.yaml",
                 "data/reference/ccdi_national.csv", "data/register/code_changes.csv",
                 "expectations", "notebooks", "dvc.yaml", "bin", "uv.lock", ".dvcignore", ".dvc/config", ".dvc/plots"]


REGION_SECOND = "州江岭原川山河湖台峰谷海田林泉阳平口门城关溪沙塘"
# a folder the generator made carries this file; it never writes into a folder without it
LAYOUT_MARK = ".polieco-layout"


def province_divisions(n_regions: int, rng: np.random.Generator, scale: str = "province") -> pd.DataFrame:
    """Synthetic divisions under 990000, every code invented (GB/T 2260 has no province 99).

    province: `n_regions` cities of 8-14 counties each, codes 99RRCC (at most 99 regions);
    national: `n_regions` cities of 5-9 counties each, codes 99RRR0 and 99RRRC (at most 999 regions),
    about 2,800 county-level units in 400 regions, the size of the country's ~2,850 in ~330.
    """
    limit, sizes = (99, (8, 15)) if scale == "province" else (999, (5, 10))
    if not 1 <= n_regions <= limit:
        raise SystemExit(f"--regions 应在 1–{limit} 之间（{scale} 布局的区划代码只容得下这么多个地区）")
    rows = [("990000", "示例省", "province", "", "虚构（省级规模基准）") if scale == "province" else
            ("990000", "示例全国", "province", "", "虚构（全国规模基准）")]
    for r in range(1, n_regions + 1):
        region = f"99{r:02d}00" if scale == "province" else f"99{r:03d}0"
        name = f"{REGION_SYLLABLES[(r - 1) % 16]}{REGION_SECOND[((r - 1) // 16) % len(REGION_SECOND)]}市"
        rows.append((region, name, "prefecture", "990000", "虚构"))
        for c in range(1, int(rng.integers(*sizes)) + 1):
            suffix = "区" if c <= 2 else "县"
            county = f"99{r:02d}{c:02d}" if scale == "province" else f"99{r:03d}{c}"
            rows.append((county, f"{COUNTY_SYLLABLES[(c - 1) % 16]}{REGION_SYLLABLES[(r - 1) % 16]}{suffix}", "county",
                         region, "虚构"))
    return pd.DataFrame(rows, columns=["code", "name", "level", "parent_code", "note"])


def claim_folder(out: Path, scale: str) -> None:
    """Refuse a folder the generator did not make (a user's project, say); mark a new one as made by it."""
    if out.exists() and any(out.iterdir()) and not (out / LAYOUT_MARK).is_file():
        raise SystemExit(f"文件夹 {out} 已存在且不是由 pipeline.demo 生成的，为免覆盖其中的文件，未写入任何内容。"
                         "请用 --out 指定一个新的（或空的）文件夹")
    out.mkdir(parents=True, exist_ok=True)
    (out / LAYOUT_MARK).write_text(f"python -m pipeline.demo --scale {scale}\n", encoding="utf-8")


def generate_province(out: Path, repo: Path, seed: int = SEED, n_regions: int = 16,
                      scale: str = "province") -> list[Path]:
    """A whole project folder at province scale (~180 counties in `n_regions` regions), outside the demo.

    The same delivery mix as the demo (GBK, UTF-8 with and without BOM, .xlsx;
    header spellings changing with the clerk; blanks; a 1-9月 delivery in every
    fourth region), its own divisions.csv and params.yaml (every region), and
    the project's catalog, suites, notebooks and dvc.yaml, so a benchmark can
    run every stage there with POLIECO_ROOT=<out> without touching the demo.
    """
    import shutil

    import yaml

    claim_folder(out, scale)
    rng = np.random.default_rng(seed)
    for rel in PROJECT_FILES:
        src, dst = repo / rel, out / rel
        dst.parent.mkdir(parents=True, exist_ok=True)
        if src.is_dir():
            shutil.copytree(src, dst, dirs_exist_ok=True, ignore=shutil.ignore_patterns("__pycache__"))
        elif src.exists():
            shutil.copy2(src, dst)
    divisions = province_divisions(n_regions, rng, scale)
    divisions.to_csv(out / "data/reference/divisions.csv", index=False, encoding="utf-8")
    regions = [c for c in divisions.loc[divisions["level"] == "prefecture", "code"]]
    formats = {region: {year: FORMAT_CYCLE[(i + year) % len(FORMAT_CYCLE)] for year in YEARS}
               for i, region in enumerate(regions)}
    partials = {region: [(2024, "1-9月")] for i, region in enumerate(regions) if i % 4 == 0}
    params = yaml.safe_load((repo / "params.yaml").read_text(encoding="utf-8"))
    params["ingest"]["regions"] = regions
    (out / "params.yaml").write_text(yaml.safe_dump(params, allow_unicode=True, sort_keys=False), encoding="utf-8")
    (out / "README.md").write_text(f"{SYNTHETIC_NOTE}：省级规模基准数据（{len(regions)} 个市、"
                                   f"{int((divisions['level'] == 'county').sum())} 个县区，seed {seed}）。\n",
                                   encoding="utf-8")
    return write_deliveries(Paths(out), formats, partials, seed)


def main() -> None:
    parser = argparse.ArgumentParser(description="Write the synthetic demo deliveries.")
    parser.add_argument("--seed", type=int, default=SEED)
    parser.add_argument("--scale", choices=["demo", "province", "national"], default="demo",
                        help="demo: rewrite data/raw (2 regions); province: a whole project of ~180 counties in "
                             "--out; national: one of ~2,800 counties in 400 regions")
    parser.add_argument("--out", type=Path, default=None,
                        help="folder for --scale province or national (default build/<scale>); never a folder "
                             "the generator did not make")
    parser.add_argument("--regions", type=int, default=None, help="regions of the layout (province 16, national 400)")
    args = parser.parse_args()
    root = project_root()
    if args.scale in ("province", "national"):
        out = (root / (args.out or Path("build") / args.scale)).resolve()
        regions = args.regions or (16 if args.scale == "province" else 400)
        written = generate_province(out, root, args.seed, regions, args.scale)
        print(f"{len(written)} 个报送文件 -> {out}（运行：POLIECO_ROOT={out} python -m pipeline.stages.ingest …）")
        return
    for path in generate(root, args.seed):
        print(path.relative_to(root))


if __name__ == "__main__":
    main()
