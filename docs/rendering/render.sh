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
