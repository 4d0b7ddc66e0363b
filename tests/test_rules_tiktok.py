"""TikTok rule engine: golden cases (tests/rules/tiktok/*.yaml), rule-ID coverage, invariants.

Cases may carry `fill`: a list of bulk order specs `{count, shop_id, <order columns>...}` expanded
into `input.orders` (18-digit order IDs), so that boundary cases with 40 or 101 orders stay short.
"""
from __future__ import annotations

import copy
import datetime as dt
import re
from pathlib import Path

import pytest

from golden import check, load_cases, run_case

CASES = load_cases("tiktok/*.yaml")
RULES_MD = Path("/work/shared/RULES.md")
# Rule IDs of RULES.md §1-§4 and §6 (§6 has no ID in RULES.md; the cases call it SLA-EXT).
RULE_IDS = {
    "VP-EXPIRE", "VP-PERMANENT", "VP-NO-RESET", "VP-APPEAL", "VP-T12", "VP-T24", "VP-T36", "VP-T48", "VP-WARN",
    "CS-FRT", "CS-RR24", "CS-RR48", "NRR", "DLR", "RRR", "SFCR", "LDR", "DRR",
    "HOLD-SNAD", "HOLD-FAKE", "APPEAL-1", "APPEAL-2", "APPEAL-PAY", "LINKED",
    "SS-ACTIVE", "SS-GRAD", "SS-ORDERS", "SS-RATING", "SS-POINTS", "SS-FAKE",
    "SLA-EXT",
}


def expand(case: dict) -> dict:
    """Expand `fill` specs into input rows. A spec is `{count, table (default orders), <columns>}`;
    IDs are generated. Extras: orders may carry `with_return: {<returns columns>}` (one return per
    order); messages may carry `reply_after_minutes` and `reply_sender` (each buyer message opens
    its own conversation and gets that reply)."""
    case = copy.deepcopy(case)
    tables = case.setdefault("input", {})
    n = 0
    for spec in case.get("fill") or []:
        spec = dict(spec)
        count, table = spec.pop("count"), spec.pop("table", "orders")
        ret = spec.pop("with_return", None)
        reply = spec.pop("reply_after_minutes", None)
        sender = spec.pop("reply_sender", "seller")
        rows = tables.setdefault(table, [])
        for _ in range(count):
            n += 1
            oid = f"9{n:017d}"
            if table == "orders":
                rows.append({"order_id": oid, "buyer_id": f"fill{n}", **spec})
                if ret is not None:
                    tables.setdefault("returns", []).append(
                        {"return_id": f"r{n}", "order_id": oid, "shop_id": spec["shop_id"],
                         "return_type": "refund", "seller_fault": True, **ret})
            elif table == "messages":
                rows.append({"message_id": f"m{n}", "conversation_id": f"c{n}", "sender": "buyer", **spec})
                if reply is not None:
                    sent = dt.datetime.fromisoformat(str(spec["sent_at"]).replace("Z", "+00:00"))
                    rows.append({"message_id": f"m{n}r", "conversation_id": f"c{n}", "sender": sender,
                                 "shop_id": spec["shop_id"],
                                 "sent_at": (sent + dt.timedelta(minutes=reply)).isoformat()})
            elif table == "reviews":
                rows.append({"review_id": f"rv{n}", "order_id": oid, **spec})
            elif table == "disputes":
                rows.append({"dispute_id": f"d{n}", "order_id": oid, **spec})
            elif table == "returns":
                rows.append({"return_id": f"r{n}", "order_id": oid, "return_type": "refund", **spec})
            else:
                raise ValueError(f"fill does not support table {table}")
    return case


def case_rules(case: dict) -> set[str]:
    r = case["rule"]
    return set(r if isinstance(r, list) else [r])


@pytest.mark.parametrize("case", [c for _, c in CASES], ids=[n for n, _ in CASES])
def test_golden(case):
    case = expand(case)
    check(case, run_case(case))


def test_every_rule_id_has_a_golden_case():
    covered = set().union(*(case_rules(c) for _, c in CASES))
    missing = RULE_IDS - covered
    assert not missing, f"rule IDs without a golden case: {sorted(missing)}"


def test_rule_ids_match_rules_md():
    """The list above is RULES.md §1-§4 (read from the digest when it is available)."""
    if not RULES_MD.exists():
        pytest.skip("shared RULES.md not present on this machine")
    text = RULES_MD.read_text(encoding="utf-8")
    sections = re.split(r"^## ", text, flags=re.M)
    wanted = set()
    for s in sections:
        if s[:2] in {"1.", "2.", "3.", "4."}:
            wanted |= set(re.findall(r"^\| ([A-Z][A-Z0-9]*(?:-[A-Z0-9]+)*) \|", s, flags=re.M))
    wanted.discard("ID")  # table header
    assert wanted and wanted <= RULE_IDS, sorted(wanted - RULE_IDS)
