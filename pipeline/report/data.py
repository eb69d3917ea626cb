"""What the renderers read: the marts, the catalog, the divisions and the words of one language.

Renderers select rows from here and phrase them; they compute nothing a stage
test could not see. Missing values stay missing: a year a county did not
report is a gap, said in words with the reason the mart gives.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from pipeline import marts
from pipeline.catalog import Catalog, load_catalog
from pipeline.config import Paths, load_params, notice_settings
from pipeline.divisions import is_synthetic, read_divisions, units_of  # noqa: F401 - is_synthetic re-exported
from pipeline.errors import ConfigError
from pipeline.periods import FULL_YEAR
from pipeline.report.document import CITATION_MODES
from pipeline.report.fmt import Words, load_words
from pipeline.stages.presentation_figures import FIGURE_COLUMNS, table_name


@dataclass(frozen=True)
class Figures:
    """A figures table: `text` as printed (None: nothing printed), `value` the figures behind (NaN: none); both
    indexed by measure, columns FIGURE_COLUMNS."""
    text: pd.DataFrame
    value: pd.DataFrame

    def of(self, measures: list[str]) -> Figures:
        """The rows of `measures`, in their order; a measure the table has no row for prints nothing (None)."""
        text = self.text.reindex(measures).astype(object)
        return Figures(text.where(text.notna(), None), self.value.reindex(measures))


@dataclass
class ReportData:
    """What a renderer reads: the findings and the presentation tables (every table, chart series and figure a
    report prints, printed once by the presentation stage), the evaluation marts the workbook exports, the
    warnings, and the reference files. The measures marts (county, region, national) are not read: every
    figure a report shows comes to it printed, through `figures`, `series` and `table`."""
    divisions: pd.DataFrame
    catalog: Catalog
    words: Words
    sections: dict[str, list[str]]
    # evaluation and warning marts; empty frames when those stages have not run
    evaluation: pd.DataFrame = field(default_factory=pd.DataFrame)
    evaluation_contributions: pd.DataFrame = field(default_factory=pd.DataFrame)  # 失分分析
    warnings: pd.DataFrame = field(default_factory=pd.DataFrame)
    # every statement a report may make (the findings stage); renderers phrase these and judge nothing
    findings: pd.DataFrame = field(default_factory=pd.DataFrame)
    # the region report's tables as printed, cell by cell (the presentation stage): read through `table`
    presentation: pd.DataFrame = field(default_factory=pd.DataFrame)
    # how a write-up cites its figures: notes (a superscript on each) or appendix (the table only)
    citations: str = "notes"
    # warning notices: severities, recipient and issuer templates, days to reply (report.notice)
    notice: dict = field(default_factory=dict)
    # the region and the last year the frames were read for ((None, None): every region, every year)
    scope: tuple[str | None, int | None] = (None, None)
    _tables: dict[tuple, np.ndarray] = field(default_factory=dict, repr=False)  # (place, year, table) -> rows
    _cells: dict[str, np.ndarray] = field(default_factory=dict, repr=False)
    _figures: dict[tuple, Figures] = field(default_factory=dict, repr=False)
    _figure_rows: dict[tuple, tuple[dict, dict]] = field(default_factory=dict, repr=False)
    _warning_at: dict[str, int] = field(default_factory=dict, repr=False)
    _findings_rows: dict[tuple, pd.DataFrame] = field(default_factory=dict, repr=False)
    _finding_at: dict[tuple, int] = field(default_factory=dict, repr=False)  # (place, year, period, topic, subject)
    _finding_by_id: dict[str, int] = field(default_factory=dict, repr=False)
    _findings_at: dict[tuple, list[int]] = field(default_factory=dict, repr=False)  # (place, year, period or None)

    def table(self, place: str, year: int, name: str, field: str = "text",
              columns: list[str] | None = None) -> pd.DataFrame:
        """One table of a region's or a county's year as the presentation stage printed it: a row per key (a
        place, an indicator, a year) in the stage's order, a column per column code in its order (or those of
        `columns`, in theirs), the printed texts as cells (None where nothing is printed: the renderer's none
        mark), or with field="value" the figures a chart draws (NaN where none). Empty when the stage made none
        (with `columns`: no rows, those columns)."""
        self._index_tables()
        at = self._tables.get((place, int(year), name))
        if at is None:
            return pd.DataFrame(columns=columns) if columns is not None else pd.DataFrame()
        rows, keys, named = (self._cells[c][at] for c in ("row", "key", "column"))
        order = sorted(dict.fromkeys(rows.tolist()))
        row_at = {r: i for i, r in enumerate(order)}
        column_at = {c: j for j, c in enumerate(columns if columns is not None else dict.fromkeys(named.tolist()))}
        grid = np.full((len(row_at), len(column_at)), np.nan if field == "value" else None, dtype=object)
        for r, c, v in zip(rows.tolist(), named.tolist(), self._cells[field][at].tolist(), strict=True):
            if c in column_at:
                grid[row_at[r], column_at[c]] = v
        key_of = dict(zip(rows.tolist(), keys.tolist(), strict=True))  # a row's cells all carry its key
        wide = pd.DataFrame(grid, index=pd.Index([key_of[r] for r in order], name="key"), columns=list(column_at),
                            dtype=object)  # None stays None (a text column would otherwise become str, None NaN)
        return wide.astype(float) if field == "value" else wide

    def _index_tables(self) -> None:
        """Row positions of each (place, year, table) and the cells' columns as arrays, once: a county notebook
        reads ~200 tables, and pivoting each out of the mart took ~2 ms."""
        if self._tables or self.presentation.empty:
            return
        p = self.presentation
        for (r, y, t), at in p.groupby(["place_code", "year", "table"], sort=False).indices.items():
            self._tables[(str(r), int(y), str(t))] = at
        text = p["text"].to_numpy(dtype=object, copy=True)
        text[pd.isna(text)] = None
        self._cells.update({"row": p["row"].to_numpy(), "key": p["key"].astype(object).to_numpy(),
                            "column": p["column"].astype(object).to_numpy(),
                            "value": p["value"].to_numpy(dtype=float),
                            "text": text})

    def figures(self, place: str, year: int, period: str = FULL_YEAR) -> Figures:
        """Every measure of a place's year (or partial `period`) as the presentation stage printed it
        (pipeline/stages/presentation_figures.py): printed texts and figures, a row per measure in the mart's
        order, every figures column present (None where nothing is printed); empty when the place has no
        rows that year."""
        key = (place, int(year), period)
        if key not in self._figures:
            name, columns = table_name(period), list(FIGURE_COLUMNS)
            self._figures[key] = Figures(self.table(place, year, name, columns=columns),
                                         self.table(place, year, name, "value", columns=columns))
        return self._figures[key]

    def _figure_records(self, place: str, year: int) -> tuple[dict, dict]:
        """A year's figures table as {measure: {column: cell}}, texts and values, once: a county notebook draws
        about 18 series of ten years, and a row looked up in the frame each time took ~8 ms a series."""
        key = (place, int(year))
        if key not in self._figure_rows:
            f = self.figures(place, year)
            self._figure_rows[key] = tuple(  # the frames' rows as plain values (DataFrame.to_dict boxes each row)
                {m: dict(zip(frame.columns, row, strict=True))
                 for m, row in zip(frame.index, frame.to_numpy(dtype=object).tolist(), strict=True)}
                for frame in (f.text, f.value))
        return self._figure_rows[key]

    def series(self, place: str, measure: str, first: int, last: int) -> pd.DataFrame:
        """One measure of a place, a row per year from first to last (full years) as the figures tables print
        it: `listed` (the year's figures table has a row for it), `value` (figure), `text`, `approximate`, `status` (not_delivered for a year the place has no row
        for), `yoy` and `yoy_unit`, `rate` (figure) and `rate_text`, `rank` (k/n)."""
        rows = []
        for year in range(first, last + 1):
            texts, values = self._figure_records(place, year)
            has = measure in texts
            text, value = texts.get(measure), values.get(measure)
            rows.append({"year": year, "listed": has, "value": value["value"] if has else float("nan"),
                         "text": text["value"] if has else None,
                         "approximate": bool(has and value["approximate"] == 1),
                         "status": (text["status"] if has else None) or "not_delivered",
                         "yoy": text["yoy"] if has else None, "yoy_unit": text["yoy_unit"] if has else None,
                         "rate": value["rate"] if has else float("nan"), "rate_text": text["rate"] if has else None,
                         "rank": text["rank"] if has else None})
        frame = pd.DataFrame(rows)
        for column in ("text", "status", "yoy", "yoy_unit", "rate_text", "rank"):  # None stays None (not NaN)
            frame[column] = pd.Series([r[column] for r in rows], dtype=object)
        return frame

    def places_held(self) -> dict[str, list[str]]:
        """Each region with figures in what was read, and its places with figures (by code): what a notebook's
        region and county may name."""
        self._index_tables()
        held = {place for place, _, name in self._tables if name == "figures"}
        out: dict[str, list[str]] = {}
        for place in sorted(held):
            parent = self.divisions.loc[place, "parent_code"] if place in self.divisions.index else None
            if isinstance(parent, str) and parent in held:
                out.setdefault(parent, []).append(place)
        return out

    def periods(self, place: str, year: int) -> list[str]:
        """The partial periods of a year the place delivered figures for, in period order (its `periods`)."""
        return [str(k) for k in self.table(place, year, "periods").index]

    def sources(self, region: str, first: int, last: int) -> list[str]:
        """The files a region's figures of first..last were read from, year by year (each year's by name)."""
        files = [str(f) for year in range(first, last + 1) for f in self.table(region, year, "sources").index]
        return list(dict.fromkeys(files))

    def listed_warnings(self, place: str, year: int, name: str) -> pd.DataFrame:
        """The warnings mart's rows a presentation table lists (`warnings` of a region, `county_warnings` of a
        county), in the table's order; empty when it lists none."""
        keys = self.table(place, year, name).index
        if not len(keys):
            return self.warnings.iloc[0:0]
        if not self._warning_at:
            w = self.warnings
            self._warning_at.update({marts.warning_key(c, y, r): i for i, (c, y, r) in
                                     enumerate(zip(w["county_code"], w["year"], w["rule"], strict=True))})
        return self.warnings.iloc[[self._warning_at[k] for k in keys]]

    def findings_rows_of(self, place: str, year: int, period: str | None = None) -> pd.DataFrame:
        """The findings of one place (or region) and year, of one period or (None) every period, in mart
        order. The mart's row positions are grouped once and a group's rows taken when first asked for:
        the index page of a province looks findings up ~1,500 times, and a mask over the whole mart took
        ~10 ms each."""
        key = (place, int(year), period)
        if key not in self._findings_rows:
            self._index_findings()
            at = self._findings_at.get(key)
            self._findings_rows[key] = self.findings.iloc[at] if at is not None else self.findings.iloc[0:0]
        return self._findings_rows[key]

    def _index_findings(self) -> None:
        """Row positions by (place, year, period, topic, subject) and by place-year (and period); once."""
        if self._finding_at or self.findings.empty:
            return
        f = self.findings
        keys = zip(f["place_code"], f["year"], f["period"], f["topic"], f["subject"], f["finding_id"], strict=True)
        groups: dict[tuple, list[int]] = {}
        for i, (p, y, q, t, s, fid) in enumerate(keys):
            key = (str(p), int(y), str(q), str(t), str(s))
            self._finding_at.setdefault(key, i)
            self._finding_by_id.setdefault(str(fid), i)
            groups.setdefault(key[:2] + (None,), []).append(i)
            groups.setdefault(key[:3], []).append(i)
        self._findings_at.update(groups)

    def outline(self, place: str, year: int, period: str = FULL_YEAR) -> dict[str, list[pd.Series]]:
        """The findings a report of the place-year (a year's report, or `period`'s report on a year delivered in
        part) states, section by section in print order, as the presentation stage placed them
        (pipeline/stages/presentation_outline.py); no section: none to state."""
        self._index_findings()
        placed: dict[str, list[pd.Series]] = {}
        table = self.table(place, year, "outline" if period == FULL_YEAR else f"outline:{period}")
        for finding_id, section in zip(table.index, table["section"] if len(table) else [], strict=True):
            placed.setdefault(section, []).append(self.findings.iloc[self._finding_by_id[finding_id]])
        return placed

    def finding_by_id(self, finding_id: str) -> pd.Series | None:
        """The finding of this id (the key a presentation table or another finding's evidence cites)."""
        self._index_findings()
        i = self._finding_by_id.get(str(finding_id))
        return None if i is None else self.findings.iloc[i]

    def finding_row(self, place: str, year: int, period: str, topic: str, subject: str) -> pd.Series | None:
        """The one finding of a place, year, period, topic and subject (the first, should the mart repeat one)."""
        self._index_findings()
        i = self._finding_at.get((place, int(year), period, topic, subject))
        return None if i is None else self.findings.iloc[i]

    def name(self, code: str) -> str:
        """The place's name in the report's language: as registered in Chinese; in English, the register's
        `name_en` where it has one, else pinyin with the administrative word (pipeline.romanise)."""
        chinese = str(self.divisions.loc[code, "name"])
        if self.words.lang != "en":
            return chinese
        own = self.divisions.loc[code, "name_en"] if "name_en" in self.divisions.columns else None
        if isinstance(own, str) and own.strip():
            return own.strip()
        from pipeline.romanise import romanised

        return romanised(chinese)

    def title_name(self, code: str) -> str:
        """The name a title gives: in English with the Chinese once, in brackets (Qingshan County (青山县))."""
        chinese = str(self.divisions.loc[code, "name"])
        return chinese if self.words.lang != "en" else f"{self.name(code)} ({chinese})"

    def label(self, code: str) -> str:
        """A place as tables show it: name and code (names repeat, codes do not)."""
        return self.words("place_label", name=self.name(code), code=code)

    def level_words(self, place: str, region: str) -> dict[str, str]:
        """own (本县区 / 本市州), agg (全市 / 全省) and unit_word (县区 / 市州) by the divisions' levels: a chart
        or table says 全市 for a city and 全省 for a province, never one word for both."""
        levels = self.words.raw("levels")

        def level(code: str, default: str) -> str:
            return str(self.divisions.loc[code, "level"]) if code in self.divisions.index else default
        unit_level = level(place, "county")
        return {"own": levels["own"].get(unit_level, levels["own"]["county"]),
                "agg": levels["aggregate"].get(level(region, "prefecture"), levels["aggregate"]["prefecture"]),
                "unit_word": levels["unit"].get(unit_level, levels["unit"]["county"])}

    @property
    def lang(self) -> str:
        return self.words.lang


def report_settings(root: Path, catalog: Catalog, lang: str | None = None) -> tuple[Words, dict[str, list[str]]]:
    """The report language and section lists from params.yaml, each measure checked against the catalog."""
    report = load_params(root)["report"]
    words = load_words(root, lang or str(report.get("language", "zh")))
    sections = {name: list(codes) for name, codes in report["sections"].items()}
    for name, codes in sections.items():
        catalog.check_codes(codes, what="报告栏目指标", key=f"report.sections.{name}")
    citation_mode(report)
    notice_settings(report)
    return words, sections


_LOADED: dict[tuple, ReportData] = {}  # the last load, keyed by the state of every file it read


def _inputs_key(root: Path, lang: str | None, region: str | None, through: int | None = None) -> tuple:
    """Each input file's (inode, size, mtime_ns): a mart is published by renaming a new file into place (a new
    inode) and a hand edit moves the mtime, so a changed file always changes the key; reading the bytes to
    hash them cost a whole read of every mart at each call (a national findings mart is ~100 MB)."""
    paths = Paths(root)
    files = [paths.catalog, paths.divisions, root / "params.yaml", root / "data" / "reference" / "phrases.yaml",
             *(marts.mart_path(root, name) for name in marts.REPORTS_READ)]

    def state(path: Path) -> tuple[int, int, int] | None:
        try:
            st = path.stat()
        except FileNotFoundError:
            return None
        return (st.st_ino, st.st_size, st.st_mtime_ns)

    return (str(Path(root).resolve()), lang, region, through, tuple(state(f) for f in files))


def load_report_data(root: Path, lang: str | None = None, region: str | None = None,
                     through: int | None = None) -> ReportData:
    """The marts and reference files for rendering, only `region`'s rows and years up to `through` when given
    (a job's region and report year: what its outputs may state, selected while reading, so no renderer
    filters it); loaded once per process while their files are unchanged.

    A warm kernel (and the stage's worker) renders many counties from the same
    marts: reading and splitting them again for each took ~0.5 s at province
    scale. The key is the state of every file read (`_inputs_key`), so a
    replaced or edited mart is always read again. Renderers select from the
    frames and never modify them.
    """
    key = _inputs_key(root, lang, region, through)
    if key not in _LOADED:
        _LOADED.clear()
        _LOADED[key] = _load_report_data(root, lang, region, through)
    return _LOADED[key]


def _load_report_data(root: Path, lang: str | None = None, region: str | None = None,
                      through: int | None = None) -> ReportData:
    paths = Paths(root)
    catalog = load_catalog(paths.catalog)
    words, sections = report_settings(root, catalog, lang)
    divisions = read_divisions(paths.divisions).set_index("code")
    optional = {name: marts.read_mart(root, name, region, through)
                for name in marts.REPORTS_READ if marts.mart_path(root, name).is_file()}
    report = load_params(root)["report"]
    return ReportData(divisions, catalog, words, sections, citations=citation_mode(report),
                      notice=notice_settings(report), scope=(region, through), **optional)


def citation_mode(report: dict) -> str:
    """params.yaml report.citations (notes by default); anything else stops before a report is written."""
    mode = str(report.get("citations", "notes"))
    if mode not in CITATION_MODES:
        raise ConfigError("params.yaml", "report.citations", f"「{mode}」无效", list(CITATION_MODES))
    return mode


def counties_of(data: ReportData, region_code: str) -> list[str]:
    div = data.divisions
    return list(units_of(div, region_code).index)
