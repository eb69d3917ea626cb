"""Rendering: notebook sections, charts, write-ups and the index. Reads marts and phrase tables only."""
