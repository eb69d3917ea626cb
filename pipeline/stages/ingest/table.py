"""What a delivered file becomes once read: its cells (`RawTable`), and what it delivers (`Delivery`).

Also the two ways a cell is shown: as the reader compares it (`cell_text`,
NFKC-normalised) and as the person typed it (`as_typed`, for messages; its
invisible characters are written out by `pipeline.errors.visible`).
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from pipeline.catalog import Catalog
from pipeline.divisions import no_code_changes

HEADER_SEARCH_ROWS = 10
MAX_PROBLEMS_PER_FILE = 30


class Debug:
    """--debug: exceptions go through with their tracebacks instead of becoming messages (set by main())."""

    on = False


DEBUG = Debug()


@dataclass
class RawTable:
    """Cells of a delivered file, with the 1-based row numbers a person sees."""

    path: Path
    display: str
    fmt: str
    encoding: str | None
    sha256: str
    rows: list[tuple[int, list[object]]]
    truncated: bool = False  # a CSV whose last line has no line end
    sheet: str | None = None  # the worksheet read, for a workbook
    # (row, 0-based column) of cells an Excel number format shows as a percentage
    percent_cells: set[tuple[int, int]] = field(default_factory=set)
    template: bool = False  # a `make template` workbook: its sheet is protected, so its rows cannot shift
    hidden_rows: set[int] = field(default_factory=set)  # rows a workbook hides (their data are still read)
    # merged ranges of a workbook: (first row, first column, last row, last column), 1-based rows, 0-based columns
    merged: list[tuple[int, int, int, int]] = field(default_factory=list)
    header_span: tuple[int, int] | None = None  # first and last row of a header over several rows
    # the lowest label of each joined column (处分（人） under 审查调查情况), for suggestions made without the group
    sub_labels: dict[int, str] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)  # how the file was read, when not plainly (an encoding)


@dataclass
class Delivery:
    region_code: str
    year: int
    period: str
    source_file: str
    fmt: str
    encoding: str | None
    sha256: str
    header_row: int
    data_rows: int
    facts: list[tuple] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


@dataclass
class Context:
    catalog: Catalog
    divisions: pd.DataFrame  # indexed by code
    first_year: int
    last_year: int
    code_changes: pd.DataFrame = field(default_factory=no_code_changes)


def cell_text(value: object) -> str:
    if value is None:
        return ""
    return unicodedata.normalize("NFKC", str(value)).strip()


def as_typed(value: object) -> str:
    """Cell text as the person typed it (for messages and provenance), trimmed."""
    return "" if value is None else str(value).strip()
