"""benchmarks/tile.py: the 100M benchmark set is ten disjoint copies of the 10M synthetic set.

The copies must be faithful (each copy's shops get exactly the source's rule outputs) and disjoint
(no identifier, identity or tracking number shared between copies, while a number reused inside
the source stays reused inside each copy), or the 100M measurements would not be measuring the
same work ten times over.
"""
from __future__ import annotations

import datetime as dt
import importlib
import sys
from pathlib import Path

import duckdb
import polars as pl
import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.tile import tile  # noqa: E402
from tt_analytics import catalog, params  # noqa: E402
from tt_analytics.synth import synthesize  # noqa: E402
from tt_analytics.synth.tracking import is_wellformed  # noqa: E402

AS_OF = dt.date(2026, 11, 20)


@pytest.fixture(scope="module")
def tiled(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("tile")
    src, dest = tmp / "src", tmp / "dest"
    synthesize(src, shops=12, orders=6_000, seed=3, as_of=AS_OF, progress=False)
    rows = tile(src, dest, 3, progress=False)
    return src, dest, rows


def _orders(folder: Path) -> pl.DataFrame:
    return duckdb.sql(f"SELECT * FROM read_parquet('{folder}/orders/*.parquet')").pl()


def test_every_table_is_copied_three_times(tiled):
    src, dest, rows = tiled
    con = duckdb.connect()
    for table, n in rows.items():
        if table in ("fake_orders", "situations"):
            continue
        one = src / f"{table}.parquet" if (src / f"{table}.parquet").exists() else src / table / "*.parquet"
        assert n == 3 * con.execute(f"SELECT count(*) FROM read_parquet('{one}')").fetchall()[0][0], table
    assert (dest / "sla_extensions.parquet").exists()  # region-level: copied once


def test_copies_are_disjoint_and_tracking_numbers_stay_wellformed(tiled):
    src, dest, _ = tiled
    a, b = _orders(src), _orders(dest)
    assert b["order_id"].n_unique() == 3 * a.height
    assert b["shop_id"].n_unique() == 3 * a["shop_id"].n_unique()
    for col in ("buyer_id", "ship_to_address_hash", "buyer_device_hash"):
        assert b[col].drop_nulls().n_unique() == 3 * a[col].drop_nulls().n_unique(), col
    # numbers: as many distinct per copy as in the source (reuse kept), none shared between copies
    assert b["tracking_number"].drop_nulls().n_unique() == 3 * a["tracking_number"].drop_nulls().n_unique()
    ok = lambda df: sum(is_wellformed(c, n) for c, n in df.drop_nulls(["carrier", "tracking_number"])
                        .select("carrier", "tracking_number").iter_rows())
    copy2 = b.filter(pl.col("order_id").str.ends_with("-T2"))
    assert ok(copy2) == ok(a)  # the planted malformed numbers are malformed again, the rest well-formed
    events = duckdb.sql(f"SELECT count(*) FROM read_parquet('{dest}/tracking_events/*.parquet') e "
                        f"JOIN read_parquet('{dest}/orders/*.parquet') o USING (tracking_number)").fetchall()[0][0]
    assert events > 0


def test_each_copy_gets_the_source_rule_outputs(tiled):
    src, dest, _ = tiled
    ev = importlib.import_module("tt_analytics.evaluate")
    prm = params.load(AS_OF)

    def run(folder):
        con = catalog.connect()
        catalog.attach(con, folder)
        return ev.run(con, AS_OF, prm, ["metrics", "star_shop"])

    a, b = run(src), run(dest)
    for name in ("metrics", "star_shop"):
        x = a[name]
        got = (b[name].filter(pl.col("shop_id").str.ends_with("-T1"))
               .with_columns(pl.col("shop_id").str.replace("-T1$", "")).select(x.columns))
        assert got.height == x.height > 0
        assert got.sort(x.columns).equals(x.sort(x.columns)), name
