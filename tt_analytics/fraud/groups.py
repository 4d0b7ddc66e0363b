"""Buyer groups: accounts linked by a shared address, phone or device hash.

The links (buyer, identifier) come from SQL (queries/fraud/identity_links.sql); the groups are
the connected components of that bipartite graph, computed in one vectorised call
(scipy.sparse.csgraph.connected_components). A group is named after its smallest buyer_id, so
the name is stable across runs. `linked_groups` returns only the accounts that share an
identifier with another account: every other buyer is a group of its own (group_id = buyer_id),
which the SQL fills in, so millions of one-account groups never reach Python.
"""
from __future__ import annotations

import numpy as np
import polars as pl
import scipy.sparse as sp
from scipy.sparse.csgraph import connected_components


def buyer_groups(buyers: pl.Series, links: pl.DataFrame) -> pl.DataFrame:
    """(buyer_id, group_id) for every buyer in `buyers`; `links` has buyer_id, identifier."""
    buyer_ids = buyers.unique().sort()
    n_b = len(buyer_ids)
    if n_b == 0:
        return pl.DataFrame({"buyer_id": [], "group_id": []}, schema={"buyer_id": pl.Utf8, "group_id": pl.Utf8})
    b_index = pl.DataFrame({"buyer_id": buyer_ids, "b": np.arange(n_b)})
    ident = links["identifier"].unique().sort()
    i_index = pl.DataFrame({"identifier": ident, "i": np.arange(len(ident)) + n_b})
    edges = links.join(b_index, on="buyer_id").join(i_index, on="identifier")
    n = n_b + len(ident)
    graph = sp.coo_matrix((np.ones(len(edges), dtype=np.int8), (edges["b"].to_numpy(), edges["i"].to_numpy())),
                          shape=(n, n)).tocsr()
    _, labels = connected_components(graph, directed=False)
    out = pl.DataFrame({"buyer_id": buyer_ids, "component": labels[:n_b]})
    return out.with_columns(pl.col("buyer_id").min().over("component").alias("group_id")).select("buyer_id", "group_id")


def linked_groups(links: pl.DataFrame) -> pl.DataFrame:
    """(buyer_id, group_id) for the buyers in `links` (buyer_id, identifier): the accounts linked to
    at least one other account. Buyers not in `links` are their own group."""
    return buyer_groups(links["buyer_id"], links)
