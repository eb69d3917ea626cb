"""Ingest stage: yearly delivered tables -> data/staging/warehouse.duckdb.

Reads every file of the configured regions and years, detects its encoding,
maps headers through the catalog aliases, parses numbers the way people type
them, and writes a long `facts` table where every value keeps its source file,
row and column. Structural problems (headers, keys, years, text in numeric
cells, broken files) stop here with every problem listed; range and
consistency rules are the validation stage's job. The warehouse is written to
a temporary file and moved into place only when everything succeeded.

One module per step, in the order a file goes through them:
  table      the cells of a file as read (`RawTable`), what it delivers (`Delivery`), the run's `Context`;
  text       CSV bytes: encoding (UTF-8, UTF-16, GBK; Big5 and mixed encodings named), delimiter, rows;
  workbook   .xlsx: the data sheet, percent formats, formulas without results, locked template cells;
  cells      one cell as people type it: numbers, shares, codes, years, "no data" marks;
  headers    where the header is, what each column holds and in which unit;
  places     which county a row is (code or name, renamed codes), totals and notes left out;
  delivery   one file -> its facts, or every problem with it;
  folder     a region's folder: files per year and period, checks across files;
  warehouse  the staging database, written whole or not at all;
  stage      the loop over regions and `main()`.

Run: python -m pipeline.stages.ingest
"""

from pipeline.stages.ingest.cells import parse_cell, parse_number
from pipeline.stages.ingest.delivery import parse_delivery
from pipeline.stages.ingest.folder import read_table
from pipeline.stages.ingest.places import load_divisions
from pipeline.stages.ingest.stage import ingest, main
from pipeline.stages.ingest.table import Context, Delivery, RawTable
from pipeline.stages.ingest.workbook import LOCKED_SHEET

__all__ = ["LOCKED_SHEET", "Context", "Delivery", "RawTable", "ingest", "load_divisions", "main", "parse_cell",
           "parse_delivery", "parse_number", "read_table"]
