"""FRAUDAR (Hooi et al., KDD 2016): densest-block search by greedy peeling, camouflage-resistant.

The graph is bipartite (rows: buyer groups, columns: products of one shop). Every edge (i, j)
weighs `1 / log(d_j + c)` where `d_j` is the product's number of buyer groups in the whole shop,
so edges to popular products (which camouflage edges and honest buyers pile onto) count little.
The suspiciousness of a node set S is g(S) = f(S) / |S| with f the total edge weight inside S.
Greedy peeling removes, one at a time, the node whose removal loses the least weight, and keeps
the prefix with the highest g; this is a 2-approximation of the optimum and, with column
weights of this form, camouflage cannot lower the fraud block's score (their Theorem 2).

Vectorised inside: sparse matrices for the adjacency and batched removals (`_peel`): the same
order as removing one node at a time with a priority queue, found a batch at a time with array
operations, so the Python loop runs once per switch between the row and the column side, not once
per node.

`shop_blocks` is the per-shop entry point (one shop's buyer-group x product edges in, block cells
out), for the DuckDB driver in fraud/__init__.py and for engines that run it per shop.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import polars as pl
import scipy.sparse as sp


@dataclass
class Block:
    rows: np.ndarray  # row indices in the block
    cols: np.ndarray  # column indices in the block
    score: float  # g(S) = f(S) / |S|
    edges: int  # unweighted edges inside the block

    @property
    def density(self) -> float:
        cells = len(self.rows) * len(self.cols)
        return self.edges / cells if cells else 0.0


def column_weights(popularity: np.ndarray, c: float = 5.0) -> np.ndarray:
    """FRAUDAR's column weight 1 / log(x + c): popular columns count less."""
    return 1.0 / np.log(np.asarray(popularity, dtype=float) + c)


def peel(rows: np.ndarray, cols: np.ndarray, weights: np.ndarray, n_rows: int, n_cols: int) -> Block:
    """The densest block (by g = f / |S|) found by greedy peeling of the weighted bipartite graph."""
    return _peel(rows, cols, weights, n_rows, n_cols)[0]


def ranking(rows: np.ndarray, cols: np.ndarray, popularity: np.ndarray, n_rows: int, n_cols: int,
            c: float = 5.0) -> np.ndarray:
    """Row indices ordered most suspicious first: the reverse of the order peeling removes them
    (the last rows standing form the densest core)."""
    _, removed = _peel(rows, cols, column_weights(popularity, c), n_rows, n_cols)
    order = removed[::-1]
    return order[order < n_rows]


def _peel(rows, cols, weights, n_rows, n_cols) -> tuple[Block, np.ndarray]:
    """Greedy peeling: the best-prefix block and the removal order (node ids: rows 0..n_rows-1,
    columns n_rows..n_rows+n_cols-1).

    Same order as one-node-at-a-time peeling with a priority queue (the node with the least
    weighted degree goes first; ties: rows before columns, then lower index), done in batches:
    removing a row changes only column priorities (and vice versa), so while the minimum is on one
    side the nodes of that side leave in order of their (fixed) priorities, until a node of the
    other side, whose priority those removals lower, becomes the minimum. Each batch is found with
    array operations: running minimum of the other side's priorities after each removal."""
    rows = np.asarray(rows, dtype=np.int64)
    cols = np.asarray(cols, dtype=np.int64)
    weights = np.asarray(weights, dtype=float)
    n = n_rows + n_cols
    if n == 0 or len(rows) == 0:
        return Block(np.array([], int), np.array([], int), 0.0, 0), np.array([], dtype=np.int64)
    a = sp.csr_matrix((weights, (rows, cols)), shape=(n_rows, n_cols))
    a.sum_duplicates()
    at = a.T.tocsr()
    adj = (a, at)
    priority = (np.asarray(a.sum(axis=1)).ravel(), np.asarray(at.sum(axis=1)).ravel())
    alive = (np.ones(n_rows, dtype=bool), np.ones(n_cols, dtype=bool))
    left = [n_rows, n_cols]
    offset = (0, n_rows)
    total = float(a.data.sum())
    size = n
    best_score, best_removed = total / size, 0
    removed: list[np.ndarray] = []
    n_removed = 0
    while left[0] + left[1]:
        alive_ids = [np.flatnonzero(alive[s]) if left[s] else None for s in (0, 1)]
        lowest = [priority[s][alive_ids[s]].min() if left[s] else np.inf for s in (0, 1)]
        x = 0 if lowest[0] <= lowest[1] else 1  # the side of the minimum (rows win ties)
        y = 1 - x
        px_all = priority[x][alive_ids[x]]
        # only nodes at or below the other side's current minimum can leave in this batch (that
        # minimum only falls as the batch goes on)
        maybe = px_all <= lowest[y] if x == 0 else px_all < lowest[y]
        cand = alive_ids[x][maybe]
        order = cand[np.argsort(priority[x][cand], kind="stable")]
        px = priority[x][order]
        # the candidates' edges to live nodes of the other side, in removal order
        m = adj[x]
        starts, deg = m.indptr[order], np.diff(m.indptr)[order]
        pos = np.repeat(np.arange(len(order)), deg)
        edge = np.arange(deg.sum()) - np.repeat(np.cumsum(deg) - deg, deg) + np.repeat(starts, deg)
        ys, ws = m.indices[edge], m.data[edge]
        live = alive[y][ys]
        pos, ys, ws = pos[live], ys[live], ws[live]
        # priority of each touched node after each edge removal (grouped by node, in order)
        by_node = np.argsort(ys, kind="stable")
        ys_s, ws_s = ys[by_node], ws[by_node]
        csum = np.cumsum(ws_s)
        first = np.diff(ys_s, prepend=-1) != 0
        base = np.repeat(csum[first] - ws_s[first], np.diff(np.append(np.flatnonzero(first), len(ys_s))))
        after = priority[y][ys_s] - (csum - base)
        # the other side's minimum before removal k: running minimum over earlier removals
        low = np.full(len(order) + 1, lowest[y])
        np.minimum.at(low, pos[by_node] + 1, after)
        low = np.minimum.accumulate(low)[:-1]
        ok = px <= low if x == 0 else px < low
        k = len(order) if ok.all() else int(np.argmin(ok))
        gone, gone_p = order[:k], px[:k]
        # best prefix g = f / |S| over the removals of this batch
        totals = total - np.cumsum(gone_p)
        sizes = size - np.arange(1, k + 1)
        if k and sizes[0] > 0:
            valid = sizes > 0
            g = np.where(valid, totals / np.where(valid, sizes, 1), -np.inf)
            j = int(np.argmax(g))
            if g[j] > best_score + 1e-12:
                best_score, best_removed = float(g[j]), n_removed + j + 1
        total = float(totals[-1]) if k else total
        size -= k
        n_removed += k
        alive[x][gone] = False
        left[x] -= k
        keep = pos < k
        np.subtract.at(priority[y], ys[keep], ws[keep])
        removed.append(gone + offset[x])
    order_all = np.concatenate(removed) if removed else np.array([], dtype=np.int64)
    in_block = np.ones(n, dtype=bool)
    in_block[order_all[:best_removed]] = False
    block_rows = np.flatnonzero(in_block[:n_rows])
    block_cols = np.flatnonzero(in_block[n_rows:])
    sub = a[block_rows][:, block_cols]
    return Block(block_rows, block_cols, best_score, int(sub.nnz)), order_all


def blocks(rows: np.ndarray, cols: np.ndarray, popularity: np.ndarray, n_rows: int, n_cols: int,
           c: float = 5.0, max_blocks: int = 1, accept=None) -> list[Block]:
    """Up to `max_blocks` blocks, each found after removing the rows of the previous ones.

    `popularity[k]` is the popularity of edge k's column; `accept(block)` decides whether a block
    is kept (the search stops at the first block that is not)."""
    rows = np.asarray(rows, dtype=np.int64)
    cols = np.asarray(cols, dtype=np.int64)
    w = column_weights(popularity, c)
    found: list[Block] = []
    active = np.ones(len(rows), dtype=bool)
    for _ in range(max_blocks):
        if not active.any():
            break
        b = peel(rows[active], cols[active], w[active], n_rows, n_cols)
        if len(b.rows) == 0 or (accept is not None and not accept(b)):
            break
        found.append(b)
        active &= ~np.isin(rows, b.rows)
    return found


CELL_SCHEMA = {"block": pl.Int64, "group_id": pl.Utf8, "product_id": pl.Utf8, "n_groups": pl.Int64,
               "n_products": pl.Int64, "density": pl.Float64}


def acceptor(min_groups: int, min_products: int, min_density: float):
    """The test a block must pass to be reported (and for the search in a shop to go on)."""
    return lambda b: len(b.rows) >= min_groups and len(b.cols) >= min_products and b.density >= min_density


def shop_block_codes(group_codes: np.ndarray, product_codes: np.ndarray, product_groups: np.ndarray,
                     n_groups: int, n_products: int, *, c: float = 5.0, max_blocks: int = 3,
                     min_groups: int = 5, min_products: int = 3, min_density: float = 0.5) -> list[Block]:
    """One shop's accepted dense blocks, on integer codes (group code = row, product code = column)."""
    return blocks(group_codes, product_codes, product_groups, n_groups, n_products, c=c,
                  max_blocks=max_blocks, accept=acceptor(min_groups, min_products, min_density))


def shop_blocks(group_ids, product_ids, product_groups, *, c: float = 5.0, max_blocks: int = 3,
                min_groups: int = 5, min_products: int = 3, min_density: float = 0.5) -> pl.DataFrame:
    """One shop's dense blocks from its candidate edges (as dense_block_edges.sql gives them: one
    (buyer group, product) edge per row and the product's number of buyer groups in the shop).

    Returns one row per cell of every accepted block (`CELL_SCHEMA`: block number, group_id,
    product_id, the block's groups, products and density), empty if none. Groups and products are
    numbered in sorted order, so the result does not depend on the order of the edges."""
    g_ids, g_codes = np.unique(np.asarray(group_ids, dtype=object).astype(str), return_inverse=True)
    p_ids, p_codes = np.unique(np.asarray(product_ids, dtype=object).astype(str), return_inverse=True)
    found = shop_block_codes(g_codes, p_codes, np.asarray(product_groups, dtype=float), len(g_ids), len(p_ids),
                             c=c, max_blocks=max_blocks, min_groups=min_groups, min_products=min_products,
                             min_density=min_density)
    return block_cells([(k, b, g_ids, p_ids) for k, b in enumerate(found)])


def block_cells(found: list[tuple[int, Block, np.ndarray, np.ndarray]]) -> pl.DataFrame:
    """Cells (group x product) of blocks given as (block number, block, group ids, product ids)."""
    parts = []
    for k, b, g_ids, p_ids in found:
        rows, cols = np.meshgrid(b.rows, b.cols, indexing="ij")
        parts.append(pl.DataFrame({"block": np.full(rows.size, k, dtype=np.int64),
                                   "group_id": g_ids[rows.ravel()], "product_id": p_ids[cols.ravel()],
                                   "n_groups": np.full(rows.size, len(b.rows), dtype=np.int64),
                                   "n_products": np.full(rows.size, len(b.cols), dtype=np.int64),
                                   "density": np.full(rows.size, round(b.density, 2))}, schema=CELL_SCHEMA))
    return pl.concat(parts) if parts else pl.DataFrame(schema=CELL_SCHEMA)
