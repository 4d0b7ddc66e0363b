"""FRAUDAR greedy peeling and buyer groups on planted structures."""
from __future__ import annotations

import numpy as np
import polars as pl

from tt_analytics.fraud import fraudar, groups


def planted(seed: int, camouflage: bool):
    rng = np.random.default_rng(seed)
    n_rows, n_cols = 600, 300
    noise = rng.random((n_rows, n_cols)) < 0.01
    block_rows, block_cols = np.arange(40), np.arange(20)
    dense = rng.random((40, 20)) < 0.6
    noise[np.ix_(block_rows, block_cols)] |= dense
    if camouflage:  # FRAUDAR's protocol: each fake row also links to as many random other columns
        for r in block_rows:
            noise[r, rng.choice(np.arange(20, n_cols), size=int(dense[r].sum()), replace=False)] = True
    r, c = np.nonzero(noise)
    popularity = noise.sum(axis=0)[c]
    return r, c, popularity, n_rows, n_cols, set(block_rows), set(block_cols)


def test_peeling_finds_a_planted_dense_block_in_noise():
    for camouflage in (False, True):
        r, c, pop, n_rows, n_cols, true_rows, true_cols = planted(7, camouflage)
        [b] = fraudar.blocks(r, c, pop, n_rows, n_cols, c=5, max_blocks=1)
        found = set(b.rows.tolist())
        precision = len(found & true_rows) / len(found)
        recall = len(found & true_rows) / len(true_rows)
        assert precision >= 0.9 and recall >= 0.9, (camouflage, precision, recall)
        assert len(set(b.cols.tolist()) & true_cols) >= 18
        assert b.density > 0.4


def test_peeling_objective_is_the_best_prefix():
    # a complete 5 x 5 block plus a sparse tail: the block (g = 25 w / 10) beats the whole graph
    rows = [i for i in range(5) for _ in range(5)] + [5, 6, 7]
    cols = [j for _ in range(5) for j in range(5)] + [5, 6, 7]
    b = fraudar.peel(np.array(rows), np.array(cols), np.ones(len(rows)), 8, 8)
    assert sorted(b.rows.tolist()) == [0, 1, 2, 3, 4] and sorted(b.cols.tolist()) == [0, 1, 2, 3, 4]
    assert b.density == 1.0 and abs(b.score - 2.5) < 1e-9


def test_popular_columns_weigh_less():
    w = fraudar.column_weights(np.array([1, 100, 10_000]), c=5)
    assert w[0] > w[1] > w[2] and abs(w[0] - 1 / np.log(6)) < 1e-12


def test_accept_stops_the_search():
    rows = np.array([i for i in range(5) for _ in range(5)])
    cols = np.array([j for _ in range(5) for j in range(5)])
    assert fraudar.blocks(rows, cols, np.full(25, 5), 5, 5, accept=lambda b: len(b.rows) >= 6) == []


def test_buyer_groups_are_connected_components_of_shared_identifiers():
    buyers = pl.Series(["a", "b", "c", "d", "e"])
    links = pl.DataFrame({"buyer_id": ["a", "b", "b", "c", "e"],
                          "identifier": ["address:1", "address:1", "device:9", "device:9", "phone:5"]})
    g = dict(groups.buyer_groups(buyers, links).iter_rows())
    assert g["a"] == g["b"] == g["c"] == "a"  # a-b share an address, b-c a device: one group
    assert g["d"] == "d" and g["e"] == "e"


def test_peeling_removes_a_least_weighted_node_at_every_step():
    # reference: one node at a time on a dense matrix; the compiled peel must remove, at every step,
    # a node of least weighted degree (ties allowed) and report the best prefix's g = f / |S|
    rng = np.random.default_rng(3)
    for t in range(60):
        n_rows, n_cols, m = int(rng.integers(1, 40)), int(rng.integers(1, 20)), int(rng.integers(1, 120))
        r, c = rng.integers(0, n_rows, m), rng.integers(0, n_cols, m)
        w = rng.choice([1.0, 0.5, 1 / np.log(7)], m) if t % 2 else rng.random(m)
        block, order = fraudar._peel(r, c, w, n_rows, n_cols)
        dense = np.zeros((n_rows, n_cols))
        np.add.at(dense, (r, c), w)
        alive = np.ones(n_rows + n_cols, dtype=bool)
        best = dense.sum() / (n_rows + n_cols)
        assert sorted(order.tolist()) == list(range(n_rows + n_cols))
        for node in order:
            degree = np.r_[dense[:, alive[n_rows:]].sum(axis=1), dense[alive[:n_rows], :].sum(axis=0)]
            assert degree[node] <= degree[alive].min() + 1e-9
            alive[node] = False
            if alive.any():
                best = max(best, dense[np.ix_(alive[:n_rows], alive[n_rows:])].sum() / alive.sum())
        assert abs(block.score - best) < 1e-9


def test_shop_blocks_takes_one_shops_edges_with_ids_in_any_order():
    r, c, pop, n_rows, n_cols, true_rows, true_cols = planted(11, camouflage=True)
    groups = np.array([f"g{i:04d}" for i in r])
    products = np.array([f"p{j:03d}" for j in c])
    cells = fraudar.shop_blocks(groups, products, pop, c=5, max_blocks=1, min_groups=5, min_products=3,
                                min_density=0.3)
    shuffle = np.random.default_rng(0).permutation(len(r))
    again = fraudar.shop_blocks(groups[shuffle], products[shuffle], pop[shuffle], c=5, max_blocks=1, min_groups=5,
                                min_products=3, min_density=0.3)
    assert cells.sort("group_id", "product_id").equals(again.sort("group_id", "product_id"))
    found = {int(g[1:]) for g in cells["group_id"].unique()}
    assert len(found & true_rows) >= 0.9 * len(true_rows) and len(found - true_rows) <= 0.1 * len(found)
    assert set(cells.columns) == set(fraudar.CELL_SCHEMA) and cells["block"].unique().to_list() == [0]
    assert cells.height == cells["n_groups"][0] * cells["n_products"][0]
    none = fraudar.shop_blocks(groups, products, pop, min_groups=len(true_rows) * 10)
    assert none.height == 0 and none.schema == pl.Schema(fraudar.CELL_SCHEMA)
