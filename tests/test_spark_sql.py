"""The Spark engine's SQL side, without a SparkSession: parameters become literals of the parsed
tree (a value cannot change the statement), and the rule SQL of the families verified on Spark
transpiles without functions that exist in DuckDB only."""
from __future__ import annotations

import datetime as dt
import re

import pytest
import sqlglot

from tt_analytics.engines.spark import SparkQueryError, transpile
from tt_analytics.evaluate import QUERIES_DIR

# families whose outputs are compared on both engines (tests/test_spark_golden.py, test_spark_fraud.py)
SPARK_FAMILIES = ["tiktok", "douyin", "flash_sales", "fraud"]
# DuckDB functions sqlglot passes through unchanged and Spark does not have
DUCKDB_ONLY = ["TO_HOURS", "TO_DAYS", "TO_MINUTES", "TO_SECONDS", "EPOCH", "EPOCH_US", "EPOCH_MS",
               "LIST_HAS_ALL", "LIST_HAS_ANY", "LIST_INTERSECT", "MAD", "TIMEZONE", "STRPTIME"]


def test_a_string_parameter_stays_one_literal():
    evil = "x' OR '1'='1 \\' --"
    sql = transpile("SELECT * FROM shops WHERE shop_id = $shop", {"shop": evil})
    tree = sqlglot.parse_one(sql, read="spark")
    where = tree.args["where"].this
    assert isinstance(where, sqlglot.exp.EQ)  # still one comparison, no OR smuggled in
    assert where.expression.this == evil


def test_values_of_each_type_bind_as_duckdb_types_them():
    sql = transpile("SELECT $d, $t, $f, $i, $b, $l, $e, $n",
                    {"d": dt.date(2026, 11, 20),
                     "t": dt.datetime(2026, 11, 20, 8, tzinfo=dt.timezone(dt.timedelta(hours=8))),
                     "f": 0.025, "i": 3, "b": True, "l": ["US", "UK"], "e": [], "n": None})
    assert "CAST('2026-11-20' AS DATE)" in sql
    assert "CAST('2026-11-20 00:00:00' AS TIMESTAMP)" in sql  # an instant, written in UTC
    assert "CAST(0.025 AS DOUBLE)" in sql  # a float is DOUBLE, as DuckDB binds it, not DECIMAL
    assert "ARRAY('US', 'UK')" in sql and "CAST(ARRAY() AS ARRAY<STRING>)" in sql
    assert transpile("SELECT $w", {"w": ["good", 5]}) == "SELECT ARRAY('good', '5')"  # a YAML list of words
    assert ", 3, TRUE," in sql and sql.endswith("NULL")


def test_positional_parameters_and_missing_ones():
    assert transpile("SELECT * FROM t WHERE a <= ?", [dt.date(2026, 1, 2)]).endswith("CAST('2026-01-02' AS DATE)")
    with pytest.raises(SparkQueryError, match="needs parameters"):
        transpile("SELECT $a")
    with pytest.raises(SparkQueryError, match="cannot bind"):
        transpile("SELECT $a", {"a": {"not": "a scalar"}})


@pytest.mark.parametrize("path", sorted(p for f in SPARK_FAMILIES for p in (QUERIES_DIR / f).glob("*.sql")),
                         ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_rule_sql_transpiles_without_duckdb_only_functions(path):
    text = path.read_text(encoding="utf-8")
    names = set(re.findall(r"\$([A-Za-z_][A-Za-z0-9_]*)", re.sub(r"--[^\n]*", "", text)))
    sql = transpile(text, {n: 1 for n in names})
    used = {m.upper() for m in re.findall(r"\b([A-Za-z_][A-Za-z0-9_]*)\s*\(", sql)}
    assert not used & set(DUCKDB_ONLY), f"{path.name}: DuckDB-only functions {sorted(used & set(DUCKDB_ONLY))}"
    # Spark's INTERVAL takes a literal only: `INTERVAL ($n) DAY` must be `$n * INTERVAL 1 DAY`
    assert not re.search(r"INTERVAL\s*\(", sql), f"{path.name}: INTERVAL with an expression"
    assert "MATERIALIZED" not in re.sub(r"/\*.*?\*/", "", sql, flags=re.S), f"{path.name}: CTE hint Spark cannot parse"


def test_duckdb_constructs_are_rewritten_to_what_gives_duckdbs_result_on_spark():
    sql = transpile("WITH w AS MATERIALIZED (SELECT 1 AS x) SELECT date_diff('hour', a, b), to_minutes(CAST($n AS BIGINT)), "
                    "to_days(k), epoch(t), list_intersect(p, q), list_has_all(p, ['x']) FROM w", {"n": 60})
    # hour boundaries crossed (DuckDB), not whole hours elapsed (Spark's DATEDIFF(HOUR, ...))
    assert "FLOOR(UNIX_MICROS(CAST(b AS TIMESTAMP)) / 3600000000)" in sql and "DATEDIFF" not in sql
    assert "INTERVAL '60' MINUTE" in sql  # a literal: Spark takes only that as a window frame bound
    assert "((k) * INTERVAL '1' DAY)" in sql
    assert "CAST(UNIX_MICROS(CAST(t AS TIMESTAMP)) AS DOUBLE) / 1000000.0" in sql  # fractions of a second kept
    assert "ARRAY_INTERSECT(p, q)" in sql and "(SIZE(ARRAY_EXCEPT(ARRAY('x'), p)) = 0)" in sql
    assert sql.startswith("WITH w AS (SELECT")
