"""Tracking-number validity per carrier (FT-TRACKING, malformed numbers).

The maintained `tracking-numbers` package knows the formats and check digits of UPS, USPS,
FedEx, DHL, Amazon Logistics, OnTrac, CDL and UPU S10 numbers. It validates one number at a
time in Python, so it runs on the DISTINCT (carrier, number) pairs only, with a cache across
calls. Carriers it does not know are judged by the regular expressions of the parameter
`fraud.tracking.unknown_carrier_patterns`; a carrier in neither is not judged (no row).
"""
from __future__ import annotations

import re
from functools import lru_cache

import polars as pl
from tracking_numbers import DEFINITIONS

# carrier names as they appear in exports -> the package's courier codes
CARRIER_ALIASES = {
    "ups": "ups", "usps": "usps", "united states postal service": "usps", "fedex": "fedex", "fed ex": "fedex",
    "dhl": "dhl", "dhl express": "dhl", "amazon": "amazon", "amazon logistics": "amazon", "ontrac": "ontrac",
    "cdl": "cdl", "s10": "s10", "upu": "s10",
}
KNOWN = {d.courier.code for d in DEFINITIONS}


@lru_cache(maxsize=1_000_000)
def package_verdict(code: str, number: str) -> str | None:
    """None when `number` is a valid number of courier `code`, else the reason it is not."""
    reasons = []
    compact = re.sub(r"\s+", "", number)
    for d in DEFINITIONS:
        if d.courier.code != code:
            continue
        tn = d.test(compact)
        if tn is None:
            continue
        if tn.valid:
            return None
        reasons.extend(msg for _, msg in tn.validation_errors)
    if reasons:
        return "check digit fails" if any("hecksum" in r for r in reasons) else reasons[0]
    return "wrong format"


def validity(pairs: pl.DataFrame, patterns: dict[str, str]) -> pl.DataFrame:
    """carrier, tracking_number, valid, reason for every judged pair of `pairs`."""
    compiled = {k.lower(): re.compile(v, re.IGNORECASE) for k, v in (patterns or {}).items()}
    carriers, numbers, valid, reasons = [], [], [], []
    for carrier, number in pairs.select("carrier", "tracking_number").iter_rows():
        code = CARRIER_ALIASES.get(carrier, carrier)
        if code in KNOWN:
            reason = package_verdict(code, number)
        elif carrier in compiled:
            reason = None if compiled[carrier].fullmatch(number.strip()) else "wrong format"
        else:
            continue
        carriers.append(carrier)
        numbers.append(number)
        valid.append(reason is None)
        reasons.append(reason or "")
    return pl.DataFrame({"carrier": carriers, "tracking_number": numbers, "valid": valid, "reason": reasons},
                        schema={"carrier": pl.Utf8, "tracking_number": pl.Utf8, "valid": pl.Boolean,
                                "reason": pl.Utf8})
