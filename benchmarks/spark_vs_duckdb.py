"""DuckDB vs Spark (local mode) on the same canonical Parquet: `python -m benchmarks.spark_vs_duckdb
[--size 10M] [--outputs metrics] [--master local[*]]`.

The data folder is benchmarks/data/<size>/ (made by `python -m benchmarks.run --sizes <size>` or
`tt-analytics synth`; made here with `tt-analytics synth` when missing). Each engine runs in its
own process, one after the other: read the canonical tables, compute the outputs with the same
SQL files (`evaluate.run`), bring the results back as Polars frames. Wall time per phase and the
child's peak resident memory are printed as JSON (os.wait4; for Spark that is the Python driver
plus the JVM it starts, which is a child of it). No validation: both read the files as they are.
Results and their reading are in docs/spark.md.
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
AS_OF = "2026-11-20"


def child(engine: str, data: str, outputs: list[str], master: str) -> dict:
    """Runs inside the child process: one engine, timed by phase."""
    import datetime as dt
    import importlib
    from tt_analytics import engines, params
    evaluate = importlib.import_module("tt_analytics.evaluate")
    as_of = dt.date.fromisoformat(AS_OF)
    prm = params.load(as_of)
    t0 = time.perf_counter()
    conf = {"spark.driver.memory": os.environ.get("SPARK_DRIVER_MEMORY", "6g"), "spark.log.level": "ERROR",
            "spark.sql.shuffle.partitions": os.environ.get("SPARK_SHUFFLE_PARTITIONS", "8")}
    con = engines.connect(engine, spark_master=master, spark_conf=conf) if engine == "spark" else engines.connect()
    t1 = time.perf_counter()
    engines.attach(con, data)
    if engine == "duckdb":
        con.execute("SET enable_progress_bar = false")
    t2 = time.perf_counter()
    res = evaluate.run(con, as_of, prm, outputs=outputs)
    t3 = time.perf_counter()
    cpu, rss = tree_usage()
    return {"engine": engine, "start_s": round(t1 - t0, 2), "attach_s": round(t2 - t1, 2),
            "evaluate_s": round(t3 - t2, 2), "total_s": round(t3 - t0, 2), "cpu_s": round(cpu, 1),
            "rss_now_mb": round(rss), "rows": {k: v.height for k, v in res.items()}}


def tree_usage() -> tuple[float, float]:
    """CPU seconds (user + system) and resident MB of this process and its live descendants (the
    Spark JVM is one: its time is not in this process's rusage), read from /proc (Linux)."""
    try:
        stats = {}
        for d in os.listdir("/proc"):
            if d.isdigit():
                try:
                    with open(f"/proc/{d}/stat") as f:
                        fields = f.read().rsplit(")", 1)[1].split()
                    stats[int(d)] = (int(fields[1]), int(fields[11]) + int(fields[12]), int(fields[21]))
                except OSError:
                    continue
    except OSError:
        return float("nan"), float("nan")
    tree, grew = {os.getpid()}, True
    while grew:
        new = {p for p, (ppid, _, _) in stats.items() if ppid in tree} - tree
        tree |= new
        grew = bool(new)
    tick, page = os.sysconf("SC_CLK_TCK"), os.sysconf("SC_PAGE_SIZE")
    cpu = sum(stats[p][1] for p in tree if p in stats) / tick
    rss = sum(stats[p][2] for p in tree if p in stats) * page / 2**20
    return cpu, rss


def measure(engine: str, data: Path, outputs: list[str], master: str) -> dict:
    cmd = [sys.executable, "-m", "benchmarks.spark_vs_duckdb", "--child", engine, "--data", str(data),
           "--outputs", ",".join(outputs), "--master", master]
    t = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.PIPE, text=True)
    out = proc.stdout.read()
    _, status, usage = os.wait4(proc.pid, 0)
    if status != 0:
        raise SystemExit(f"{engine} run failed (status {status})")
    rec = json.loads(out.strip().splitlines()[-1])
    rec["wall_s"] = round(time.perf_counter() - t, 2)
    rec["peak_rss_mb"] = round(usage.ru_maxrss / 1024)  # largest single process (the JVM for Spark)
    return rec


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--size", default="1M", help="benchmarks/data/<size> (1M, 10M, ...)")
    ap.add_argument("--data", help="any canonical data folder instead of --size")
    ap.add_argument("--outputs", default="metrics", help="comma-separated outputs (default: metrics)")
    ap.add_argument("--master", default="local[*]")
    ap.add_argument("--engines", default="duckdb,spark")
    ap.add_argument("--child", help=argparse.SUPPRESS)
    a = ap.parse_args(argv)
    outputs = a.outputs.split(",")
    if a.child:
        print(json.dumps(child(a.child, a.data, outputs, a.master)))
        return
    data = Path(a.data) if a.data else ROOT / "benchmarks" / "data" / a.size
    if not data.exists():
        from benchmarks.run import parse_size
        n = parse_size(a.size)
        subprocess.run([sys.executable, "-m", "tt_analytics.cli", "synth", "--out", str(data), "--orders", str(n),
                        "--shops", str(max(40, n // 5000)), "--as-of", AS_OF], check=True, cwd=ROOT)
    results = [measure(e, data, outputs, a.master) for e in a.engines.split(",")]
    print(json.dumps({"data": str(data), "outputs": outputs, "cores": os.cpu_count(), "results": results}, indent=2))


if __name__ == "__main__":
    main()
