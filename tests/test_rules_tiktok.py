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


# ------------------------------------------------------------------------------ invariants

from hypothesis import given, settings, strategies as st  # noqa: E402

from tt_analytics import catalog, params  # noqa: E402
from tt_analytics.evaluate import run as run_outputs  # noqa: E402
from golden import load_input  # noqa: E402

AS_OF = dt.date(2026, 11, 20)
PRM = params.load(AS_OF)


def _orders(shop: str, n_ok: int, n_bad: int, bad: dict) -> list[dict]:
    rows = [{"order_id": f"{shop}-ok-{i}", "shop_id": shop, "buyer_id": "b",
             "created_at": "2026-11-18T20:00:00Z", "shipped_at": "2026-11-18T22:00:00Z"} for i in range(n_ok)]
    rows += [{"order_id": f"{shop}-bad-{i}", "shop_id": shop, "buyer_id": "b", **bad} for i in range(n_bad)]
    return rows


def _points(region: str, metric: str, n_ok: int, n_bad: int) -> tuple[int, int]:
    """Metric points of a shop with n_bad bad orders, and of one with a single bad order more."""
    bad = ({"created_at": "2026-11-18T20:00:00Z", "cancelled_at": "2026-11-18T21:00:00Z",
            "cancel_initiator": "seller", "cancel_reason": "out_of_stock"} if metric == "SFCR"
           else {"created_at": "2026-11-14T20:00:00Z"})  # never shipped: late
    con = catalog.connect()
    load_input(con, {"shops": [{"shop_id": s, "platform": "tiktok", "region": region, "status": "active"}
                               for s in ("a", "b")],
                     "orders": _orders("a", n_ok, n_bad, bad) + _orders("b", n_ok, n_bad + 1, bad)})
    mp = run_outputs(con, AS_OF, PRM, outputs=["metric_points"]).metric_points
    got = {r["shop_id"]: r["points"] for r in mp.filter(mp["metric"] == metric).to_dicts()}
    return got["a"], got["b"]


@settings(max_examples=12, deadline=None)
@given(region=st.sampled_from(["US", "SEA", "UK"]), metric=st.sampled_from(["SFCR", "LDR"]),
       n_ok=st.integers(0, 60), n_bad=st.integers(0, 40))
def test_one_more_bad_order_never_lowers_metric_points(region, metric, n_ok, n_bad):
    """Adding a seller-fault cancellation (SFCR) or a late order (LDR) never lowers the points."""
    before, after = _points(region, metric, n_ok, n_bad)
    assert after >= before, (region, metric, n_ok, n_bad, before, after)


violation_days = st.lists(st.tuples(st.integers(0, 400), st.integers(0, 9), st.booleans()), max_size=8)


@settings(max_examples=12, deadline=None)
@given(events=violation_days)
def test_active_points_match_a_direct_count(events):
    """Active points = points scored in the 180 local days up to the date, overturned ones left out
    (a direct count; totals stay below 48 so termination plays no part)."""
    events = [(d, p, o) for d, p, o in events]
    if sum(p for _, p, _ in events) >= 48:
        return
    base = dt.date(2026, 11, 20)
    violations = [{"violation_id": f"v{i}", "shop_id": "s", "violation_type": "other", "points": p,
                   # 20:00Z is midday in Los Angeles: the local day is the UTC day
                   "recorded_at": f"{base - dt.timedelta(days=d)}T20:00:00Z",
                   "appeal_status": "overturned" if o else "none"}
                  for i, (d, p, o) in enumerate(events)]
    con = catalog.connect()
    load_input(con, {"shops": [{"shop_id": "s", "platform": "tiktok", "region": "US", "status": "active"}],
                     "violations": violations})
    row = run_outputs(con, base, PRM, outputs=["points"]).points.to_dicts()[0]
    expected = sum(p for d, p, o in events if d < 180 and not o)
    assert row["active_points"] == expected
    assert row["threshold"] == max([t for t in (0, 12, 24, 36) if t <= expected])
    assert row["warning"] == (min(t for t in (12, 24, 36, 48) if t > expected) - expected <= 5)


def test_a_custom_rules_file_changes_the_outcome(tmp_path):
    """Rules are data: a rules folder with a stricter SFCR tier file changes the points, no code."""
    case = expand(next(c for n, c in CASES if "US SFCR 2.5% with 5 cancellations" in n))
    assert check(case, run_case(case)) is None  # bundled rules: 2 points
    text = (Path(params.RULES_DIR) / "tiktok_metric_points_us_sea.yaml").read_text(encoding="utf-8")
    stricter = text.replace("{min_rate: 0.025, max_rate: 0.10, min_count: 5, max_count: null, points: 2,",
                            "{min_rate: 0.025, max_rate: 0.10, min_count: 5, max_count: null, points: 3,")
    assert stricter != text
    (tmp_path / "tiktok_metric_points_us_sea.yaml").write_text(stricter, encoding="utf-8")
    con = catalog.connect()
    load_input(con, case["input"])
    mp = run_outputs(con, AS_OF, params.load(AS_OF, tmp_path), outputs=["metric_points"]).metric_points
    row = mp.filter((mp["shop_id"] == "s1") & (mp["metric"] == "SFCR")).to_dicts()[0]
    assert row["points"] == 3


def test_a_new_dated_value_applies_from_its_date(tmp_path):
    """A later dated target applies only from its effective date (the older one stays before)."""
    text = (Path(params.RULES_DIR) / "tiktok_metrics.yaml").read_text(encoding="utf-8")
    newer = text.replace('target: {description: Seller-fault cancellations / orders created must stay below this., '
                         'reference: 002 §5 "店铺的商责取消率必须低于2.5%", values: {2024-07-15: {value: 0.025}}}',
                         'target: {description: Seller-fault cancellations / orders created must stay below this., '
                         'reference: 002 §5 "店铺的商责取消率必须低于2.5%", '
                         'values: {2024-07-15: {value: 0.025}, 2026-11-20: {value: 0.05}}}')
    assert newer != text
    (tmp_path / "tiktok_metrics.yaml").write_text(newer, encoding="utf-8")
    assert params.load("2026-11-19", tmp_path)["tiktok_metrics"]["metrics"]["SFCR"]["target"] == 0.025
    assert params.load("2026-11-20", tmp_path)["tiktok_metrics"]["metrics"]["SFCR"]["target"] == 0.05


def _empty_every_container(node) -> None:
    for child in (node.values() if isinstance(node, dict) else node):
        if isinstance(child, (dict, list)):
            _empty_every_container(child)
    node.clear()


def test_changing_loaded_parameters_does_not_change_the_next_load():
    """Golden cases override parameters in place (tests/golden.py); the cached parse must not see it
    (it did: a list-valued parameter changed by one test reached every later test's params.load)."""
    import copy
    first, raw = params.load(AS_OF), params.raw("douyin_deposit_cn")
    expected, expected_raw = copy.deepcopy(first), copy.deepcopy(raw)
    _empty_every_container(first)
    _empty_every_container(raw)
    assert params.load(AS_OF) == expected
    assert params.raw("douyin_deposit_cn") == expected_raw


QUERY_DIR = Path(__file__).parent.parent / "tt_analytics" / "queries" / "tiktok"


@pytest.mark.parametrize("path", sorted(QUERY_DIR.glob("*.sql")), ids=lambda p: p.name)
def test_queries_have_a_header_and_transpile_to_spark(path):
    import sqlglot
    text = path.read_text(encoding="utf-8")
    assert text.startswith(f"-- name: tiktok/{path.stem}\n"), "header must name the query"
    assert re.search(r"^-- Rules: .+", text, flags=re.M), "header must list the rule IDs"
    sqlglot.transpile(text, read="duckdb", write="spark", unsupported_level=sqlglot.ErrorLevel.RAISE)


def test_a_rules_file_missing_a_parameter_is_an_input_error(tmp_path):
    from tt_analytics.errors import InputError
    text = (Path(params.RULES_DIR) / "tiktok_violation_points.yaml").read_text(encoding="utf-8")
    broken = re.sub(r"^warn_within:\n(  .*\n)+", "", text, flags=re.M)
    assert "warn_within" not in broken
    (tmp_path / "tiktok_violation_points.yaml").write_text(broken, encoding="utf-8")
    con = catalog.connect()
    load_input(con, {"shops": [{"shop_id": "s", "platform": "tiktok", "region": "US", "status": "active"}]})
    with pytest.raises(InputError, match="warn_within"):
        run_outputs(con, AS_OF, params.load(AS_OF, tmp_path), outputs=["points"])
