"""The jobs of the notebooks stage and the files each writes: one registry the stage, reuse and index read.

A job is one notebook to execute: a county's or a region's, for one report
year (the configured one and every year already published: see `report_years`). Its folder is built from division codes only
(reports/notebooks/<region>/<year>[/<county>]); the files in it are named
here once, so the stage that writes them, the reuse check and the index that
links them cannot disagree.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from pipeline.config import EARLIEST_YEAR, Paths, first_year_setting, safe_code
from pipeline.divisions import read_divisions, units_of
from pipeline.marts import presentation_table

NOTEBOOKS_DIR = "notebooks"
OUTPUT_DIR = Path("reports") / "notebooks"
KEY_FILE = "inputs.sha256"


def output(kind: str, role: str) -> str:
    """The file a job of `kind` (county, region) leaves for `role`: the executed notebook and its reuse key
    are the stage's own; every other role is a registered format's (pipeline/report/formats), so the stage
    that writes them, the reuse check and the index that links them cannot disagree."""
    if role == "notebook":
        return f"{kind}.ipynb"
    if role == "key":
        return KEY_FILE
    from pipeline.report.formats import files_of

    return files_of(kind)[role]


@dataclass(frozen=True)
class Job:
    kind: str  # county or region
    region: str
    county: str | None
    year: int
    first_year: int
    language: str

    @property
    def label(self) -> str:
        return f"{self.region}/{self.county}（{self.year}年）" if self.county else f"{self.region}（地区，{self.year}年）"

    def relative_dir(self) -> Path:
        base = Path(safe_code(self.region)) / str(int(self.year))
        return base / safe_code(self.county) if self.county else base

    @property
    def parameters(self) -> dict[str, object]:
        params: dict[str, object] = {"region": self.region, "report_year": self.year,
                                     "first_year": self.first_year, "language": self.language}
        if self.county:
            params["county"] = self.county
        return params


def published_years(root: Path, params: dict) -> list[int]:
    """Report years already published for the configured regions and still within the loaded years.

    An annual evaluation is read year against year: building one report year
    keeps the others, and keeps them current (each is reused when its inputs
    are unchanged, executed again when they changed). A year outside the
    loaded years cannot be rebuilt and is left as it was (see `stale_years`).
    """
    first, last = first_year_setting(params) or EARLIEST_YEAR, int(params["ingest"]["last_year"])
    found = set()
    for region in (safe_code(r) for r in params["ingest"]["regions"]):
        folder = root / OUTPUT_DIR / region
        if folder.is_dir():
            found |= {int(d.name) for d in folder.iterdir() if d.is_dir() and d.name.isdigit()}
    return sorted(y for y in found if first <= y <= last)


def stale_years(root: Path, params: dict) -> list[Path]:
    """Published year folders the loaded years no longer cover: kept untouched, never deleted."""
    first, last = first_year_setting(params) or EARLIEST_YEAR, int(params["ingest"]["last_year"])
    out = []
    for region in (safe_code(r) for r in params["ingest"]["regions"]):
        folder = root / OUTPUT_DIR / region
        if folder.is_dir():
            out += [d for d in sorted(folder.iterdir()) if d.is_dir() and d.name.isdigit()
                    and not first <= int(d.name) <= last]
    return out


def report_years(root: Path, params: dict) -> list[int]:
    """The report year and every year already published, oldest first."""
    return sorted({int(params["report"]["year"]), *published_years(root, params)})


def reportable_years(root: Path, regions: list[str]) -> dict[str, set[int]]:
    """The years in which each region has a full-year delivery of some place (the years it can be reported):
    the presentation stage's `reportable` tables."""
    cells = presentation_table(root, "reportable")
    years: dict[str, set[int]] = {r: set() for r in regions}
    for region, year in zip(cells.get("region_code", []), cells.get("year", []), strict=True):
        if str(region) in years:
            years[str(region)].add(int(year))
    return years


def first_years(report: dict, reportable: dict[str, set[int]]) -> dict[str, int]:
    """The first year each region's reports show: report.first_year when a year is set, else (auto) the
    region's first full year with data, so a city reporting since 2021 shows no empty years before it."""
    setting = report.get("first_year", "auto")
    if str(setting).strip().isdigit():
        return dict.fromkeys(reportable, int(setting))
    return {r: min(years, default=int(report["year"])) for r, years in reportable.items()}


def plan_jobs(root: Path, params: dict, years: list[int] | None = None) -> list[Job]:
    """One job per county of each configured region, and one per region, for each report year kept in which
    the region has a full-year delivery: a region is never reported for a year it has no full-year data for,
    whatever another region has."""
    report = params["report"]
    lang = str(report.get("language", "zh"))
    div = read_divisions(Paths(root).divisions)
    regions = [safe_code(r) for r in params["ingest"]["regions"]]
    delivered = reportable_years(root, regions)
    firsts = first_years(report, delivered)
    jobs: list[Job] = []
    for year in years or [int(report["year"])]:
        for region in (r for r in regions if year in delivered[r]):
            first = min(firsts[region], year)
            counties = units_of(div, region)["code"]
            jobs += [Job("county", region, c, year, first, lang) for c in counties]
            jobs.append(Job("region", region, None, year, first, lang))
    return jobs
