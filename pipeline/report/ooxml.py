"""Byte-stable Office files: the same content gives the same bytes."""

from __future__ import annotations

import io
import re
import zipfile


def fixed_zip_times(data: bytes) -> bytes:
    """Re-pack an XLSX/DOCX with fixed entry times and fixed created and modified stamps."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            fixed = zipfile.ZipInfo(info.filename, date_time=(2025, 1, 1, 0, 0, 0))
            fixed.compress_type = zipfile.ZIP_DEFLATED
            body = src.read(info.filename)
            if info.filename == "docProps/core.xml":  # writers stamp the time they made and saved the file here
                body = re.sub(rb"(<dcterms:(?:created|modified)[^>]*>)[^<]*", rb"\g<1>2025-01-01T00:00:00Z", body)
            dst.writestr(fixed, body)
    return out.getvalue()
