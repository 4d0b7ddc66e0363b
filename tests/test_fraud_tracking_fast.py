"""The vectorised check-digit fast path (tracking.fast_valid) against the `tracking-numbers`
package, which stays the authority: on a few thousand generated well-formed and corrupted numbers
of every fast-path format, whatever the fast path calls valid the package calls valid too, and the
fast path proves nearly all well-formed numbers valid (so the package is rarely called)."""
from __future__ import annotations

import os

import numpy as np
import polars as pl

from tt_analytics.fraud import tracking
from tt_analytics.synth import tracking as synth_tracking

os.environ["TT_ANALYTICS_CACHE_DIR"] = "off"

SYNTH_CODE = {"ups": "ups", "usps": "usps", "fedex": "fedex", "dhl": "dhl", "royal_mail": "s10", "singpost": "s10",
              "ems": "s10"}
ALNUM = np.array(list("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"))


def _wellformed(rng, n=400) -> pl.DataFrame:
    rows = []
    for carrier, code in SYNTH_CODE.items():
        idx = rng.integers(0, 10 ** 9, n)
        nums = synth_tracking.numbers(carrier, idx, rng.integers(0, 1000, n), salt=int(rng.integers(0, 10 ** 6)))
        rows.append(pl.DataFrame({"code": code, "tracking_number": nums}))
    # UPS with letters in the shipper and package ids, every possible check digit (one in ten is valid)
    bodies = ["".join(rng.choice(ALNUM, 6)) + rng.choice(["03", "01", "A1", "YW", "99"]) + "".join(rng.choice(ALNUM, 7))
              for _ in range(n)]
    rows.append(pl.DataFrame({"code": "ups", "tracking_number": [f"1Z{b}{c}" for b in bodies for c in range(10)]}))
    return pl.concat(rows)


def _corrupted(good: pl.DataFrame, rng) -> pl.DataFrame:
    """Each number with one character changed, two neighbours swapped, or a digit dropped."""
    out = []
    for code, number in good.iter_rows():
        k = int(rng.integers(0, 3))
        i = int(rng.integers(0, len(number) - 1))
        if k == 0:
            number = number[:i] + str((int(number[i]) + 1 + int(rng.integers(0, 9))) % 10 if number[i].isdigit()
                                      else rng.choice(ALNUM)) + number[i + 1:]
        elif k == 1:
            number = number[:i] + number[i + 1] + number[i] + number[i + 2:]
        else:
            number = number[:i] + number[i + 1:]
        out.append((code, number))
    return pl.DataFrame(out, schema=["code", "tracking_number"], orient="row")


def _package_valid(df: pl.DataFrame) -> list[bool]:
    return [tracking.package_verdict(c, n) == "" for c, n in df.iter_rows()]


def test_fast_path_agrees_with_the_package():
    rng = np.random.default_rng(11)
    good = _wellformed(rng)
    numbers = pl.concat([good, _corrupted(good, rng)])
    fast = tracking.fast_valid(numbers["code"], numbers["tracking_number"]).to_list()
    package = _package_valid(numbers)
    assert len(numbers) > 10_000
    wrong = [(c, n) for (c, n), f, p in zip(numbers.iter_rows(), fast, package) if f and not p]
    assert wrong == []  # the fast path never calls valid what the package rejects
    # ... and it is not vacuous: it proves every well-formed number the package accepts (corrupted
    # numbers that happen to fit another of the carrier's formats are left to the package)
    assert all(f for f, p in zip(fast[:good.height], package[:good.height]) if p)
    assert 0 < sum(package) < len(numbers)
    for code in ("ups", "usps", "fedex", "dhl", "s10"):
        sub = [f for (c, _), f in zip(numbers.iter_rows(), fast) if c == code]
        assert 0 < sum(sub) < len(sub), code


def test_validity_is_the_same_with_and_without_the_fast_path(monkeypatch):
    rng = np.random.default_rng(3)
    good = _wellformed(rng, n=60)
    numbers = pl.concat([good, _corrupted(good, rng)])
    alias = {"ups": "ups", "usps": "usps", "fedex": "fedex", "dhl": "dhl", "s10": "singpost"}
    pairs = numbers.select(pl.col("code").replace_strict(alias).alias("carrier"), "tracking_number").unique()
    with_fast = tracking.validity(pairs, {}).sort("carrier", "tracking_number")
    monkeypatch.setattr(tracking, "fast_valid", lambda codes, nums: pl.Series([False] * len(codes)))
    package_only = tracking.validity(pairs, {}).sort("carrier", "tracking_number")
    assert with_fast.equals(package_only)
    assert 0 < with_fast["valid"].sum() < with_fast.height


def test_numbers_proven_in_sql_are_valid_and_the_rest_is_left_to_validity():
    """tracking.proven_query keeps the numbers it proves in the database (fraud.prepare); it may
    only prove what validity() calls valid: check digits, national posts' country suffix (a valid
    S10 number of another country is not a Royal Mail number) and the unknown carriers' patterns."""
    import duckdb
    rng = np.random.default_rng(5)
    good = _wellformed(rng, n=60)
    numbers = pl.concat([good, _corrupted(good, rng)])
    alias = {"ups": "ups", "usps": "usps", "fedex": "fedex", "dhl": "dhl", "s10": "royal_mail"}
    pairs = pl.concat([
        numbers.select(pl.col("code").replace_strict(alias).alias("carrier"), "tracking_number"),
        pl.DataFrame({"carrier": ["yto", "yto", "yto", "cainiao"],
                      "tracking_number": ["YT1234567890123", "YT123456789012", "yt1234567890123", "LP1234567890"]}),
    ]).unique()
    patterns = {"yto": "^YT[0-9]{13}$"}
    with duckdb.connect() as con:
        con.register("pairs", pairs)
        proven = con.sql(tracking.proven_query("SELECT carrier, tracking_number FROM pairs", patterns)).pl()
    verdicts = tracking.validity(pairs, patterns)
    both = proven.join(verdicts, on=["carrier", "tracking_number"], how="left")
    assert both.filter(pl.col("proven") & ~pl.col("valid").fill_null(False)).height == 0
    by = {(c, n): p for c, n, p in proven.iter_rows()}
    assert by[("yto", "YT1234567890123")] and by[("yto", "yt1234567890123")]  # case-insensitive, as validity()
    assert not by[("yto", "YT123456789012")] and not by[("cainiao", "LP1234567890")]  # no pattern: not proven
    royal = both.filter(pl.col("carrier") == "royal_mail")
    assert royal.filter(pl.col("proven")).height > 0
    # well-formed S10 numbers of other posts (synthetic SG / CN suffixes) are valid S10 but not Royal Mail's
    assert royal.filter(~pl.col("tracking_number").str.ends_with("GB") & pl.col("proven")).height == 0
    assert royal.filter(~pl.col("tracking_number").str.ends_with("GB") & (pl.col("reason") == "")).height == 0
    # ... and not vacuous: nearly every valid number is proven in SQL (a corrupted number that fits
    # another of the carrier's formats is left to the package)
    assert both["proven"].sum() >= 0.9 * both["valid"].sum() > 0
