"""The demo generator is seeded, and the data carry the structure the reports need."""

import shutil

import duckdb
import pytest
from conftest import REPO

from pipeline.demo import generate
from pipeline.stages.ingest import ingest


@pytest.fixture(scope="module")
def demo_root(tmp_path_factory):
    root = tmp_path_factory.mktemp("demo") / "proj"
    (root / "data").mkdir(parents=True)
    shutil.copytree(REPO / "data" / "reference", root / "data" / "reference")
    shutil.copy(REPO / "params.yaml", root / "params.yaml")
    generate(root)
    ingest(root)
    return root


def test_generator_reproduces_the_committed_files_byte_for_byte(demo_root):
    committed = sorted((REPO / "data" / "raw").glob("*/*.*"))
    assert len(committed) == 22  # 10 years x 2 regions, and 1-9月 of 2023 and 2024 for 990100
    for path in committed:
        rel = path.relative_to(REPO)
        assert (demo_root / rel).read_bytes() == path.read_bytes(), rel


def test_files_say_they_are_synthetic():
    assert "合成演示数据" in (REPO / "data/raw/README.md").read_text(encoding="utf-8")
    for path in sorted((REPO / "data" / "raw").glob("*/*.csv")):
        text = path.read_bytes()
        decoded = text.decode("utf-8-sig") if b"\xe5\x90\x88" in text else text.decode("gbk")
        assert "合成演示数据" in decoded.splitlines()[0], path


@pytest.fixture(scope="module")
def wide(demo_root):
    with duckdb.connect(str(demo_root / "data/staging/warehouse.duckdb"), read_only=True) as con:
        frame = con.sql("SELECT * FROM county_year_wide ORDER BY county_code, year").df()
        formats = con.sql("SELECT format, encoding FROM deliveries").df()
    return frame, formats


def test_demo_structure(wide):
    frame, formats = wide
    partial = frame[frame["period"] != "full_year"]
    frame = frame[frame["period"] == "full_year"]
    # a Jan-Sep delivery for 2023 and 2024 in region 990100: counts below the year's, never above
    assert set(zip(partial["year"], partial["period"], strict=True)) == {(2023, "M1-9"), (2024, "M1-9")}
    assert set(partial["county_code"].str[:4]) == {"9901"}
    both = partial.merge(frame, on=["county_code", "year"], suffixes=("_part", "_year"))
    assert (both["cases_filed_part"] < both["cases_filed_year"]).all()
    assert set(formats["format"]) == {"csv", "xlsx"}
    assert set(formats["encoding"].dropna()) == {"gb18030", "utf-8", "utf-8-sig"}
    counts = frame.groupby(frame["county_code"].str[:4])["county_code"].nunique()
    assert all(8 <= n <= 12 for n in counts)
    share = 100 * frame["new_onset_cases"] / frame["cases_filed"]
    assert share.between(20, 40).all()
    by = frame.assign(share=share).pivot(index="county_code", columns="year", values="share")
    change = by[2017] - by[2015]
    assert (change > 5).sum() >= 2 and (change < -5).sum() >= 2  # some rising, some falling
    inverted = frame["form1_persons"] < frame["form2_persons"]
    assert 2 <= inverted.sum() <= 10
    scores = frame[["econ_social_score", "integrity_satisfaction", "conduct_satisfaction",
                    "personnel_appraisal", "safety_satisfaction", "committee_appraisal"]]
    assert scores.stack().dropna().between(55, 98).all()
    optional_blank = frame.drop(columns=["reported_new_onset_share", "four_forms_total"]).isna().sum().sum()
    assert 5 <= optional_blank <= 60
    assert not ((frame["county_code"] == "990225") & (frame["year"] == 2019)).any()


def test_province_layout_is_a_seeded_project_of_its_own(tmp_path):
    """`python -m pipeline.demo --scale province` (two regions here): own divisions, params and deliveries."""
    import pandas as pd

    from pipeline.demo import generate_province

    first = generate_province(tmp_path / "a", REPO, n_regions=2)
    again = generate_province(tmp_path / "b", REPO, n_regions=2)
    assert [p.read_bytes() for p in first] == [p.read_bytes() for p in again]  # seeded: same bytes
    div = pd.read_csv(tmp_path / "a/data/reference/divisions.csv", dtype=str, keep_default_na=False)
    regions = div[div["level"] == "prefecture"]
    assert list(regions["code"]) == ["990100", "990200"] and set(regions["parent_code"]) == {"990000"}
    counties = div[div["level"] == "county"]
    assert counties["code"].is_unique and counties.groupby("parent_code").size().between(8, 14).all()
    # ten yearly files per region in the demo's mix of formats, and a 1-9月 delivery in the first region
    names = sorted(p.relative_to(tmp_path / "a/data/raw").as_posix() for p in first)
    assert len(names) == 2 * 10 + 1 and "990100/2024年1-9月.csv" in names
    assert {p.suffix for p in first} == {".csv", ".xlsx"}
    assert "合成演示数据" in (tmp_path / "a/README.md").read_text(encoding="utf-8")
    ingest(tmp_path / "a")  # the stages run there as in the repository
    with duckdb.connect(str(tmp_path / "a/data/staging/warehouse.duckdb"), read_only=True) as con:
        delivered = con.execute("SELECT count(DISTINCT county_code) FROM facts").fetchone()[0]
    assert delivered == len(counties)


def test_national_layout_codes_and_the_folder_it_will_not_overwrite(tmp_path):
    """`--scale national`: codes 99RRR0 / 99RRRC (room for 999 regions of up to 9 counties); a folder the
    generator did not make is refused before anything is written, one it made is written again."""
    import pandas as pd

    from pipeline.demo import generate_province

    written = generate_province(tmp_path / "n", REPO, n_regions=3, scale="national")
    div = pd.read_csv(tmp_path / "n/data/reference/divisions.csv", dtype=str, keep_default_na=False)
    regions = div[div["level"] == "prefecture"]
    assert list(regions["code"]) == ["990010", "990020", "990030"]
    counties = div[div["level"] == "county"]
    assert counties["code"].is_unique and counties.groupby("parent_code").size().between(5, 9).all()
    assert all(c[:5] == p[:5] for c, p in zip(counties["code"], counties["parent_code"], strict=True))
    ingest(tmp_path / "n")
    with duckdb.connect(str(tmp_path / "n/data/staging/warehouse.duckdb"), read_only=True) as con:
        assert con.execute("SELECT count(DISTINCT county_code) FROM facts").fetchone()[0] == len(counties)
    assert len(generate_province(tmp_path / "n", REPO, n_regions=3, scale="national")) == len(written)

    mine = tmp_path / "analyst"
    (mine / "data").mkdir(parents=True)
    (mine / "params.yaml").write_text("ingest: {regions: ['511100']}\n", encoding="utf-8")
    with pytest.raises(SystemExit, match="不是由 pipeline.demo 生成的"):
        generate_province(mine, REPO, n_regions=3, scale="national")
    assert sorted(p.name for p in mine.iterdir()) == ["data", "params.yaml"]
    assert (mine / "params.yaml").read_text(encoding="utf-8") == "ingest: {regions: ['511100']}\n"
