"""Findings: every statement a report may make, judged once, as data.

The stages before this one compute (measures, evaluation, warnings); this
package judges: it turns mart rows into findings, one row per statement, with
the comparison it rests on and its evidence, and writes
data/marts/findings.parquet. Renderers select findings and phrase them; none
decides again whether a figure is an achievement or a problem.

Modules: `schema` (a finding, its figures and comparisons, the columns),
`rules` (data/reference/findings.yaml and params.yaml `findings`, checked),
`context` (the marts of one run, indexed once), `unit` (a place reporting
under a region), `forms` (the shape of the four forms, any period),
`grades` (grades, their stability and history), `region` (the region itself
and its summaries), `compare` (a comparison's side and size, a place's
standing, the verdict), `priority` (the few main problems, 重点督办),
`follow_up` and `issued` (what the last issued report said, judged again).
"""
