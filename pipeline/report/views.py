"""Notebook sections: what each cell of the county and region notebooks shows.

The notebooks call one function per section and pass the result to `show`,
so a notebook cell holds no logic and every section can be tested here. The
sections live in county_views and region_views and phrase findings (the
findings stage judged); this module gathers them for the notebooks and adds
the write-up as the notebook shows it.
"""

from __future__ import annotations

from pipeline.report.county_views import (  # noqa: F401 - the county notebook's sections
    county_evaluation_section,
    county_header,
    enforcement_section,
    figures_section,
    four_forms_section,
    new_onset_section,
)
from pipeline.report.data import ReportData
from pipeline.report.region_views import (  # noqa: F401 - the region notebook's sections
    region_evaluation_section,
    region_four_forms_section,
    region_header,
    region_new_onset_section,
    region_ranking_section,
    region_warnings_section,
)
from pipeline.report.view_parts import Section, heading, open_report, show  # noqa: F401


def writeup_section(data: ReportData, region: str, county: str | None, year: int, first: int) -> Section:
    """The annual write-up (成效 / 问题和难点 / 思考与建议) with its source notes, as the notebook shows it;
    its Word and Markdown files are the formats' (pipeline/report/formats), written by the stage's worker."""
    from pipeline.report.markdown import notebook_markdown
    from pipeline.report.writeup import county_report, region_report

    doc = (county_report(data, region, county, year, first) if county
           else region_report(data, region, year, first))
    section = Section(finding_ids=list(doc.finding_ids))
    return section.add(heading(data, "writeup"), notebook_markdown(doc).replace("# ", "### ", 1))
