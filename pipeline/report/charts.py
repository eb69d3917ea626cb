"""Charts for the notebooks: seaborn on matplotlib, one style, Chinese labels.

Figures are built with `matplotlib.figure.Figure` (not pyplot), so a notebook
cell shows each figure exactly once and nothing leaks between cells. The CJK
font is Noto Sans CJK SC from the `mplfonts` package, a project dependency,
so Chinese renders the same on every machine.
"""

from __future__ import annotations

import importlib.util
import io
from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib import font_manager
from matplotlib.figure import Figure

from pipeline.report.fmt import Words

CJK_FONT_FILE = "NotoSansCJKsc-Regular.otf"
CJK_FONT_NAME = "Noto Sans CJK SC"
PALETTE = ["#1f4e79", "#c0504d", "#9bbb59", "#8064a2", "#f79646", "#4bacc6"]
FORM_COLORS = ["#2e75b6", "#9dc3e6", "#f4b183", "#c00000"]
NOTE_COLOR = "#555555"


def cjk_font_path() -> Path:
    spec = importlib.util.find_spec("mplfonts")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("mplfonts is not installed: run `make setup` (it provides the Chinese font)")
    path = Path(next(iter(spec.submodule_search_locations))) / "fonts" / CJK_FONT_FILE
    if not path.is_file():
        raise RuntimeError(f"Chinese font missing: {path}")
    return path


def use_report_style() -> str:
    """Register the CJK font and set the seaborn theme; returns the font family name.

    seaborn.set_theme() resets font.family, so the font list is passed to it.
    """
    import seaborn as sns

    font_manager.fontManager.addfont(str(cjk_font_path()))
    sns.set_theme(context="notebook", style="whitegrid", palette=PALETTE,
                  font=CJK_FONT_NAME,
                  rc={"axes.unicode_minus": False, "figure.dpi": 100, "savefig.dpi": 100,
                      "font.sans-serif": [CJK_FONT_NAME, "DejaVu Sans"],
                      "svg.hashsalt": "polieco",
                      # titles sit just above their axes: no chart puts tick labels on top, so matplotlib's
                      # search for them (a tight box of every axis at each draw, ~0.1 s a chart) finds nothing
                      "axes.titley": 1.0})
    return CJK_FONT_NAME


PAD_INCHES = 0.1  # white kept around what a chart draws, as savefig's bbox_inches="tight" keeps
INK_BELOW = 250  # a pixel with a channel darker than this is drawn on (the background is white)


def chart_png(fig: Figure) -> bytes:
    """PNG bytes of a chart cropped to what it draws plus a 0.1-inch margin; same figure, same bytes.

    savefig(bbox_inches="tight") lays the figure out twice before drawing it
    (once to find the extent of every artist, once more to measure it), which
    was 45% of a county notebook's chart time. The figure is drawn once here
    and the blank margin cut from the pixels. A chart whose drawing touches the
    canvas edge may run past it (a long name on user data): it is saved the
    tight way, which grows the picture to take everything in.
    """
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from PIL import Image

    canvas = FigureCanvasAgg(fig)
    canvas.draw()
    rgba = np.asarray(canvas.buffer_rgba())
    ink = (rgba[..., :3] < INK_BELOW).any(axis=2)
    rows, cols = np.flatnonzero(ink.any(axis=1)), np.flatnonzero(ink.any(axis=0))
    buf = io.BytesIO()
    if not len(rows) or rows[0] == 0 or cols[0] == 0 or rows[-1] == ink.shape[0] - 1 or cols[-1] == ink.shape[1] - 1:
        fig.savefig(buf, format="png", bbox_inches="tight", pad_inches=PAD_INCHES, metadata={"Software": None})
        return buf.getvalue()
    pad = round(PAD_INCHES * fig.dpi)
    body = rgba[rows[0]:rows[-1] + 1, cols[0]:cols[-1] + 1]
    framed = np.full((body.shape[0] + 2 * pad, body.shape[1] + 2 * pad, 4), 255, dtype=np.uint8)
    framed[pad:pad + body.shape[0], pad:pad + body.shape[1]] = body
    Image.fromarray(framed).save(buf, format="png", dpi=(fig.dpi, fig.dpi))
    return buf.getvalue()


def chart_title(fig: Figure) -> str:
    """What a chart shows, in words: its title (the panels' common title where it has several); a reader who
    cannot see the image hears this."""
    return fig.get_suptitle() or next((ax.get_title() for ax in fig.axes if ax.get_title()), "")


def year_axis(ax, max_ticks: int = 6) -> None:
    """Ticks on whole years only, at most `max_ticks` of them (matplotlib's own choice on a span of six years
    is 2019.0, 2019.5, ...: a half year no table delivers)."""
    from matplotlib.ticker import FormatStrFormatter, MaxNLocator

    ax.xaxis.set_major_locator(MaxNLocator(nbins=max_ticks, integer=True))
    ax.xaxis.set_major_formatter(FormatStrFormatter("%d"))


def _note(fig: Figure, lines: list[str]) -> None:
    text = "\n".join(line for line in lines if line)
    if text:
        fig.text(0.01, 0.005, text, ha="left", va="bottom", fontsize=8, color=NOTE_COLOR, wrap=True)


def _bottom(fig: Figure, n_lines: int) -> None:
    fig.subplots_adjust(bottom=0.12 + 0.045 * n_lines)


def share_trend_chart(county: pd.DataFrame, region: pd.DataFrame, *, title: str, county_label: str,
                      region_label: str, y_label: str, words: Words, notes: list[str] | None = None) -> Figure:
    """A share over the years: the county (solid) against its region (dashed).

    Missing years stay NaN, which matplotlib draws as a break in the line;
    each gap is marked on the axis so a reader does not take it for a fall.
    """
    fig = Figure(figsize=(8, 4.2))
    ax = fig.add_subplot()
    ax.plot(county["year"], county["value"], marker="o", lw=2.2, color=PALETTE[0], label=county_label)
    ax.plot(region["year"], region["value"], ls="--", marker=".", lw=1.5, color=PALETTE[1], label=region_label)
    for r in county.itertuples():
        if pd.notna(r.value):  # the share as printed (ReportData.series), without its %
            ax.annotate(r.text.rstrip("%"), (r.year, r.value), textcoords="offset points", xytext=(0, 6),
                        ha="center", fontsize=8, color=PALETTE[0])
        else:
            ax.axvspan(r.year - 0.4, r.year + 0.4, color="#eeeeee", zorder=0)
            ax.text(r.year, 0.02, words("chart.gap"), transform=ax.get_xaxis_transform(), ha="center", fontsize=8,
                    color=NOTE_COLOR)
    ax.set_title(title)
    ax.set_xlabel(words("chart.year"))
    ax.set_ylabel(y_label)
    ax.set_xticks(list(county["year"]))
    ax.legend(loc="best", frameon=False)
    notes = [n for n in (notes or []) if n]
    _bottom(fig, len(notes))
    _note(fig, notes)
    return fig


def four_forms_chart(ff: pd.DataFrame, forms: list[str], shares: list[str], labels: list[str], *, title: str,
                     words: Words, notes: list[str] | None = None) -> Figure:
    """Four forms by year: person-times stacked (left) and 100% shares (right)."""
    fig = Figure(figsize=(11, 4.4))
    left, right = fig.subplots(1, 2)
    years = ff["year"].to_numpy()
    bottom_counts = np.zeros(len(ff))
    bottom_shares = np.zeros(len(ff))
    for form, share, label, color in zip(forms, shares, labels, FORM_COLORS, strict=True):
        counts = ff[form].to_numpy(dtype=float)
        shares = ff[share].to_numpy(dtype=float)
        left.bar(years, np.nan_to_num(counts), bottom=bottom_counts, color=color, label=label, width=0.7)
        right.bar(years, np.nan_to_num(shares), bottom=bottom_shares, color=color, label=label, width=0.7)
        bottom_counts += np.nan_to_num(counts)
        bottom_shares += np.nan_to_num(shares)
    for r in ff.itertuples():
        if pd.isna(r.four_forms_sum):
            for ax in (left, right):
                ax.text(r.year, 0.02, words("chart.gap"), transform=ax.get_xaxis_transform(), ha="center",
                        fontsize=8, color=NOTE_COLOR)
        elif r.pyramid_holds == 0:
            right.text(r.year, 101, words("chart.inverted"), ha="center", fontsize=8, color="#c00000")
    left.set_title(words("chart.person_times"))
    right.set_title(words("chart.share_pct"))
    right.set_ylim(0, 108)
    for ax in (left, right):
        ax.set_xticks(list(years))
        ax.tick_params(axis="x", labelrotation=45)
    right.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0), frameon=False)
    fig.suptitle(title)
    notes = [n for n in (notes or []) if n]
    _bottom(fig, len(notes) + 1)
    fig.subplots_adjust(right=0.84, top=0.85)
    _note(fig, notes)
    return fig


def four_forms_comparison_chart(table: pd.DataFrame, shares: list[str], labels: list[str], *, title: str,
                                words: Words, notes: list[str] | None = None) -> Figure:
    """Horizontal 100% bars: the county, its region and the nation side by side.

    Margins are set in inches: as fractions of a figure whose height grows
    with the rows, a city's twelve rows left two inches of blank between the
    axis and the source notes.
    """
    notes = [n for n in (notes or []) if n]
    height = 1.2 + 0.7 * len(table) + 0.25 * len(notes)
    fig = Figure(figsize=(9, height))
    ax = fig.add_subplot()
    rows = table.iloc[::-1].reset_index(drop=True)
    left = np.zeros(len(rows))
    for i_form, (share, label, color) in enumerate(zip(shares, labels, FORM_COLORS, strict=True)):
        values = rows[share].astype(float).to_numpy()
        # the shares as the presentation printed them (as the findings did: adding up to 100.0)
        printed = rows[f"{share}_text"]
        ax.barh(rows["who"], np.nan_to_num(values), left=left, color=color, label=label, height=0.6)
        for i, v in enumerate(values):
            if not np.isnan(v) and v >= 6:
                ax.text(left[i] + v / 2, i, printed.iloc[i].rstrip("%"), ha="center", va="center", fontsize=8,
                        color="white" if i_form in (0, 3) else "black")
        left += np.nan_to_num(values)
    ax.set_xlim(0, 100)
    ax.set_xlabel(words("chart.share_pct"))
    ax.set_title(title, pad=28)
    ax.legend(ncol=4, loc="lower center", bbox_to_anchor=(0.5, 1.0), frameon=False, fontsize=9)
    fig.subplots_adjust(left=0.22, top=1 - 0.95 / height, bottom=(0.65 + 0.25 * len(notes)) / height)
    _note(fig, notes)
    return fig


def indicator_panels(series: dict[str, pd.DataFrame], names: dict[str, str], *, title: str, words: Words,
                     notes: list[str] | None = None) -> Figure:
    """Small multiples: each indicator's count (bars) and rate per 1,000 members (line); `series`: each
    indicator's years (year, value, rate), in panel order."""
    measures = list(series)
    fig = Figure(figsize=(12, 2.6 * ((len(measures) + 2) // 3)))
    axes = fig.subplots((len(measures) + 2) // 3, 3, squeeze=False).ravel()
    for ax, m in zip(axes, measures, strict=False):
        s = series[m]
        ax.bar(s["year"], s["value"].astype(float), color=PALETTE[0], alpha=0.8, width=0.7)
        ax.set_title(names[m], fontsize=10)
        ax.set_xticks(list(s["year"]))
        ax.tick_params(axis="x", labelrotation=45, labelsize=8)
        twin = ax.twinx()
        rates = s["rate"].astype(float)
        twin.plot(s["year"], rates, color=PALETTE[1], marker=".", lw=1.2)
        # both axes start at zero and end at their largest value plus a tenth, so the line moves as much as
        # the bars do: a right axis fitted to the rates made a change of 0.3 per 1,000 fill the panel
        ax.set_ylim(0, max(float(np.nanmax(s["value"].astype(float))) if s["value"].notna().any() else 1, 1e-9) * 1.1)
        twin.set_ylim(0, max(float(np.nanmax(rates)) if rates.notna().any() else 1, 1e-9) * 1.1)
        twin.grid(False)
        twin.tick_params(axis="y", labelsize=8, colors=PALETTE[1])
        for r in s.itertuples():
            if pd.isna(r.value):
                ax.text(r.year, 0.02, words("chart.gap"), transform=ax.get_xaxis_transform(), ha="center", fontsize=7,
                        color=NOTE_COLOR)
    for ax in axes[len(measures):]:
        ax.set_visible(False)
    fig.suptitle(title)
    legend = words("chart.panels_legend")
    notes = [legend, *[n for n in (notes or []) if n]]
    fig.subplots_adjust(hspace=0.6, wspace=0.35, top=0.9, bottom=0.1 + 0.03 * len(notes))
    _note(fig, notes)
    return fig


def small_multiples_chart(matrix: pd.DataFrame, region_series: pd.DataFrame, *, title: str,
                          region_label: str, words: Words, notes: list[str] | None = None) -> Figure:
    """One small panel per county: its share over the years against the region (grey)."""
    n = len(matrix)
    cols = 4
    rows = (n + cols - 1) // cols
    fig = Figure(figsize=(12, 2.4 * rows + 0.8))
    axes = fig.subplots(rows, cols, sharex=True, sharey=True, squeeze=False).ravel()
    years = list(matrix.columns)
    for ax, (county, values) in zip(axes, matrix.iterrows(), strict=False):
        ax.plot(region_series["year"], region_series["value"], color="#999999", ls="--", lw=1)
        ax.plot(years, values.astype(float).to_numpy(), color=PALETTE[0], marker="o", ms=3, lw=1.6)
        ax.set_title(county, fontsize=9)
        ax.tick_params(labelsize=7)
    year_axis(axes[0])  # shared: one call sets every panel's ticks
    for ax in axes[n:]:
        ax.set_visible(False)
    fig.suptitle(title)
    notes = [words("chart.dashed", label=region_label), *[x for x in (notes or []) if x]]
    fig.subplots_adjust(hspace=0.45, top=0.9, bottom=0.08 + 0.03 * len(notes))
    _note(fig, notes)
    return fig


def heatmap_chart(matrix: pd.DataFrame, labels: pd.DataFrame, *, title: str, value_label: str, words: Words,
                  notes: list[str] | None = None) -> Figure:
    """County x year heatmap with values written in (`labels`: the same grid printed, '' where missing)."""
    import seaborn as sns

    fig = Figure(figsize=(11, 0.45 * len(matrix) + 2.2))
    ax = fig.add_subplot()
    values = matrix.astype(float)
    sns.heatmap(values, ax=ax, annot=labels.to_numpy(), fmt="", cmap="OrRd", linewidths=0.5,
                cbar_kws={"label": value_label}, annot_kws={"fontsize": 8})
    ax.set_title(title)
    ax.set_xlabel(words("chart.year"))
    ax.set_ylabel("")
    notes = [n for n in (notes or []) if n]
    fig.subplots_adjust(left=0.18, bottom=0.12 + 0.04 * len(notes))
    _note(fig, notes)
    return fig


def scores_chart(table: pd.DataFrame, *, title: str, county_label: str, region_label: str, words: Words,
                 notes: list[str] | None = None) -> Figure:
    """The county's evaluation scores against the region mean, one pair of bars per indicator."""
    fig = Figure(figsize=(9, 0.55 * len(table) + 1.8))
    ax = fig.add_subplot()
    y = np.arange(len(table))[::-1]
    ax.barh(y + 0.2, table["county"].astype(float), height=0.38, color=PALETTE[0], label=county_label)
    ax.barh(y - 0.2, table["region_mean"].astype(float), height=0.38, color="#bbbbbb", label=region_label)
    for yi, v, text, imputed in zip(y, table["county"].astype(float), table["county_text"], table["imputed"],
                                    strict=True):
        if not np.isnan(v):  # the score as the table beside the chart prints it
            ax.text(v + 0.3, yi + 0.2, text + (words("chart.imputed") if imputed else ""), va="center", fontsize=8)
    ax.set_yticks(y)
    ax.set_yticklabels(table["name"])
    low = float(np.nanmin(table[["county", "region_mean"]].to_numpy(dtype=float)))
    ax.set_xlim(max(0.0, low - 10), 100)
    ax.set_xlabel(words("chart.score"))
    ax.set_title(title, pad=24)
    # above the bars, never over them: in the lower right it covered the value of a short bottom bar
    ax.legend(ncol=2, loc="lower center", bbox_to_anchor=(0.5, 1.0), frameon=False, fontsize=9)
    notes = [n for n in (notes or []) if n]
    fig.subplots_adjust(left=0.3, bottom=0.15 + 0.05 * len(notes))
    _note(fig, notes)
    return fig


def rank_interval_chart(ev: pd.DataFrame, *, title: str, grade_colors: dict[str, str], words: Words,
                        notes: list[str] | None = None) -> Figure:
    """Each county's nominal rank (dot, coloured by grade) and its 5-95% rank interval; `ev` in rank order."""
    rows = ev.reset_index(drop=True)
    fig = Figure(figsize=(9, 0.45 * len(rows) + 1.8))
    ax = fig.add_subplot()
    y = np.arange(len(rows))[::-1]
    ax.hlines(y, rows["rank_p05"], rows["rank_p95"], color="#999999", lw=3)
    for yi, r in zip(y, rows.itertuples(), strict=True):
        ax.plot(r.rank, yi, "o", ms=9, color=grade_colors.get(r.grade, "#666666"))
        label = words.raw("grades").get(r.grade, r.grade)
        ax.text(len(rows) + 0.6, yi, label + ("" if r.stable != 0 else words("chart.unstable")),
                va="center", fontsize=9)
    ax.set_yticks(y)
    ax.set_yticklabels(rows["label"])
    ax.set_xlim(0.5, len(rows) + 2.5)
    ax.set_xticks(range(1, len(rows) + 1))
    ax.set_xlabel(words("chart.rank_axis"))
    ax.set_title(title)
    notes = [n for n in (notes or []) if n]
    fig.subplots_adjust(left=0.22, bottom=0.15 + 0.05 * len(notes))
    _note(fig, notes)
    return fig
