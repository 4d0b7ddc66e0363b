"""Carrier tracking numbers, generated vectorised with valid check digits.

TikTok carriers use formats known to the `tracking-numbers` package (UPS, USPS 20, FedEx Express 12,
DHL Express 10, UPU S10 for Royal Mail / SingPost / China Post EMS), so a generated honest number
passes `tracking_numbers.get_tracking_number(n)` with no validation errors. The Chinese express
carriers are not in that package; their formats are documented here (`CN_FORMATS`) and in
docs/synthetic-data.md.
"""
from __future__ import annotations

import re

import numpy as np
import polars as pl

# carrier -> (courier name reported by `tracking-numbers`, or None when the package does not know it)
CARRIERS: dict[str, str | None] = {
    "ups": "UPS", "usps": "United States Postal Service", "fedex": "FedEx",
    "royal_mail": "S10 International Standard", "singpost": "S10 International Standard",
    "dhl": "DHL", "ems": "S10 International Standard",
    "sf_express": None, "yto": None, "zto": None,
}
REGION_CARRIERS = {"US": ("ups", "usps", "fedex"), "UK": ("royal_mail", "dhl"),
                   "SEA": ("singpost", "dhl"), "CN": ("sf_express", "yto", "zto", "ems")}
# Formats of carriers `tracking-numbers` does not know (checked by tests and by FT-TRACKING).
CN_FORMATS: dict[str, str] = {
    "sf_express": r"SF\d{13}",   # SF Express waybill: SF + 13 digits
    "yto": r"YT\d{13}",          # YTO Express: YT + 13 digits
    "zto": r"7\d{13}",           # ZTO Express: 14 digits starting with 7
}
S10_COUNTRY = {"royal_mail": "GB", "singpost": "SG", "ems": "CN"}


def is_wellformed(carrier: str, number: str) -> bool:
    """True when `number` is a well-formed tracking number of `carrier` (used by the tests)."""
    if carrier in CN_FORMATS:
        return re.fullmatch(CN_FORMATS[carrier], number) is not None
    import tracking_numbers
    try:
        tn = tracking_numbers.get_tracking_number(number)
    except ValueError:  # the package raises on a letter where a check digit belongs (UPS)
        return False
    return tn is not None and not tn.validation_errors and tn.courier.name == CARRIERS[carrier] and (
        carrier not in S10_COUNTRY or number.endswith(S10_COUNTRY[carrier]))


_MULT = np.uint64(7919)  # prime, coprime with 10: x -> x * 7919 + salt is a bijection mod 10^k


def _serial(index: np.ndarray, digits: int, salt: int) -> np.ndarray:
    """Distinct numbers below 10^digits for distinct indices below 10^digits (affine bijection)."""
    m = np.uint64(10 ** digits)
    return ((index.astype(np.uint64) % m) * _MULT + np.uint64(salt) % m) % m


def _digits(x: np.ndarray, n: int) -> np.ndarray:
    pw = np.uint64(10) ** np.arange(n - 1, -1, -1, dtype=np.uint64)
    return ((x[:, None] // pw) % np.uint64(10)).astype(np.int64)


def _zfill(x: np.ndarray, n: int) -> pl.Series:
    return pl.Series(x).cast(pl.String).str.zfill(n)


def _mod10(d: np.ndarray, even_mult: int, odd_mult: int) -> np.ndarray:
    w = np.where(np.arange(d.shape[1]) % 2 == 0, even_mult, odd_mult)
    c = (d * w).sum(axis=1) % 10
    return np.where(c == 0, 0, 10 - c)


def numbers(carrier: str, index: np.ndarray, shop: np.ndarray, salt: int) -> pl.Series:
    """Well-formed tracking numbers of `carrier`, distinct for distinct `index` (global order index)."""
    n = len(index)
    if n == 0:
        return pl.Series([], dtype=pl.String)
    idx = index.astype(np.uint64)
    if carrier == "ups":
        # 1Z + shipper (6) + service "03" + package (7) + check; shipper encodes shop and index // 1e7
        shipper = (shop.astype(np.uint64) * np.uint64(1000) + idx // np.uint64(10 ** 7) + np.uint64(salt)) % np.uint64(10 ** 6)
        pkg = _serial(idx, 7, salt)
        body = shipper * np.uint64(10 ** 9) + np.uint64(3 * 10 ** 7) + pkg  # 15 digits
        d = _digits(body, 15)
        # UPS serial: shipper + service + package digits; odd positions (1,3,..) doubled
        chk = _mod10(d, 1, 2)
        return (pl.DataFrame({"b": _zfill(body, 15), "c": chk.astype(str)})
            .select(pl.concat_str([pl.lit("1Z"), pl.col("b"), pl.col("c")])).to_series())
    if carrier == "usps":
        # USPS 20: service "71" + shipper (9) + package (8) + check (mod 10, weights 3/1)
        body = (np.uint64(71 * 10 ** 17) + (shop.astype(np.uint64) * np.uint64(1000) + idx // np.uint64(10 ** 8)) % np.uint64(10 ** 9) * np.uint64(10 ** 8)
                + _serial(idx, 8, salt))
        chk = _mod10(_digits(body, 19), 3, 1)
        return pl.DataFrame({"b": _zfill(body, 19), "c": chk.astype(str)}).select(pl.concat_str(["b", "c"])).to_series()
    if carrier == "fedex":
        body = _serial(idx, 11, salt)
        w = np.array([3, 1, 7, 3, 1, 7, 3, 1, 7, 3, 1])
        chk = (_digits(body, 11) * w).sum(axis=1) % 11 % 10
        return pl.DataFrame({"b": _zfill(body, 11), "c": chk.astype(str)}).select(pl.concat_str(["b", "c"])).to_series()
    if carrier == "dhl":
        body = _serial(idx, 9, salt)
        chk = (body % np.uint64(7)).astype(np.int64)
        return pl.DataFrame({"b": _zfill(body, 9), "c": chk.astype(str)}).select(pl.concat_str(["b", "c"])).to_series()
    if carrier in S10_COUNTRY:
        body = _serial(idx, 8, salt)
        w = np.array([8, 6, 4, 2, 3, 5, 9, 7])
        r = (_digits(body, 8) * w).sum(axis=1) % 11
        chk = np.where(r == 1, 0, np.where(r == 0, 5, 11 - r))
        # service indicator L[A-Z]; the second letter grows every 1e8 parcels so numbers stay distinct
        letter = pl.Series(np.array(list("ABCDEFGHIJKLMNOPQRSTUVWXYZ"))[(idx // np.uint64(10 ** 8)) % np.uint64(26)])
        return (pl.DataFrame({"l": letter, "b": _zfill(body, 8), "c": chk.astype(str)})
                .select(pl.concat_str([pl.lit("L"), "l", "b", "c", pl.lit(S10_COUNTRY[carrier])])).to_series())
    if carrier in ("sf_express", "yto"):
        body = _serial(idx, 13, salt)
        return pl.select(pl.concat_str([pl.lit("SF" if carrier == "sf_express" else "YT"), pl.lit(_zfill(body, 13))])).to_series()
    if carrier == "zto":
        body = _serial(idx, 13, salt)
        return pl.select(pl.concat_str([pl.lit("7"), pl.lit(_zfill(body, 13))])).to_series()
    raise ValueError(f"unknown carrier {carrier!r}")


def malformed(carrier: str, good: pl.Series, u: np.ndarray) -> pl.Series:
    """Malformed variants of well-formed numbers: a digit dropped, or letters where digits belong."""
    dropped = good.str.slice(0, good.str.len_chars() - 1)
    lettered = good.str.replace(r"\d{3}(\D*)$", "OOX${1}")
    return pl.Series(np.where(u < 0.5, dropped.to_numpy(), lettered.to_numpy()), dtype=pl.String)
