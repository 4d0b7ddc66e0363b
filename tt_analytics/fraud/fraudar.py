"""FRAUDAR (Hooi et al., KDD 2016): densest-block search by greedy peeling, camouflage-resistant.

The graph is bipartite (rows: buyer groups, columns: products of one shop). Every edge (i, j)
weighs `1 / log(d_j + c)` where `d_j` is the product's number of buyer groups in the whole shop,
so edges to popular products (which camouflage edges and honest buyers pile onto) count little.
The suspiciousness of a node set S is g(S) = f(S) / |S| with f the total edge weight inside S.
Greedy peeling removes, one at a time, the node whose removal loses the least weight, and keeps
the prefix with the highest g; this is a 2-approximation of the optimum and, with column
weights of this form, camouflage cannot lower the fraud block's score (their Theorem 2).

Vectorised inside: sparse matrices for the adjacency, numpy for the priority updates of all
neighbours at once, and a binary heap with lazy deletion (O(|E| log |V|)).
"""
from __future__ import annotations

import heapq
from dataclasses import dataclass

import numpy as np
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
    order = np.array(removed[::-1], dtype=np.int64)
    return order[order < n_rows]


def _peel(rows, cols, weights, n_rows, n_cols) -> tuple[Block, list[int]]:
    rows = np.asarray(rows, dtype=np.int64)
    cols = np.asarray(cols, dtype=np.int64)
    weights = np.asarray(weights, dtype=float)
    n = n_rows + n_cols
    if n == 0 or len(rows) == 0:
        return Block(np.array([], int), np.array([], int), 0.0, 0), []
    a = sp.csr_matrix((weights, (rows, cols)), shape=(n_rows, n_cols))
    a.sum_duplicates()
    at = a.T.tocsr()
    priority = np.concatenate([np.asarray(a.sum(axis=1)).ravel(), np.asarray(at.sum(axis=1)).ravel()])
    alive = np.ones(n, dtype=bool)
    total = float(a.data.sum())
    size = n
    best_score, best_removed = total / size, 0
    removed: list[int] = []
    heap = list(zip(priority.tolist(), range(n)))
    heapq.heapify(heap)
    while heap:
        p, i = heapq.heappop(heap)
        if not alive[i] or p > priority[i] + 1e-12:  # stale entry: the node lost weight since
            continue
        alive[i] = False
        total -= priority[i]
        size -= 1
        removed.append(i)
        if i < n_rows:
            lo, hi = a.indptr[i], a.indptr[i + 1]
            nbrs, ws = a.indices[lo:hi] + n_rows, a.data[lo:hi]
        else:
            j = i - n_rows
            lo, hi = at.indptr[j], at.indptr[j + 1]
            nbrs, ws = at.indices[lo:hi], at.data[lo:hi]
        keep = alive[nbrs]
        nbrs, ws = nbrs[keep], ws[keep]
        if len(nbrs):
            priority[nbrs] -= ws
            for node, pr in zip(nbrs.tolist(), priority[nbrs].tolist()):
                heapq.heappush(heap, (pr, node))
        if size > 0 and total / size > best_score + 1e-12:
            best_score, best_removed = total / size, len(removed)
    in_block = np.ones(n, dtype=bool)
    in_block[removed[:best_removed]] = False
    block_rows = np.flatnonzero(in_block[:n_rows])
    block_cols = np.flatnonzero(in_block[n_rows:])
    sub = a[block_rows][:, block_cols]
    return Block(block_rows, block_cols, best_score, int(sub.nnz)), removed


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
