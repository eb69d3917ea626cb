"""Ask one's own question of the warehouse: the exploration notebook's helpers.

`connect()` opens data/warehouse.duckdb read-only (nothing an analyst types
can change it or a report) and adds every mart of data/marts/ as a view of
the same name, so facts, measures, evaluation and findings join in one SQL.
Values are passed as bound parameters (`con.execute(sql, [value, ...])`).
"""

from __future__ import annotations

import duckdb
import pandas as pd

from pipeline.config import Paths, find_root, load_params
from pipeline.marts import ALL, mart_path

# what each table holds, for the list `tables()` prints
ABOUT = {
    "facts": "报送的每一个数值：县区、年度、指标、数值，及来源文件、行、单元格",
    "county_year_wide": "每县区每年度一行、每指标一列（facts 的宽表视图）",
    "divisions": "区划表：代码、名称、级别、上级",
    "deliveries": "每个报送文件：编码、表头所在行、数据行数",
    "indicators": "指标目录：代码、中文名、单位、类型",
    "county_year_measures": "县区各年度的计算指标（新发生案件占比、四种形态占比、同比……）",
    "region_year_measures": "地区各年度的计算指标",
    "evaluation": "综合评价：指数、位次、等次、等次概率",
    "findings": "结论：每条成绩、问题和说明（报告据此措辞）",
    "warnings": "预警：规则、严重程度、依据",
    "national_benchmark": "全国公开数据（中央纪委国家监委通报），带出处",
    "evaluation_indicators": "综合评价各指标的原值、处理后值和标准化得分",
    "evaluation_weights": "综合评价的权重",
    "evaluation_contributions": "失分分析：各指标得分和失分",
    "evaluation_adjustments": "扣分和等次封顶",
    "evaluation_audit": "评价方法的审计：偏度、峰度、缩尾、信度",
    "evaluation_coherence": "评价指标之间和与指数的相关",
    "evaluation_sensitivity": "敏感性分析（Sobol 指数）",
    "evaluation_treatment": "极端值处理的记录",
}


def connect(root=None) -> duckdb.DuckDBPyConnection:
    """The warehouse, read-only, with every mart as a view named as the mart."""
    root = root or find_root()
    con = duckdb.connect(str(Paths(root).warehouse), read_only=True)
    for name in ALL:
        path = mart_path(root, name)
        if path.exists():
            con.register(name, con.read_parquet(str(path)))
    return con


def tables(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Every table and view with its row count and what it holds."""
    names = con.execute("SELECT table_name FROM information_schema.tables ORDER BY table_name").fetchall()
    rows = []
    for (name,) in names:
        count = con.execute(f'SELECT count(*) FROM "{name}"').fetchone()[0]  # names from the catalog above
        rows.append({"表": name, "行数": count, "内容": ABOUT.get(name, "")})
    return pd.DataFrame(rows)


def regions(root=None) -> list[str]:
    """The regions params.yaml loads, so the notebook's examples start on one's own data."""
    return [str(r) for r in load_params(root or find_root())["ingest"]["regions"]]
