"""FRAUDAR (Hooi et al., KDD 2016): densest-block search by greedy peeling, camouflage-resistant.

The graph is bipartite (rows: buyer groups, columns: products of one shop). Every edge (i, j)
weighs `1 / log(d_j + c)` where `d_j` is the product's number of buyer groups in the whole shop,
so edges to popular products (which camouflage edges and honest buyers pile onto) count little.
The suspiciousness of a node set S is g(S) = f(S) / |S| with f the total edge weight inside S.
Greedy peeling removes, one at a time, the node whose removal loses the least weight, and keeps
the prefix with the highest g; this is a 2-approximation of the optimum and, with column
weights of this form, camouflage cannot lower the fraud block's score (their Theorem 2).

Peeling is FRAUDAR's own algorithm: one node at a time from a priority queue, a loop over nodes
and edges by nature, so it is compiled with numba (`_peel_order`); the adjacency comes from scipy's
sparse matrices. (An earlier array-batched numpy version spent ~17 s at 10M orders in the
overhead of ~60 small array operations per batch; compiled, the same peeling takes ~2.5 s.)

`shop_blocks` is the per-shop entry point (one shop's buyer-group x product edges in, block cells
out), for the DuckDB driver in fraud/__init__.py and for engines that run it per shop.
"""
from __future__ import annotations

from dataclasses import dataclass

import numba
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
    columns n_rows..n_rows+n_cols-1)."""
    rows = np.asarray(rows, dtype=np.int64)
    cols = np.asarray(cols, dtype=np.int64)
    weights = np.asarray(weights, dtype=float)
    n = n_rows + n_cols
    if n == 0 or len(rows) == 0:
        return Block(np.array([], int), np.array([], int), 0.0, 0), np.array([], dtype=np.int64)
    a = sp.csr_matrix((weights, (rows, cols)), shape=(n_rows, n_cols))
    a.sum_duplicates()
    at = a.T.tocsr()
    order, best_removed, best_score = _peel_order(a.indptr.astype(np.int64), a.indices.astype(np.int64), a.data,
                                                  at.indptr.astype(np.int64), at.indices.astype(np.int64), at.data,
                                                  n_rows, n_cols)
    in_block = np.ones(n, dtype=bool)
    in_block[order[:best_removed]] = False
    block_rows = np.flatnonzero(in_block[:n_rows])
    block_cols = np.flatnonzero(in_block[n_rows:])
    sub = a[block_rows][:, block_cols]
    return Block(block_rows, block_cols, float(best_score), int(sub.nnz)), order


@numba.njit(cache=True)
def _peel_order(r_ptr, r_idx, r_w, c_ptr, c_idx, c_w, n_rows, n_cols):  # pragma: no cover (compiled)
    """Removal order, best prefix length and its g of one-node-at-a-time peeling with a priority
    queue: the node of least weighted degree among the live ones goes first (ties: rows before
    columns, then lower index: the node id), and removing it lowers its live neighbours' degrees.
    A binary heap with lazy deletion (an entry whose priority is no longer the node's is skipped);
    compiled with numba, as the loop runs once per node and edge."""
    n = n_rows + n_cols
    prio = np.zeros(n)
    for i in range(n_rows):
        for e in range(r_ptr[i], r_ptr[i + 1]):
            prio[i] += r_w[e]
    for j in range(n_cols):
        for e in range(c_ptr[j], c_ptr[j + 1]):
            prio[n_rows + j] += c_w[e]
    total = 0.0
    for e in range(len(r_w)):
        total += r_w[e]
    # heap of (priority, node): every node once, plus one entry per lowered priority (<= one per edge)
    heap_p = np.empty(n + len(r_w))
    heap_v = np.empty(n + len(r_w), dtype=np.int64)
    size_h = 0
    for v in range(n):
        size_h = _heap_push(heap_p, heap_v, size_h, prio[v], v)
    alive = np.ones(n, dtype=np.bool_)
    order = np.empty(n, dtype=np.int64)
    k = 0
    size = n
    best, best_removed = total / n, 0
    while size_h > 0:
        p, v = heap_p[0], heap_v[0]
        size_h = _heap_pop(heap_p, heap_v, size_h)
        if not alive[v] or p != prio[v]:
            continue  # removed already, or a stale entry
        alive[v] = False
        order[k] = v
        k += 1
        total -= prio[v]
        size -= 1
        if size > 0 and total / size > best + 1e-12:
            best, best_removed = total / size, k
        if v < n_rows:
            for e in range(r_ptr[v], r_ptr[v + 1]):
                u = n_rows + r_idx[e]
                if alive[u]:
                    prio[u] -= r_w[e]
                    size_h = _heap_push(heap_p, heap_v, size_h, prio[u], u)
        else:
            for e in range(c_ptr[v - n_rows], c_ptr[v - n_rows + 1]):
                u = c_idx[e]
                if alive[u]:
                    prio[u] -= c_w[e]
                    size_h = _heap_push(heap_p, heap_v, size_h, prio[u], u)
    return order, best_removed, best


@numba.njit(cache=True, inline="always")
def _before(p1, v1, p2, v2):  # pragma: no cover (compiled)
    return p1 < p2 or (p1 == p2 and v1 < v2)


@numba.njit(cache=True)
def _heap_push(heap_p, heap_v, size, p, v):  # pragma: no cover (compiled)
    i = size
    while i > 0:
        parent = (i - 1) // 2
        if not _before(p, v, heap_p[parent], heap_v[parent]):
            break
        heap_p[i], heap_v[i] = heap_p[parent], heap_v[parent]
        i = parent
    heap_p[i], heap_v[i] = p, v
    return size + 1


@numba.njit(cache=True)
def _heap_pop(heap_p, heap_v, size):  # pragma: no cover (compiled)
    size -= 1
    p, v = heap_p[size], heap_v[size]
    i = 0
    while True:
        child = 2 * i + 1
        if child >= size:
            break
        if child + 1 < size and _before(heap_p[child + 1], heap_v[child + 1], heap_p[child], heap_v[child]):
            child += 1
        if not _before(heap_p[child], heap_v[child], p, v):
            break
        heap_p[i], heap_v[i] = heap_p[child], heap_v[child]
        i = child
    if size > 0:
        heap_p[i], heap_v[i] = p, v
    return size


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
