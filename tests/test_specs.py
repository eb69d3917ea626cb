"""Each stage is declared once (pipeline/specs.py): dvc.yaml, the stage caches and the reuse keys read it;
the formats registry (pipeline/report/formats) is checked before any kernel starts."""

from __future__ import annotations

import dataclasses

import pytest
import yaml
from conftest import REPO

from pipeline import specs
from pipeline.errors import ConfigError


def test_dvc_yaml_is_the_one_generated_from_the_specs():
    committed = (REPO / "dvc.yaml").read_text(encoding="utf-8")
    assert committed == specs.dvc_yaml(), "dvc.yaml is out of date: python -m pipeline.specs --write"


def test_a_read_added_to_a_spec_reaches_dvc_yaml_and_the_cache_salt(monkeypatch):
    """Negative control: one file more in the findings spec changes its dvc.yaml deps and its reference files."""
    findings = specs.spec("findings")
    wider = dataclasses.replace(findings, reads=(*findings.reads, "data/reference/extra.yaml"))
    monkeypatch.setattr(specs, "SPECS", tuple(wider if s.name == "findings" else s for s in specs.SPECS))
    stages = yaml.safe_load(specs.dvc_yaml())["stages"]
    assert "data/reference/extra.yaml" in stages["findings"]["deps"]
    assert "data/reference/extra.yaml" not in stages["notebooks"]["deps"]
    assert REPO / "data/reference/extra.yaml" in specs.reference_files("findings", REPO)


def test_code_deps_follow_the_imports_from_the_command_and_the_notebooks():
    deps = specs.code_deps(specs.spec("notebooks"))
    # the stage's entry (python -m runs __main__), a module only the notebooks import, the formats folder
    assert "pipeline/report/notebooks/__main__.py" in deps and "pipeline/report/views.py" in deps
    assert "pipeline/report/formats" in deps and "pipeline/report/formats/page.py" not in deps
    # what a format's module imports (only there, inside its entry point) is followed too: the workbook's
    # layout was missed, so an edit to it left every workbook stale
    assert "pipeline/report/workbook.py" in deps
    # a data stage does not depend on rendering code
    assert not [d for d in specs.code_deps(specs.spec("findings")) if d.startswith("pipeline/report")]


def test_cache_settings_are_the_params_the_spec_names():
    params = yaml.safe_load((REPO / "params.yaml").read_text(encoding="utf-8"))
    chosen = specs.settings("findings", params)
    assert set(chosen) == {"ingest.first_year", "ingest.last_year", "report.year", "report.sections",
                           "evaluation.grades.labels", "findings"}  # ingest.regions keys each part, not the salt
    assert chosen["report.year"] == params["report"]["year"]
    # the evaluation of a region does not depend on the report year (only the stage's metrics do): a sweep over
    # report years reads every region back; a weight changes every region's salt
    assert set(specs.settings("evaluate", params)) == {"evaluation"}
    other_year = {**params, "report": {**params["report"], "year": 1999}}
    assert specs.settings("evaluate", other_year) == specs.settings("evaluate", params)
    heavier = {**params, "evaluation": {**params["evaluation"], "weights": {"econ_social_score": 9}}}
    assert specs.settings("evaluate", heavier) != specs.settings("evaluate", params)


def test_formats_each_registered_once_with_one_entry_point():
    from pipeline.report.formats import registry

    formats = registry()
    assert list(formats) == ["page", "writeup_md", "writeup", "notice", "workbook"]
    assert formats["notice"].files == {"county": "notice.docx"}
    assert formats["workbook"].files == {"region": "workbook.xlsx"}


@pytest.mark.parametrize(("modules", "says"), [
    (("page", "writeup_md", "page"), "格式模块「page」登记了两次"),
    (("page", "pdf"), "登记的格式模块「pdf」不存在"),
])
def test_a_format_registered_twice_or_missing_stops_before_any_kernel(modules, says):
    from pipeline.report.formats import registry

    with pytest.raises(ConfigError) as err:
        registry(modules)
    assert says in str(err.value) and "pipeline/report/formats/__init__.py" in str(err.value)


def test_the_notebooks_stage_refuses_a_bad_registry_before_starting_a_kernel(monkeypatch, tmp_path, capsys):
    from pipeline.report import formats
    from pipeline.report.notebooks import execute, stage

    monkeypatch.setattr(formats, "MODULES", ("page", "page"))
    monkeypatch.setattr(stage, "_end_with_parent", lambda: None)
    started = []
    monkeypatch.setattr(execute, "run_all", lambda *a, **k: started.append(a) or [])
    monkeypatch.setattr(stage, "run_all", lambda *a, **k: started.append(a) or [])
    monkeypatch.setenv("POLIECO_ROOT", str(REPO))
    with pytest.raises(SystemExit):
        stage.run(False)
    assert "格式模块「page」登记了两次" in capsys.readouterr().err and not started
