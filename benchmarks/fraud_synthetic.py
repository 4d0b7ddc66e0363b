"""Fake-transaction detection on the synthetic generator's planted patterns: precision, recall
and F1 per pattern and overall, and the time it takes.

    python -m benchmarks.fraud_synthetic                       # default synth size (40 shops, 20k orders)
    python -m benchmarks.fraud_synthetic --shops 200 --orders 200000
    python -m benchmarks.fraud_synthetic --data benchmarks/data/10M   # an existing folder (scale run)

The data folder is generated once (benchmarks/data/fraud-<shops>x<orders>-<seed>/, not committed)
with `tt_analytics.synth.synthesize`; its `_truth/fake_orders.parquet` is the truth table.
Results go to benchmarks/results/fraud_synthetic[-<label>].json and a markdown table is printed
(copied into docs/fraud.md). Timing covers fake_transactions and its roll-ups on an attached
folder (no validation step); whether the tracking-number verdict cache
existed at the start is recorded (a cold cache validates every distinct number once, ≈ 60 µs each).
"""
from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
AS_OF = "2026-11-20"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--shops", type=int, default=40)
    ap.add_argument("--orders", type=int, default=20_000)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--data", type=Path, help="use this data folder instead of generating one")
    ap.add_argument("--label", default=None, help="suffix of the results file")
    args = ap.parse_args()

    from tt_analytics.fraud import measure, tracking
    data = args.data
    if data is None:
        data = ROOT / "benchmarks" / "data" / f"fraud-{args.shops}x{args.orders}-{args.seed}"
        if not (data / "_truth" / "fake_orders.parquet").exists():
            from tt_analytics.synth import synthesize
            t0 = time.perf_counter()
            synthesize(data, shops=args.shops, orders=args.orders, seed=args.seed,
                       as_of=dt.date.fromisoformat(AS_OF), progress=False)
            print(f"synthesised {data} in {time.perf_counter() - t0:.1f} s")
    cache = tracking.cache_path()
    warm = cache is not None and cache.exists()
    table, info = measure.evaluate_folder(data, AS_OF)
    label = args.label or ("default" if args.data is None and (args.shops, args.orders) == (40, 20_000)
                           else data.name)
    out = ROOT / "benchmarks" / "results" / f"fraud_synthetic-{label}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps({
        "data": str(data.relative_to(ROOT) if data.is_relative_to(ROOT) else data), "as_of": AS_OF,
        "orders_examined": info["orders"], "seconds": round(info["seconds"], 2),
        "cpu_seconds": round(info["cpu_seconds"], 2), "load_average": os.getloadavg(),
        "tracking_cache_at_start": "present" if warm else ("off" if cache is None else "absent"),
        "cores": os.cpu_count(), "scores": table.to_dicts()}, indent=1, default=str))
    print(f"{info['orders']:,} orders in {info['seconds']:.1f} s, {info['cpu_seconds']:.1f} CPU s (tracking verdict cache {'present' if warm else 'absent'} at start)")
    print(markdown(table))


def markdown(table) -> str:
    def f(x):
        return "" if x is None else f"{x:.3f}"
    lines = ["| pattern | fake | orders | suspected | precision | recall | F1 | false-positive rate |",
             "|---|---|---|---|---|---|---|---|"]
    for r in table.iter_rows(named=True):
        fake = "" if r["is_fake"] is None else ("yes" if r["is_fake"] else "no")
        lines.append(f"| {r['pattern']} | {fake} | {r['orders']:,} | {r['suspected']:,} | {f(r['precision'])} | "
                     f"{f(r['recall'])} | {f(r['f1'])} | {f(r['false_positive_rate'])} |")
    return "\n".join(lines)


if __name__ == "__main__":
    main()
