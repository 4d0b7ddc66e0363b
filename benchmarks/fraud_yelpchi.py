"""FRAUDAR-style injection benchmark on the real YelpChi review graph (data/yelpchi/).

`python -m benchmarks.fraud_yelpchi` writes benchmarks/results/fraud_yelpchi.json and prints a
markdown table (copied into docs/fraud.md).

Background: YelpChi's 38,063 users x 201 products (67,395 reviews; Apache-2.0, see
data/yelpchi/README.md) stand for buyers x products, as an honest-ish background.

Injection (Hooi et al. KDD 2016, §5): a block of 200 fake users x 200 fake products with a
given density, in three camouflage settings: none; random camouflage (each fake user also links
to as many random real products as it has block edges); biased camouflage (the same number of
links, to real products chosen in proportion to their popularity). A second scenario injects
200 fake users onto 20 *existing* products (the e-commerce case: fake orders on a shop's real
items, which honest buyers also buy). F-measure compares the users of the block found by greedy
peeling (tt_analytics.fraud.fraudar) with the injected ones.

Yelp's own labels: users are ranked by peeling (last removed = most suspicious) on the
un-injected graph; precision at the top k is the share of those users with a review Yelp
filtered as spam (base rate 20.3% of users).
"""
from __future__ import annotations

import gzip
import json
import time
from pathlib import Path

import numpy as np

from tt_analytics.fraud import fraudar

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "data" / "yelpchi" / "metadata.gz"
OUT = ROOT / "benchmarks" / "results" / "fraud_yelpchi.json"
DENSITIES = [0.01, 0.02, 0.05, 0.1, 0.12, 0.2, 0.4, 0.67, 1.0]
SEEDS = [0, 1, 2]


def load() -> tuple[np.ndarray, np.ndarray, np.ndarray, int, int]:
    users, products, labels = [], [], []
    with gzip.open(DATA, "rt") as f:
        for line in f:
            u, p, _rating, label, _date = line.split()
            users.append(int(u)), products.append(int(p)), labels.append(int(label))
    users, products, labels = map(np.array, (users, products, labels))
    _, u_idx = np.unique(users, return_inverse=True)
    _, p_idx = np.unique(products, return_inverse=True)
    return u_idx, p_idx, labels, int(u_idx.max()) + 1, int(p_idx.max()) + 1


def inject(u, p, n_u, n_p, *, n_fake_users, fake_products, density, camouflage, rng):
    """Edges of the background plus a block of `n_fake_users` x `fake_products` at `density`."""
    fake_users = np.arange(n_u, n_u + n_fake_users)
    cells = rng.random((n_fake_users, len(fake_products))) < density
    fu, fp = np.nonzero(cells)
    rows, cols = [u, fake_users[fu]], [p, np.asarray(fake_products)[fp]]
    if camouflage != "none":
        per_user = cells.sum(axis=1)
        popularity = np.bincount(p, minlength=n_p).astype(float)
        prob = popularity / popularity.sum() if camouflage == "biased" else np.full(n_p, 1.0 / n_p)
        for k, m in enumerate(per_user):
            if m:
                rows.append(np.full(m, fake_users[k])), cols.append(rng.choice(n_p, size=min(m, n_p), replace=False, p=prob))
    rows, cols = np.concatenate(rows), np.concatenate(cols)
    pairs = np.unique(np.stack([rows, cols], axis=1), axis=0)  # binary edges
    return pairs[:, 0], pairs[:, 1], set(fake_users.tolist())


def f_measure(found: set[int], truth: set[int]) -> tuple[float, float, float]:
    tp = len(found & truth)
    if tp == 0:
        return 0.0, 0.0, 0.0
    p, r = tp / len(found), tp / len(truth)
    return p, r, 2 * p * r / (p + r)


def run_injection(u, p, n_u, n_p, scenario: str, camouflage: str, density: float, seed: int) -> dict:
    rng = np.random.default_rng(seed)
    if scenario == "200x200 new products":
        fake_products = np.arange(n_p, n_p + 200)
        total_p = n_p + 200
    else:  # 200 fake users on 20 existing products of middling popularity
        order = np.argsort(np.bincount(p, minlength=n_p))
        fake_products = rng.choice(order[50:150], size=20, replace=False)
        total_p = n_p
    rows, cols, truth = inject(u, p, n_u, total_p, n_fake_users=200, fake_products=fake_products,
                               density=density, camouflage=camouflage, rng=rng)
    popularity = np.bincount(cols, minlength=total_p)[cols]
    t0 = time.perf_counter()
    block = fraudar.peel(rows, cols, fraudar.column_weights(popularity, 5), n_u + 200, total_p)
    seconds = time.perf_counter() - t0
    prec, rec, f = f_measure(set(block.rows.tolist()), truth)
    return {"scenario": scenario, "camouflage": camouflage, "density": density, "seed": seed,
            "precision": prec, "recall": rec, "f": f, "block_users": len(block.rows),
            "block_products": len(block.cols), "block_density": block.density, "seconds": seconds}


def yelp_labels(u, p, labels, n_u, n_p) -> list[dict]:
    spam_user = np.zeros(n_u, dtype=bool)
    spam_user[u[labels == -1]] = True
    pairs = np.unique(np.stack([u, p], axis=1), axis=0)
    popularity = np.bincount(pairs[:, 1], minlength=n_p)[pairs[:, 1]]
    rank = fraudar.ranking(pairs[:, 0], pairs[:, 1], popularity, n_u, n_p)
    degree = np.bincount(pairs[:, 0], minlength=n_u)
    rank = rank[degree[rank] > 0]
    out = []
    for k in (50, 100, 200, 500, 1000, 2000):
        out.append({"k": k, "precision": float(spam_user[rank[:k]].mean()), "base_rate": float(spam_user.mean())})
    return out


def main() -> None:
    u, p, labels, n_u, n_p = load()
    results = []
    for scenario in ("200x200 new products", "200 users x 20 existing products"):
        for camouflage in ("none", "random", "biased"):
            for density in DENSITIES:
                for seed in SEEDS:
                    results.append(run_injection(u, p, n_u, n_p, scenario, camouflage, density, seed))
    summary = {}
    for r in results:
        summary.setdefault((r["scenario"], r["camouflage"], r["density"]), []).append(r["f"])
    table = [{"scenario": s, "camouflage": c, "density": d, "f_mean": float(np.mean(fs)), "f_min": float(np.min(fs))}
             for (s, c, d), fs in summary.items()]
    yelp = yelp_labels(u, p, labels, n_u, n_p)
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps({"graph": {"users": n_u, "products": n_p, "reviews": len(u)},
                               "injections": results, "summary": table, "yelp_labels": yelp}, indent=1))
    print(markdown(table, yelp))


def markdown(table: list[dict], yelp: list[dict]) -> str:
    lines = []
    for scenario in dict.fromkeys(t["scenario"] for t in table):
        lines += [f"**{scenario}** (F-measure of the injected users, mean over {len(SEEDS)} seeds; min in brackets)", "",
                  "| density | " + " | ".join(f"camouflage: {c}" for c in ("none", "random", "biased")) + " |",
                  "|---|---|---|---|"]
        for d in DENSITIES:
            cells = []
            for c in ("none", "random", "biased"):
                [t] = [t for t in table if t["scenario"] == scenario and t["camouflage"] == c and t["density"] == d]
                cells.append(f"{t['f_mean']:.2f} ({t['f_min']:.2f})")
            lines.append(f"| {d} | " + " | ".join(cells) + " |")
        lines.append("")
    lines += ["Yelp's own spam labels, users ranked by peeling order (most suspicious first):", "",
              "| top k users | precision (user has a filtered review) | base rate |", "|---|---|---|"]
    lines += [f"| {y['k']} | {y['precision']:.3f} | {y['base_rate']:.3f} |" for y in yelp]
    return "\n".join(lines)


if __name__ == "__main__":
    main()
