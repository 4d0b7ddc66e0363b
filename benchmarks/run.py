"""Scale benchmarks: `python -m benchmarks.run [--sizes 1M,10M] [--steps ...]` (`make bench`).

For each size, synthesise canonical Parquet once (`tt-analytics synth`, kept in benchmarks/data/),
then run every step in its own process (benchmarks/steps.py), one after the other, and record its
wall time and its own peak resident memory (os.wait4 gives the rusage of exactly that child).
Results go to benchmarks/results/scale-<size>.json (committed: BENCHMARKS.md is rendered from them) and
BENCHMARKS.md's generated sections and benchmarks/scaling.png are refreshed (benchmarks/report.py).
"""
from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import re
import shutil
import subprocess
import sys
import time
from importlib import metadata
from pathlib import Path

from benchmarks.steps import STEPS

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "benchmarks"
DEFAULT_STEPS = ["ingest", "validate", "validate_sql", "floor", "evaluate", "rules", "metrics", "fraud", "series",
                 "pandas"]
AS_OF = "2026-11-20"


def parse_size(text: str) -> int:
    """'1M' -> 1_000_000, '20k' -> 20_000, '5000' -> 5000."""
    m = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([kKmM]?)\s*", text)
    if not m:
        raise argparse.ArgumentTypeError(f"size must look like 20k, 1M or 100M, got {text!r}")
    return int(float(m.group(1)) * {"": 1, "k": 1_000, "m": 1_000_000}[m.group(2).lower()])


def size_label(n: int) -> str:
    if n % 1_000_000 == 0:
        return f"{n // 1_000_000}M"
    if n % 1_000 == 0:
        return f"{n // 1_000}k"
    return str(n)


def machine() -> dict:
    """CPU model, cores, memory, OS and library versions of this run."""
    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = 0
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                mem = int(line.split()[1]) * 1024
    except OSError:
        pass
    versions = {}
    for pkg in ("duckdb", "polars", "pandas", "pyarrow", "great-expectations", "numpy"):
        try:
            versions[pkg] = metadata.version(pkg)
        except metadata.PackageNotFoundError:
            versions[pkg] = None
    try:
        commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True,
                                text=True).stdout.strip()
    except OSError:
        commit = ""
    return {"cpu": cpu, "cores": os.cpu_count(), "memory_bytes": mem, "os": platform.platform(),
            "python": platform.python_version(), "versions": versions, "commit": commit}


def measure(step: str, data: Path, work: Path, as_of: str, orders: int, shops: int, seed: int,
            timeout: float | None, max_rss: float | None = None) -> dict:
    """Run one step in a child process; its wall time, own peak RSS and what it reported."""
    work.mkdir(parents=True, exist_ok=True)
    result = work / f"{step}.json"
    result.unlink(missing_ok=True)
    (work / f"{step}.progress.json").unlink(missing_ok=True)
    log = work / f"{step}.log"
    cmd = [sys.executable, "-m", "benchmarks.steps", step, "--data", str(data), "--work", str(work),
           "--as-of", as_of, "--result", str(result), "--orders", str(orders), "--shops", str(shops),
           "--seed", str(seed)]
    # The fraud module caches tracking-number verdicts on disk (TT_ANALYTICS_CACHE_DIR, default
    # ~/.cache): give each step an empty cache of its own, so every measurement is a first
    # evaluation of the data and does not depend on (or bloat) the user's cache.
    cache = work / "cache"
    shutil.rmtree(cache, ignore_errors=True)
    env = {**os.environ, "TT_ANALYTICS_CACHE_DIR": str(cache)}
    started = dt.datetime.now(dt.timezone.utc)
    t0 = time.perf_counter()
    with open(log, "w") as out:
        child = subprocess.Popen(cmd, cwd=ROOT, stdout=out, stderr=subprocess.STDOUT, env=env)
        status, usage, killed = _wait(child, timeout, max_rss)
    wall = time.perf_counter() - t0
    row = {"step": step, "started_at": started.isoformat(timespec="seconds"), "process_seconds": wall,
           "peak_rss_bytes": usage.ru_maxrss * 1024, "cpu_seconds": usage.ru_utime + usage.ru_stime,
           "exit_code": status, "seconds": None, "info": {}}
    progress = work / f"{step}.progress.json"
    if killed:
        row["status"] = "timeout" if killed == "timeout" else "killed: memory"
        if progress.exists():  # where the time went until the kill (evaluate-like steps)
            row["info"] = {"output_seconds_until_timeout": json.loads(progress.read_text())}
    elif status == 0 and result.exists():
        got = json.loads(result.read_text())
        row.update(status="ok", seconds=got["seconds"], info=got["info"])
    else:
        row["status"] = "failed"
        row["error"] = log.read_text(errors="replace")[-2000:]
    return row


def _rss(pid: int) -> int:
    """Current resident set size of a process in bytes (0 if it is gone)."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


def _wait(child: subprocess.Popen, timeout: float | None, max_rss: float | None = None):
    """os.wait4 on the child (its own rusage); kill it after `timeout` seconds or once its resident
    memory passes `max_rss` bytes (a shared machine must not run out of memory). Returns
    (exit code, rusage, None or why it was killed)."""
    deadline = time.monotonic() + timeout if timeout else None
    while True:
        pid, status, usage = os.wait4(child.pid, os.WNOHANG)
        if pid:
            child.returncode = os.waitstatus_to_exitcode(status)
            return child.returncode, usage, None
        why = None
        if deadline and time.monotonic() > deadline:
            why = "timeout"
        elif max_rss and _rss(child.pid) > max_rss:
            why = "memory"
        if why:
            child.kill()
            _, status, usage = os.wait4(child.pid, 0)
            child.returncode = os.waitstatus_to_exitcode(status)
            return child.returncode, usage, why
        time.sleep(0.2)


def run_size(orders: int, steps: list[str], args: argparse.Namespace) -> dict:
    label = size_label(orders)
    shops = max(args.min_shops, orders // args.orders_per_shop)
    data = Path(args.data_dir) / label
    work = Path(args.out_dir) / label
    results_file = Path(args.results_dir) / f"scale-{label}.json"
    previous = json.loads(results_file.read_text()) if results_file.exists() else {}
    if previous.get("shops") not in (None, shops):
        previous = {}  # another data set: old measurements no longer apply
    record = {"size": label, "orders": orders, "shops": shops, "as_of": args.as_of, "seed": args.seed,
              "machine": machine(), "steps": previous.get("steps", {})}
    todo = list(steps)
    meta = data / "_bench.json"
    expected = {"orders": orders, "shops": shops, "seed": args.seed, "as_of": args.as_of}
    stale = not data.exists() or not meta.exists() or json.loads(meta.read_text()) != expected
    if (stale or args.resynth) and "synth" not in todo:
        todo.insert(0, "synth")
    for step in todo:
        print(f"[{label}] {step}: {STEPS[step]} …", flush=True)
        row = measure(step, data, work, args.as_of, orders, shops, args.seed, args.timeout,
                      args.max_rss_gib * 2**30 if args.max_rss_gib else None)
        row["commit"] = record["machine"]["commit"]
        record["steps"][step] = row
        if step == "synth" and row["status"] == "ok":
            meta.write_text(json.dumps(expected))
        rss = row["peak_rss_bytes"] / 2**30
        took = row["seconds"] if row["seconds"] is not None else row["process_seconds"]
        print(f"[{label}] {step}: {row['status']} in {took:.1f} s, peak RSS {rss:.2f} GiB", flush=True)
        if step == "ingest" and not args.keep_ingested:
            shutil.rmtree(work / "ingested", ignore_errors=True)  # a second copy of the data: disk
        if step == "synth" and row["status"] != "ok":
            print(row.get("error", ""), file=sys.stderr)
            break
        results_file.parent.mkdir(parents=True, exist_ok=True)
        results_file.write_text(json.dumps(record, indent=1, default=str))
    results_file.write_text(json.dumps(record, indent=1, default=str))
    return record


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(prog="python -m benchmarks.run", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--sizes", default="1M,10M", help="orders per data set, comma-separated (100M is opt-in)")
    p.add_argument("--steps", default=",".join(DEFAULT_STEPS),
                   help=f"steps to run (default all): {', '.join(STEPS)}; measured ones are merged "
                        "into the size's results file")
    p.add_argument("--orders-per-shop", type=int, default=10_000, help="shops = orders / this")
    p.add_argument("--min-shops", type=int, default=40)
    p.add_argument("--seed", type=int, default=7)
    p.add_argument("--as-of", default=AS_OF, help="as-of date of the data and of every evaluation")
    p.add_argument("--resynth", action="store_true", help="regenerate the data even if present")
    p.add_argument("--keep-ingested", action="store_true",
                   help="keep the ingest step's copy of the data (deleted by default to save disk)")
    p.add_argument("--timeout", type=float, default=None, help="seconds before a step is killed")
    p.add_argument("--max-rss-gib", type=float, default=None,
                   help="kill a step whose resident memory passes this many GiB (protects a shared machine)")
    p.add_argument("--data-dir", default=str(BENCH / "data"))
    p.add_argument("--out-dir", default=str(BENCH / "out"))
    p.add_argument("--results-dir", default=str(BENCH / "results"))
    p.add_argument("--report", default=str(ROOT / "BENCHMARKS.md"),
                   help="markdown file whose generated sections are refreshed ('' to skip)")
    p.add_argument("--chart", default=str(BENCH / "scaling.png"))
    a = p.parse_args(argv)
    sizes = [parse_size(s) for s in a.sizes.split(",") if s.strip()]
    steps = [s.strip() for s in a.steps.split(",") if s.strip()]
    for s in steps:
        if s not in STEPS:
            p.error(f"unknown step {s!r}; expected one of {', '.join(STEPS)}")
    for n in sizes:
        run_size(n, steps, a)
    if a.report:
        from benchmarks import report
        report.refresh(Path(a.results_dir), Path(a.report), Path(a.chart) if a.chart else None)
        print(f"Results in {a.results_dir}; {a.report} and {a.chart} refreshed")


if __name__ == "__main__":
    main()
