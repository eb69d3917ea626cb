#!/usr/bin/env bash
# Render what reviewers read to PNG pages: LibreOffice (docx -> PDF), poppler (PDF -> PNG).
# Run after `make report`: bash docs/rendering/render.sh
# Needs soffice and pdftoppm on PATH (not project dependencies: a reviewer's check, not a pipeline step).
set -euo pipefail
cd "$(dirname "$0")/../.."
out=docs/rendering
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
render() {  # <docx> <name>
    cp "$1" "$tmp/$2.docx"
    soffice --headless --convert-to pdf --outdir "$tmp" "$tmp/$2.docx" >/dev/null
    rm -f "$out/$2"-*.png
    pdftoppm -r 60 -png "$tmp/$2.pdf" "$out/$2"
    echo "$2: $(ls "$out/$2"-*.png | wc -l) pages"
}
render reports/notebooks/990100/2024/990101/writeup.docx county-990101-2024
render reports/notebooks/990100/2024/990121/writeup.docx county-990121-2024
render reports/notebooks/990100/2024/writeup.docx region-990100-2024
render reports/notebooks/990100/2024/990121/notice.docx notice-990121-2024
# a period report: the demo's years are all delivered in full, so 青山县's 2024年1-9月 is written here the way
# the notebooks stage writes one for a year delivered only in part (pipeline/report/period_reports.py)
.venv/bin/python - "$tmp" <<'PY'
import sys
from pathlib import Path

from pipeline.report.data import load_report_data
from pipeline.report.period_reports import period_report
from pipeline.report.formats import write_document

write_document(period_report(load_report_data(Path(".")), "990100", "990121", 2024, "M1-9"), Path(sys.argv[1]), "period")
PY
render "$tmp/period.docx" period-990121-2024M1-9
