"""The page template for `dvc plots show`, carrying its chart library so the page opens offline.

DVC's default page loads Vega, Vega-Lite and Vega Embed from a CDN, which an
office without internet cannot reach. This template inlines the three, as
bundled by `vl-convert-python` (the Vega project's own converter, a locked
dependency), and leaves out DVC's `{scripts}` placeholder, so no CDN tag is
added. `.dvc/config` points `plots.html_template` at the file this writes;
`make setup` writes it (it is a build product, not committed).

Run: python -m pipeline.report.plots_template
"""

from __future__ import annotations

from pathlib import Path

from pipeline.config import project_root, write_atomic

TARGET = Path("build") / "dvc_plots_template.html"
STYLE = "body{font-family:\"Noto Sans CJK SC\",\"Microsoft YaHei\",sans-serif;margin:1.5rem}table{border-spacing:15px}"


def template_html(bundle: str) -> str:
    """DVC's placeholders {plot_divs} and {refresh_tag} around the inlined library (no {scripts}: no CDN)."""
    safe = bundle.replace("</script", "<\\/script")  # the bundle must not close its own tag early
    return ("<!DOCTYPE html>\n<html lang=\"zh-CN\">\n<head>\n<meta charset=\"utf-8\">\n{refresh_tag}\n"
            "<title>DVC plots</title>\n<style>" + STYLE + "</style>\n<script>\n" + safe + "\n</script>\n"
            "</head>\n<body>\n{plot_divs}\n</body>\n</html>\n")


def main() -> None:
    from pipeline.errors import run_stage

    run_stage("图表模板", run, "上次的模板保持不变")


def run() -> None:
    import vl_convert

    root = project_root()
    target = root / TARGET
    target.parent.mkdir(parents=True, exist_ok=True)
    text = template_html(vl_convert.javascript_bundle())
    write_atomic(target, lambda p: p.write_text(text, encoding="utf-8"))
    print(f"{TARGET}: dvc plots show 的离线页面模板（{len(text) // 1024} KB，含 Vega 图表库）")


if __name__ == "__main__":
    main()
