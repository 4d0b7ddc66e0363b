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
