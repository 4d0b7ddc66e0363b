"""Tracking-number validity per carrier (FT-TRACKING, malformed numbers).

The maintained `tracking-numbers` package knows the formats and check digits of UPS, USPS,
FedEx, DHL, Amazon Logistics, OnTrac, CDL and UPU S10 numbers. It validates one number at a
time in pure Python (about 60 µs a number), so:
- it runs on the DISTINCT (carrier, number) pairs only;
- verdicts are cached in memory and on disk (`tracking_validity.parquet` in
  $TT_ANALYTICS_CACHE_DIR, default ~/.cache/tt_analytics; set it to `off` to disable), so a
  number is judged once however many evaluations (as-of dates, daily runs) see it.
Carriers the package does not know are judged by the regular expressions of the parameter
`fraud.tracking.unknown_carrier_patterns`, vectorised (polars, Rust regex); a carrier in neither
list is not judged (no row).

Fast path, in SQL: the common formats (UPS 1Z, USPS 20, FedEx Express 12, DHL Express 10, UPU
S10) have their check digits computed by a SQL expression generated from the package's own
algorithms and value lists (`proven_sql`, with the national posts' country suffix and the
parameter patterns; `proven_query` casts each number's serial to one integer first).
fraud.prepare runs it inside DuckDB, so the numbers it proves valid (nearly all) never leave the
database; `fast_valid` runs the same check digits on a frame. Every other number
(failing check digit, other formats, lower case, spaces) is judged by the package, so the
package stays the authority on everything that is flagged, and tests/test_fraud_tracking_fast.py
shows that the SQL never calls valid what the package (or validity()) does not.
"""
from __future__ import annotations

import os
import re
from functools import lru_cache
from pathlib import Path

import polars as pl
from tracking_numbers import DEFINITIONS

from ..catalog import _lit  # SQL string literal

# carrier names as they appear in exports -> the package's courier codes
CARRIER_ALIASES = {
    "ups": "ups", "usps": "usps", "united states postal service": "usps", "fedex": "fedex", "fed ex": "fedex",
    "dhl": "dhl", "dhl express": "dhl", "amazon": "amazon", "amazon logistics": "amazon", "ontrac": "ontrac",
    "cdl": "cdl", "s10": "s10", "upu": "s10",
}
# S10 (UPU) numbers of national posts end in the post's country code
S10_COUNTRY = {"royal_mail": "GB", "singpost": "SG", "ems": "CN", "china_post": "CN", "australia_post": "AU",
               "canada_post": "CA", "la_poste": "FR", "deutsche_post": "DE", "japan_post": "JP", "korea_post": "KR"}
CARRIER_ALIASES.update({k: "s10" for k in S10_COUNTRY})
KNOWN = {d.courier.code for d in DEFINITIONS}

def _allowed(product: str, group: str) -> str:
    """Regex alternation of the values the package accepts for `group` of `product`."""
    d = next(d for d in DEFINITIONS if d.product.name == product)
    v = next(v for v in d.additional_validations if v.regex_group_name == group)
    return "|".join(re.escape(m.value) if hasattr(m, "value") else m.pattern.pattern for m in v.value_matchers)


# UPS serial characters: digits as such, letters (ord - 3) % 10 (the package's UPSSerialNumberParser)
_UPS_VALUE = {**{str(i): i for i in range(10)}, **{c: (ord(c) - 3) % 10 for c in "ABCDEFGHIJKLMNOPQRSTUVWXYZ"}}
# code -> (full regex, serial start, serial length, checksum kind, parameters); all from the package
# definitions "UPS", "USPS 20", "FedEx Express (12)", "DHL Express", "S10"
FAST_FORMATS = {
    "ups": (rf"1Z[A-Z0-9]{{6}}(?:{_allowed('UPS', 'ServiceType')})[A-Z0-9]{{7}}[0-9]", 2, 15, "mod10", (1, 2)),
    "usps": (rf"(?:{_allowed('USPS 20', 'ServiceType')})[0-9]{{17}}[0-9]", 0, 19, "mod10", (3, 1)),
    "fedex": (r"[0-9]{12}", 0, 11, "weights", ([3, 1, 7, 3, 1, 7, 3, 1, 7, 3, 1], 11, 10)),
    "dhl": (r"[0-9]{10}", 0, 9, "mod7", None),
    "s10": (rf"(?:{_allowed('S10', 'ServiceType')})[0-9]{{9}}(?:{_allowed('S10', 'CountryCode')})", 2, 8, "weights_s10",
            ([8, 6, 4, 2, 3, 5, 9, 7], 11, None)),
}


def _serial_sql(code: str, n: str) -> str:
    """SQL UBIGINT: the serial digits of number `n` of courier `code` (FAST_FORMATS; UPS letters
    as their digit values) as one integer, computed once per number (_with_serial) so each check
    digit term is integer arithmetic on it, not a substring of its own (3x less time at 10M
    orders). TRY_CAST accepts spaces and signs, so the format regex must hold as well (it does:
    _check_digit_cases tests both); NULL for other couriers."""
    letters = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    cases = []
    for fmt, (_, start, length, _, _) in FAST_FORMATS.items():
        serial = f"substr({n}, {start + 1}, {length})"
        if fmt == "ups":
            serial = f"translate({serial}, {_lit(letters)}, {_lit(''.join(str(_UPS_VALUE[c]) for c in letters))})"
        cases.append(f"WHEN {code} IN ({', '.join(map(_lit, _names(fmt)))}) THEN TRY_CAST({serial} AS UBIGINT)")
    return f"CASE {' '.join(cases)} END"


def _names(fmt: str) -> list[str]:
    """The carrier names of a FAST_FORMATS courier code (the code and its CARRIER_ALIASES)."""
    return sorted({fmt, *(a for a, c in CARRIER_ALIASES.items() if c == fmt)})


def _check_digit_cases(code: str, n: str, serial: str) -> list[tuple[str, str]]:
    """(condition, test) branches of a SQL CASE (_case): `n` is a valid number of courier `code` (a
    package courier code or a carrier name of CARRIER_ALIASES) by FAST_FORMATS (format and check
    digit), computed from the package's own algorithms and value lists; `serial` is _serial_sql's
    integer of the same number. Digits are integer arithmetic or ord() - 48, never a cast that
    could fail on a row the format test rejects (SQL does not promise to test the format first)."""
    cases = []
    for fmt, (regex, start, length, kind, prm) in FAST_FORMATS.items():
        # serial digit i (0-based from the left); UPS letters were mapped to their values
        values = [f"({serial} // {10 ** (length - 1 - i)} % 10)" for i in range(length)]
        check = f"(ord(substr({n}, {start + length + 1}, 1)) - 48)"
        if kind == "mod10":  # package Mod10: even indexes times evens_multiplier, odd ones times odds_multiplier
            evens, odds = prm
            total = " + ".join(f"{v} * {evens if i % 2 == 0 else odds}" for i, v in enumerate(values))
            ok = f"{check} = CAST((10 - ({total}) % 10) % 10 AS INTEGER)"
        elif kind == "weights":
            w, m1, m2 = prm
            ok = f"{check} = CAST(({' + '.join(f'{v} * {w[i]}' for i, v in enumerate(values))}) % {m1} % {m2} AS INTEGER)"
        elif kind == "weights_s10":  # 11 - sum % 11, with 10 -> 0 and 11 -> 5: looked up by sum % 11
            r = f"({' + '.join(f'{v} * {prm[0][i]}' for i, v in enumerate(values))}) % 11"
            ok = f"{check} = [5, 0, 9, 8, 7, 6, 5, 4, 3, 2, 1][CAST({r} AS INTEGER) + 1]"
        else:  # mod7 of the serial number
            ok = f"{check} = CAST({serial} % 7 AS INTEGER)"
        cases.append((f"{code} IN ({', '.join(map(_lit, _names(fmt)))})", f"regexp_full_match({n}, {_lit(regex)}) AND {ok}"))
    return cases


def _case(branches: list[tuple[str, str]]) -> str:
    """SQL boolean: the test of the first branch whose condition holds; false when none does (or
    the test is NULL)."""
    return f"COALESCE(CASE {' '.join(f'WHEN {c} THEN {t}' for c, t in branches)} ELSE false END, false)"


def proven_sql(patterns: dict[str, str], carrier: str = "carrier", n: str = "tracking_number",
               serial: str = "serial") -> str:
    """SQL boolean over a carrier name (lower case, trimmed), a number and its serial column
    (_serial_sql; proven_query adds it): true only where the number is proven well formed without
    the package (check digits of FAST_FORMATS with national posts' country suffix, or the
    carrier's `patterns` regex for carriers the package does not know). False means "to be
    judged" (validity()), never "malformed". One CASE over the carrier: each row is tested
    against its own carrier's format only."""
    suffix = f"CASE {carrier} {' '.join(f'WHEN {_lit(p)} THEN {_lit(c)}' for p, c in S10_COUNTRY.items())} END"
    cases = [(c, f"COALESCE(ends_with({n}, {suffix}), true) AND {t}") for c, t in _check_digit_cases(carrier, n, serial)]
    unknown = {k.lower(): v for k, v in (patterns or {}).items() if CARRIER_ALIASES.get(k.lower(), k.lower()) not in KNOWN}
    for carrier_name, regex in unknown.items():  # the same whole-number, case-insensitive match as validity()
        cases.append((f"{carrier} = {_lit(carrier_name)}",
                      f"regexp_full_match({n}, {_lit('(?i)(?:' + regex.strip('^$') + ')')})"))
    return _case(cases)


def _with_serial(source: str, code: str, n: str) -> str:
    """`source` (SQL) and each number's serial (_serial_sql), computed once in a materialised
    step: otherwise DuckDB copies its expression into every check digit term of a filter on the
    test."""
    return f"WITH numbers AS MATERIALIZED (SELECT *, {_serial_sql(code, n)} AS serial FROM ({source}) source) "


def proven_query(source: str, patterns: dict[str, str], carrier: str = "carrier", n: str = "tracking_number") -> str:
    """`source` (SQL with columns `carrier` and `n`) with a boolean column `proven` (proven_sql)."""
    return f"{_with_serial(source, carrier, n)}SELECT * EXCLUDE (serial), {proven_sql(patterns, carrier, n)} AS proven FROM numbers"


def fast_valid(codes: pl.Series, numbers: pl.Series) -> pl.Series:
    """True where `numbers[i]` is a valid number of courier `codes[i]` by FAST_FORMATS (check digit
    included), False where the fast path cannot prove it (the package must judge those). The same
    SQL as in-database (proven_query), run by DuckDB on the frame."""
    import duckdb
    frame = pl.DataFrame({"code": codes, "n": numbers}, schema={"code": pl.Utf8, "n": pl.Utf8})
    with duckdb.connect() as con:
        con.register("frame", frame)
        return con.sql(f"{_with_serial('SELECT * FROM frame', 'code', 'n')}"
                       f"SELECT {_case(_check_digit_cases('code', 'n', 'serial'))} AS valid FROM numbers").pl()["valid"]


SCHEMA = {"carrier": pl.Utf8, "tracking_number": pl.Utf8, "valid": pl.Boolean, "reason": pl.Utf8}


@lru_cache(maxsize=1_000_000)
def package_verdict(code: str, number: str) -> str:
    """'' when `number` is a valid number of courier `code`, else the reason it is not."""
    reasons = []
    compact = re.sub(r"\s+", "", number)
    for d in DEFINITIONS:
        if d.courier.code != code:
            continue
        try:
            tn = d.test(compact)
        except ValueError:  # the package raises on a letter where a check digit belongs
            return "check digit is not a digit"
        if tn is None:
            continue
        if tn.valid:
            return ""
        reasons.extend(msg for _, msg in tn.validation_errors)
    if reasons:
        return "check digit fails" if any("hecksum" in r for r in reasons) else reasons[0]
    return "wrong format"


def _verdicts(pairs: list[tuple[str, str]]) -> list[str]:
    return [package_verdict(code, number) for code, number in pairs]


def cache_path() -> Path | None:
    where = os.environ.get("TT_ANALYTICS_CACHE_DIR", str(Path.home() / ".cache" / "tt_analytics"))
    return None if where.lower() == "off" else Path(where) / "tracking_validity.parquet"


def _package(pairs: pl.DataFrame) -> pl.DataFrame:
    """Verdicts for (code, carrier, tracking_number) rows: the fast path's proven-valid numbers,
    and the package's verdicts (through the disk cache) for all the others."""
    path = cache_path()
    proven = fast_valid(pairs["code"], pairs["tracking_number"])
    fast = pairs.filter(proven).with_columns(reason=pl.lit(""))
    rest = pairs.filter(~proven)
    cached = pl.DataFrame(schema={"code": pl.Utf8, "tracking_number": pl.Utf8, "reason": pl.Utf8})
    todo = rest.select("code", "tracking_number").unique()
    if path is not None and path.exists() and todo.height:
        try:
            cached = pl.read_parquet(path)
        except Exception:  # a broken cache is only a cache: judge everything again
            pass
    todo = todo.join(cached, on=["code", "tracking_number"], how="anti")
    if todo.height:
        rows = list(todo.iter_rows())
        reasons = _verdicts(rows)
        new = pl.DataFrame({"code": [r[0] for r in rows], "tracking_number": [r[1] for r in rows], "reason": reasons})
        cached = pl.concat([cached, new])
        if path is not None:
            try:
                path.parent.mkdir(parents=True, exist_ok=True)
                cached.write_parquet(path)
            except OSError:
                pass
    out = pl.concat([fast, rest.join(cached, on=["code", "tracking_number"], how="left")])
    # national posts' S10 numbers must end in their country code (string work on those rows only)
    national = pl.col("carrier").is_in(list(S10_COUNTRY))
    posts, others = out.filter(national), out.filter(~national)
    country = pl.col("carrier").replace_strict(S10_COUNTRY, default=None)
    wrong_country = (pl.col("reason") == "") & ~pl.col("tracking_number").str.strip_chars() \
        .str.to_uppercase().str.ends_with(country)
    posts = posts.with_columns(pl.when(wrong_country).then(pl.format("not a {} number (no {} suffix)", "carrier", country))
                               .otherwise(pl.col("reason")).alias("reason"))
    return pl.concat([others, posts])


def validity(pairs: pl.DataFrame, patterns: dict[str, str]) -> pl.DataFrame:
    """carrier, tracking_number, valid, reason for every judged pair of `pairs`."""
    pairs = pairs.select("carrier", "tracking_number").with_columns(
        pl.col("carrier").replace(CARRIER_ALIASES).alias("code"))
    known = pairs.filter(pl.col("code").is_in(sorted(KNOWN)))
    out = [_package(known).select("carrier", "tracking_number", (pl.col("reason") == "").alias("valid"), "reason")] \
        if known.height else []
    unknown = pairs.filter(~pl.col("code").is_in(sorted(KNOWN))).partition_by("carrier", as_dict=True)
    for carrier, regex in (patterns or {}).items():
        sub = unknown.get((carrier.lower(),))
        if sub is not None and sub.height:
            ok = pl.col("tracking_number").str.strip_chars().str.contains(f"(?i)^(?:{regex.strip('^$')})$")
            out.append(sub.select("carrier", "tracking_number", ok.alias("valid"),
                                  pl.when(ok).then(pl.lit("")).otherwise(pl.lit("wrong format")).alias("reason")))
    return pl.concat(out).cast(SCHEMA) if out else pl.DataFrame(schema=SCHEMA)
