"""TikTok Shop Partner API JSON -> `orders` + `order_lines` (orders search / detail responses) and
`returns` (returns search responses).

Accepted layouts, each as one JSON document (object or array) or as JSON lines (one value per
line): whole responses (`{"code": 0, "data": {"orders": [...]}}`, `{"data": {"return_orders":
[...]}}`), or bare order / return objects. A record is a return when it has `return_id`, else an
order. Times are Unix seconds (UTC), so no region is needed to read them. `_row` in rejected
rows is the record's number in the file (its line number for JSON lines).
"""
from __future__ import annotations

import json
from pathlib import Path

import polars as pl

from ..errors import InputError
from . import parse, pii
from .base import Context, Loaded, all_rejected_error, drop_duplicate_keys, finish, split
from .seller_center import CANCEL_REASONS

ENVELOPE_KEYS = ("orders", "order_list", "return_orders", "returns", "return_list")
STATUSES = ["UNPAID", "ON_HOLD", "AWAITING_SHIPMENT", "PARTIALLY_SHIPPING", "AWAITING_COLLECTION", "IN_TRANSIT",
            "DELIVERED", "COMPLETED", "CANCELLED"]
INITIATOR = {"seller": "seller", "buyer": "buyer", "system": "system", "user": "buyer", "platform": "system",
             "operator": "system"}
RETURN_TYPES = {"refund": "refund", "refund_only": "refund", "return_and_refund": "return_and_refund",
                "replacement": "replacement", "exchange": "replacement"}
# return_reason is a code such as `ecom_order_delivered_refund_and_return_reason_damaged`, or text
RETURN_REASONS = [
    (r"late|dispatch|shipped late|took too long", "late_dispatch"),
    (r"empty", "empty_package"),
    (r"damage|broken", "damaged"),
    (r"wrong|incorrect|different (item|product)", "wrong_item"),
    (r"missing|incomplete|parts? missing", "missing_item"),
    (r"not_as_described|not as described|description|counterfeit|fake", "not_as_described"),
    (r"defect|quality|not work|doesn't work|malfunction|faulty", "defective"),
    (r"lost|not_received|not received|didn't receive|never arrived|undelivered", "lost_in_transit"),
    (r"no_longer|no longer|changed|mind|dont_want|don't want|better price|ordered by mistake|unwanted", "changed_mind"),
]
SELLER_FAULT_REASONS = ["late_dispatch", "empty_package", "damaged", "wrong_item", "missing_item",
                        "not_as_described", "defective", "lost_in_transit"]
TERMINAL_RETURN = r"COMPLETE|SUCCESS|REJECT|CANCEL|CLOSED|REFUNDED"
PII_FIELDS = ["user_id", "buyer_email", "buyer_message", "recipient_address.name", "recipient_address.first_name",
              "recipient_address.last_name", "recipient_address.phone_number", "recipient_address.full_address",
              "recipient_address.address_detail", "recipient_address.address_line1", "recipient_address.address_line2",
              "recipient_address.address_line3", "recipient_address.address_line4"]


def _records(path: Path) -> list[tuple[int, dict]]:
    """(record number, record) for every order or return in the file, envelopes unwrapped."""
    text = path.read_text(encoding="utf-8-sig")
    values: list[tuple[int, object]] = []
    try:
        doc = json.loads(text)
        values = [(0, doc)]
        lines = False
    except json.JSONDecodeError as whole:
        lines = True
        for n, line in enumerate(text.splitlines(), start=1):
            if not line.strip():
                continue
            try:
                values.append((n, json.loads(line)))
            except json.JSONDecodeError as e:
                err = whole if n == 1 else e
                raise InputError(f"not valid JSON or JSON lines ({err.msg}, column {err.colno})", file=str(path),
                                 row=err.lineno if n == 1 else n) from None
    out: list[tuple[int, dict]] = []

    def add(n: int, v: object) -> None:
        if isinstance(v, list):
            for item in v:
                add(n, item)
        elif isinstance(v, dict):
            data = v.get("data") if isinstance(v.get("data"), dict) else v
            inner = next((data[k] for k in ENVELOPE_KEYS if isinstance(data.get(k), list)), None)
            if inner is not None:
                add(n, inner)
            elif "return_id" in v or "id" in v:
                out.append((n if lines else len(out) + 1, v))
            else:
                raise InputError("a JSON value is neither an order (id), a return (return_id) nor an API response "
                                 f"with data.orders / data.return_orders; its keys: {', '.join(list(v)[:8])}",
                                 file=str(path), row=n or None)
        else:
            raise InputError(f"expected JSON objects, found {type(v).__name__}", file=str(path), row=n or None)

    for n, v in values:
        add(n, v)
    return out


def _frame(path: Path, records: list[tuple[int, dict]]) -> pl.DataFrame:
    if not records:
        return pl.DataFrame()
    try:
        df = pl.json_normalize([r for _, r in records], separator=".", max_level=1, infer_schema_length=None)
    except Exception as e:  # mixed types that cannot be unified
        raise InputError(f"the JSON records do not share one layout ({type(e).__name__}: {str(e)[:200]})",
                         file=str(path)) from None
    return df.with_columns(pl.Series("_row", [n for n, _ in records], dtype=pl.Int64))


def _text(df: pl.DataFrame, name: str) -> pl.Expr:
    if name not in df.columns:
        return pl.lit(None, pl.String)
    c = pl.col(name)
    return c.cast(pl.String) if df.schema[name] != pl.String else c.str.strip_chars().replace("", None)


def _epoch(df: pl.DataFrame, name: str) -> pl.Expr:
    secs = _text(df, name).cast(pl.Int64, strict=False)
    secs = pl.when(secs > 0).then(secs)  # 0 means "not yet" in the API
    return pl.from_epoch(secs, time_unit="s").dt.replace_time_zone("UTC")


def _time_check(df: pl.DataFrame, name: str) -> pl.Expr:
    if name not in df.columns:
        return pl.lit(None, pl.String)
    return parse.bad_if(_text(df, name).is_not_null() & _text(df, name).cast(pl.Int64, strict=False).is_null(),
                        f"column '{name}': expected Unix seconds")


def _safe(df: pl.DataFrame, key: bytes) -> pl.DataFrame:
    """Raw scalar fields as text, personal data hashed (for rejected-row reports)."""
    scalar = [c for c, t in df.schema.items() if not isinstance(t, (pl.List, pl.Struct))]
    out = df.select(scalar).with_columns(pl.exclude("_row").cast(pl.String))
    return pii.redact(out, PII_FIELDS, key)


def load(path: Path, ctx: Context) -> Loaded:
    shop_id = ctx.need_shop(path, "Partner API")
    records = _records(path)
    loaded = Loaded("partner_api", len(records), region=ctx.region, platform=ctx.platform or "tiktok")
    if not records:
        raise InputError("the JSON holds no order and no return", file=str(path))
    orders = [(n, r) for n, r in records if "return_id" not in r]
    returns = [(n, r) for n, r in records if "return_id" in r]
    if orders:
        _orders(loaded, _frame(path, orders), shop_id, ctx.key)
        all_rejected_error(path, loaded, "orders")
    if returns:
        _returns(loaded, _frame(path, returns), shop_id, ctx.key)
        all_rejected_error(path, loaded, "returns")
    return loaded


def _orders(loaded: Loaded, df: pl.DataFrame, shop_id: str, key: bytes) -> None:
    t = lambda n: _text(df, n)  # noqa: E731
    currency_amount = t("payment.total_amount")
    safe = _safe(df, key)
    df = df.with_columns(t("cancel_reason").alias("_cancel_text"))
    df = df.with_columns(
        t("id").alias("order_id"),
        t("status").str.to_uppercase().alias("_status"),
        _epoch(df, "create_time").alias("created_at"), _epoch(df, "paid_time").alias("paid_at"),
        _epoch(df, "rts_sla_time").alias("ship_by"), _epoch(df, "rts_time").alias("shipped_at"),
        _epoch(df, "delivery_time").alias("delivered_at"), _epoch(df, "cancel_time").alias("cancelled_at"),
        parse.lookup("cancellation_initiator", INITIATOR).alias("cancel_initiator")
        if "cancellation_initiator" in df.columns else pl.lit(None, pl.String).alias("cancel_initiator"),
        parse.classify(t("cancel_reason"), CANCEL_REASONS, "other").alias("cancel_reason"),
        currency_amount.cast(pl.Float64, strict=False).alias("amount"),
        t("payment.currency").alias("currency"),
        t("tracking_number").alias("tracking_number"),
        t("shipping_provider").str.to_lowercase().alias("carrier"),
        t("recipient_address.postal_code").alias("ship_to_zip"),
        pl.lit(shop_id).alias("shop_id"),
    )
    address = pii.norm_address([t("recipient_address.full_address"), t("recipient_address.postal_code"),
                                t("recipient_address.region_code")])
    df = pii.hash_columns(df, {
        "buyer_id": ("buyer", pl.coalesce(pl.lit("user_id:") + t("user_id"),
                                          pl.lit("email:") + pii.norm_username(t("buyer_email")))),
        "buyer_phone_hash": ("phone", pii.norm_phone(t("recipient_address.phone_number"))),
        "ship_to_address_hash": ("address", address),
    }, key)
    checks = [
        parse.bad_if(pl.col("order_id").is_null(), "column 'id': value is required"),
        parse.bad_if(pl.col("created_at").is_null(), "column 'create_time': expected Unix seconds"),
        *(_time_check(df, c) for c in ["paid_time", "rts_sla_time", "rts_time", "delivery_time", "cancel_time"]),
        parse.bad_if(~pl.col("_status").is_in(STATUSES), f"column 'status': expected one of {', '.join(STATUSES)}"),
        parse.bad_if(pl.col("buyer_id").is_null(), "column 'user_id': no buyer (user_id or buyer_email)"),
        parse.bad_if(currency_amount.is_not_null() & pl.col("amount").is_null(),
                     "column 'payment.total_amount': expected an amount like 12.50"),
    ]
    if "cancellation_initiator" in df.columns:
        checks.append(parse.parse_check("cancellation_initiator", pl.col("cancel_initiator"), "SELLER, BUYER or SYSTEM"))
    good, bad = split(df, parse.reasons(checks))
    for table in ("orders", "order_lines"):
        loaded.reject(table, safe.join(bad.select("_row", "_reason"), on="_row"))
    good = drop_duplicate_keys(loaded, "orders", good, safe)
    finish(loaded, "orders", good)
    loaded.texts = good.filter(pl.col("_cancel_text").is_not_null()).select(
        pl.lit("orders").alias("table"), pl.col("order_id").alias("id"), pl.lit("cancel_reason").alias("field"),
        pl.col("_cancel_text").alias("text"), pl.col("cancel_reason").alias("code"))

    if "line_items" not in good.columns or good.height == 0:
        loaded.tables.setdefault("order_lines", finish_empty("order_lines"))
        return
    items = good.select("order_id", "_row", "line_items").explode("line_items").filter(
        pl.col("line_items").is_not_null()).unnest("line_items")
    i = lambda n: _text(items, n)  # noqa: E731
    num = lambda n: i(n).cast(pl.Float64, strict=False)  # noqa: E731
    qty = i("quantity").cast(pl.Int64, strict=False) if "quantity" in items.columns else pl.lit(1, pl.Int64)
    items = items.with_columns(
        i("id").alias("line_id"), i("product_id").alias("product_id"), i("sku_id").alias("sku_id"),
        qty.alias("quantity"),
        # after the seller's discount, before the platform's (FS-PRICE-HIST)
        pl.coalesce(num("original_price") - num("seller_discount").fill_null(0),
                    num("sale_price") + num("platform_discount").fill_null(0), num("sale_price")).alias("unit_price"),
    )
    line_checks = [parse.bad_if(pl.col(c).is_null(), f"column 'line_items[].{src}': value is required")
                   for c, src in [("line_id", "id"), ("sku_id", "sku_id"), ("product_id", "product_id"),
                                  ("quantity", "quantity"), ("unit_price", "original_price")]]
    lines, bad_lines = split(items, parse.reasons(line_checks))
    scalar = [c for c, tp in bad_lines.schema.items() if not isinstance(tp, (pl.List, pl.Struct))
              and c not in ("line_id", "quantity", "unit_price")]
    loaded.reject("order_lines", bad_lines.select(scalar).with_columns(pl.exclude("_row").cast(pl.String)))
    lines = drop_duplicate_keys(loaded, "order_lines", lines, safe)
    finish(loaded, "order_lines", lines)


def finish_empty(table: str) -> pl.DataFrame:
    return parse.conform(pl.DataFrame(), table)


def _returns(loaded: Loaded, df: pl.DataFrame, shop_id: str, key: bytes) -> None:
    t = lambda n: _text(df, n)  # noqa: E731
    reason_text = pl.coalesce(t("return_reason_text"), t("return_reason"))
    safe = _safe(df, key)
    df = df.with_columns(
        t("return_id").alias("_return_id"), t("order_id").alias("_order_id"),
        pl.lit(shop_id).alias("shop_id"),
        _epoch(df, "create_time").alias("requested_at"),
        pl.when(t("return_status").str.to_uppercase().str.contains(TERMINAL_RETURN))
        .then(_epoch(df, "update_time")).alias("resolved_at"),
        parse.lookup("return_type", RETURN_TYPES).alias("_return_type")
        if "return_type" in df.columns else pl.lit(None, pl.String).alias("_return_type"),
        parse.classify(reason_text, RETURN_REASONS, "other").fill_null("other").alias("reason"),
    ).with_columns(pl.col("reason").is_in(SELLER_FAULT_REASONS).alias("seller_fault"))
    checks = [
        parse.bad_if(pl.col("_return_id").is_null(), "column 'return_id': value is required"),
        parse.bad_if(pl.col("_order_id").is_null(), "column 'order_id': value is required"),
        parse.bad_if(pl.col("requested_at").is_null(), "column 'create_time': expected Unix seconds"),
        parse.bad_if(pl.col("_return_type").is_null(),
                     "column 'return_type': expected REFUND, RETURN_AND_REFUND or REPLACEMENT"),
    ]
    good, bad = split(df, parse.reasons(checks))
    loaded.reject("returns", safe.join(bad.select("_row", "_reason"), on="_row"))
    good = good.with_columns(pl.col("_return_id").alias("return_id"), pl.col("_order_id").alias("order_id"),
                             pl.col("_return_type").alias("return_type"))
    good = drop_duplicate_keys(loaded, "returns", good, safe)
    finish(loaded, "returns", good)
    texts = good.filter(reason_text.is_not_null()).select(
        pl.lit("returns").alias("table"), pl.col("return_id").alias("id"), pl.lit("reason").alias("field"),
        reason_text.alias("text"), pl.col("reason").alias("code"))
    loaded.texts = texts if loaded.texts is None else pl.concat([loaded.texts, texts])
