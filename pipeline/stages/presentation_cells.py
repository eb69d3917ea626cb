"""The cells of the presentation mart: one printed figure or text of one table, and the printing all tables share.

Every table of the presentation stage (pipeline/stages/presentation.py and its
parts) is a list of these cells: the table's name, the row and its key, the
column, the figure behind the cell, its printed text and the mart it cites.
Printing is half up (四舍五入) everywhere, through pipeline.numbers.
"""

from __future__ import annotations

import pandas as pd

from pipeline.numbers import printed, printed_percent


def missing(x: object) -> bool:
    return x is None or bool(pd.isna(x))


# a figure as printed (thousands separated, half up) and a fraction as a whole percentage; None (printed '—')
# when there is none: the printing the findings stage uses too
number, percent = printed, printed_percent


def whole(x: object) -> str | None:
    return None if missing(x) else str(int(x))


def records(frame: pd.DataFrame, columns: list[str]) -> list[dict]:
    """The rows of `columns` as dicts, read column by column (a row at a time is slow on Arrow-backed text)."""
    return [dict(zip(columns, values, strict=True)) for values in zip(*(frame[c].tolist() for c in columns), strict=True)]


def cell(table: str, row: int, key: str, column: str, value: object, text: str | None, cites: str,
         place: str = "") -> dict:
    """One cell; `place` is the county a county table is of ('' : the region's table)."""
    return {"place_code": place, "table": table, "row": row, "key": key, "column": column,
            "value": None if missing(value) or isinstance(value, str) else float(value), "text": text,
            "cites": cites}
