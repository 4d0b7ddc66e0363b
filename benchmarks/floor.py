"""The one-scan floor: a single DuckDB aggregate query that reads every column the evaluation reads.

No evaluation over the same data can be faster than reading its inputs once; a one-pass engine
costs about one such scan. The floor groups each table by shop (the grain of almost every output)
and counts every column the rule queries use, so each value is decoded once and nothing else is
computed. Which columns: every canonical column named in a query file under
`tt_analytics/queries/`, for each canonical table that file reads (parsed with sqlglot, the
parser the project already uses for Spark transpilation). Before any query file exists, every
column of the tables below is used.
"""
from __future__ import annotations

import json
from pathlib import Path

import sqlglot
from sqlglot import exp

from tt_analytics import catalog, schema
from tt_analytics.evaluate import QUERIES_DIR

# Tables the evaluation reads; the floor scans only these (the small reference tables such as
# sla_extensions or seller_identities are part of it too, they cost nothing).
TABLES = [t for t in schema.TABLES]


def columns_read(queries_dir: Path = QUERIES_DIR) -> dict[str, list[str]]:
    """Canonical table -> the canonical columns the query files read from it (schema order)."""
    used: dict[str, set[str]] = {}
    files = sorted(queries_dir.rglob("*.sql")) if queries_dir.is_dir() else []
    for f in files:
        text = f.read_text(encoding="utf-8")
        try:
            trees = sqlglot.parse(text, read="duckdb")
        except sqlglot.errors.ParseError:
            continue  # a file sqlglot cannot read is covered by the fallback below
        for tree in trees:
            if tree is None:
                continue
            tables = {t.name for t in tree.find_all(exp.Table) if t.name in schema.TABLES}
            names = {c.name for c in tree.find_all(exp.Column)}
            for t in tables:
                used.setdefault(t, set()).update(n for n in names if n in schema.TABLES[t].names)
    if not used:  # no parsable query files yet: read everything
        return {t: list(schema.TABLES[t].names) for t in TABLES}
    return {t: [c for c in schema.TABLES[t].names if c in cols]
            for t, cols in used.items() if cols}


def floor_sql(columns: dict[str, list[str]]) -> str:
    """One statement: for each table, count every used column per shop, then sum up."""
    parts = []
    for i, (table, cols) in enumerate(columns.items()):
        counts = ", ".join(f"count({c}) AS c{j}" for j, c in enumerate(cols))
        has_shop = "shop_id" in schema.TABLES[table].names
        inner = (f"SELECT shop_id, count(*) AS n, {counts} FROM {table} GROUP BY shop_id" if has_shop
                 else f"SELECT count(*) AS n, {counts} FROM {table}")
        total = " + ".join(f"sum(c{j})" for j in range(len(cols)))
        parts.append(f"(SELECT sum(n) AS rows_{i}, {total} AS values_{i} FROM ({inner})) AS t{i}")
    return "SELECT * FROM " + " CROSS JOIN ".join(parts)


def connect(data_dir: str | Path):
    """A connection over `data_dir` on which the floor's counts read their columns. DuckDB's
    statistics propagation would answer `count(col)` from the Parquet metadata when a column has
    no nulls and then not read the column at all (at 10M, the floor read no value of order_lines
    and 1.1 s was mostly row counts); without it each counted value is decoded once, which is
    what the floor stands for. Returns (connection, sources)."""
    con = catalog.connect()
    con.execute("SET disabled_optimizers = 'statistics_propagation'")
    return con, catalog.attach(con, data_dir)


def scanned_columns(con, sql: str) -> list[list[str]]:
    """The columns each Parquet scan of `sql`'s plan reads (EXPLAIN), to check the floor's reads."""
    def scans(node: dict):
        if node.get("name") == "READ_PARQUET":
            yield list(node.get("extra_info", {}).get("Projections") or [])
        for child in node.get("children", []):
            yield from scans(child)
    plan = json.loads(con.execute("EXPLAIN (FORMAT JSON) " + sql).fetchall()[0][1])
    return [cols for root in plan for cols in scans(root)]


def run(data_dir: str | Path, columns: dict[str, list[str]] | None = None) -> dict:
    """Run the floor scan over `data_dir` (canonical Parquet) and say what it read."""
    columns = columns or columns_read()
    con, sources = connect(data_dir)
    columns = {t: c for t, c in columns.items() if t in sources}
    row = con.execute(floor_sql(columns)).fetchone()
    rows = int(sum(row[0::2]))
    values = int(sum(row[1::2]))
    return {"rows_read": rows, "values_read": values, "columns": columns}
