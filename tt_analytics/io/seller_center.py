"""TikTok Shop Seller Center order export (CSV or XLSX) -> `orders` + `order_lines`.

Quirks handled (docs/loaders.md has the full column mapping):
- one row per SKU line, with the order's amount repeated on every line: orders take each order
  field once (from the order's first line), lines keep one row each;
- a description row right under the header (its Order ID is not a number): skipped;
- UTF-8 with BOM; cells often end with a tab; `-` or empty means no value;
- local times without zone, `DD/MM/YYYY HH:MM:SS` or `MM/DD/YYYY h:mm:ss AM/PM`, decided per file,
  converted to UTC with the region's zone (--region is required);
- amounts with a currency prefix (`MYR 25.00`, `BRL 35,91`);
- 18-digit order IDs kept as text (an Excel number that lost digits is rejected);
- Cancel By Seller / User / System -> seller / buyer / system; Cancel Reason free text -> a reason
  code (the text is kept in `_original_text`); Order Status in English or Chinese;
- columns missing in some markets are simply null.
"""
from __future__ import annotations

from pathlib import Path

import polars as pl

from ..errors import InputError
from . import detect, parse, pii
from .base import Context, Loaded, all_rejected_error, finish, split

FORMAT = "seller_center"
REQUIRED = ["Order ID", "Order Status", "Created Time", "SKU ID", "Quantity"]
TIME_COLUMNS = ["Created Time", "Paid Time", "RTS Time", "Shipped Time", "Delivered Time", "Cancelled Time"]
PII_COLUMNS = ["Buyer Username", "Recipient", "Phone #", "House Name or Number", "Detail Address",
               "Additional address information", "Commune", "Delivery Instruction", "Buyer Message", "Seller Note"]
# the delivery address, most specific part first (markets name the parts differently)
ADDRESS_COLUMNS = ["House Name or Number", "Detail Address", "Additional address information", "Commune", "District",
                   "City", "Province", "State", "Zipcode", "Country"]

# Order Status in the seller's interface language (English, Chinese) -> status used for checks.
STATUS = {
    "unpaid": "unpaid", "未付款": "unpaid", "待付款": "unpaid",
    "on hold": "on_hold", "暂停": "on_hold",
    "to ship": "awaiting_shipment", "awaiting shipment": "awaiting_shipment", "待发货": "awaiting_shipment",
    "awaiting collection": "awaiting_collection", "待揽收": "awaiting_collection", "待取件": "awaiting_collection",
    "partially shipping": "partially_shipping", "部分发货": "partially_shipping",
    "shipped": "in_transit", "in transit": "in_transit", "运输中": "in_transit", "已发货": "in_transit",
    "delivered": "delivered", "已送达": "delivered", "已签收": "delivered",
    "completed": "completed", "已完成": "completed",
    "cancelled": "cancelled", "canceled": "cancelled", "已取消": "cancelled",
}
CANCEL_BY = {"seller": "seller", "user": "buyer", "buyer": "buyer", "system": "system", "platform": "system",
             "卖家": "seller", "商家": "seller", "买家": "buyer", "用户": "buyer", "系统": "system", "平台": "system"}
FULFILLMENT = {"normal": "spot", "普通": "spot", "现货": "spot", "pre-order": "presale", "preorder": "presale",
               "预售": "presale"}
# Cancel Reason text -> reason code; first match wins (order matters: unpaid before "overdue" SLA).
CANCEL_REASONS = [
    (r"unpaid|payment|未付款|未支付|付款超时", "other"),
    (r"out of stock|stock|sold out|缺货|库存|无货", "out_of_stock"),
    (r"pric|价格|标价", "pricing_error"),
    (r"ship within|shipping time|time limit|not shipped|wasn't shipped|didn't ship|did not ship|late ship|"
     r"late dispatch|overdue|超时未发货|未按时发货|逾期", "sla_timeout"),
    (r"address|地址", "address_issue"),
    (r"no longer|changed? (my|of) mind|don't want|do not want|better price|buyer|customer|duplicate order|"
     r"ordered by mistake|不想要|拍错|买家|重复", "buyer_request"),
]


def _month_first(region: str) -> bool:
    return region == "US"


def load(path: Path, ctx: Context) -> Loaded:
    shop_id = ctx.need_shop(path, "Seller Center")
    if not ctx.region:
        raise InputError("Seller Center exports have local times without a zone; pass --region (US, UK, SEA)",
                         file=str(path))
    tz = parse.region_timezone(ctx.region)
    raw = detect.read_table(path)
    missing = [c for c in REQUIRED if c not in raw.columns]
    if missing:
        raise InputError(f"a Seller Center order export needs the column(s) {', '.join(missing)}",
                         file=str(path), row=1, column=missing[0])
    raw = parse.clean_text(raw)
    loaded = Loaded(FORMAT, 0, region=ctx.region, platform=ctx.platform or "tiktok")
    # the description row right under the header: its Order ID is a sentence, not a number
    if raw.height and not (raw["Order ID"][0] or "").isdigit() and raw["_row"][0] == 2:
        raw = raw.slice(1)
        loaded.notes.append("skipped the description row under the header.")
    loaded.rows_read = raw.height
    raw_cols = raw.columns
    col = lambda name: pl.col(name) if name in raw.columns else pl.lit(None, pl.String)  # noqa: E731
    tcol = lambda name: pl.col(f"_t_{name}") if name in raw.columns else pl.lit(None, pl.Datetime("us", "UTC"))  # noqa: E731
    mcol = lambda name: pl.col(f"_m_{name}") if name in raw.columns else pl.lit(None, pl.Float64)  # noqa: E731

    fmt = parse.choose_time_format(raw, TIME_COLUMNS, _month_first(ctx.region))
    times = {c: parse.local_time(c, tz, fmt) for c in TIME_COLUMNS if c in raw.columns}
    currency, amount = parse.amount("Order Amount") if "Order Amount" in raw.columns else (None, None)
    qty = pl.col("Quantity").cast(pl.Float64, strict=False)
    money = {c: parse.amount(c)[1] for c in ["SKU Unit Original Price", "SKU Subtotal Before Discount",
                                             "SKU Seller Discount"] if c in raw.columns}

    df = raw.with_columns(
        parse.digits_id("Order ID").alias("order_id"),
        parse.lookup("Order Status", STATUS).alias("_status"),
        *(e.alias(f"_t_{c}") for c, e in times.items()),
        (parse.lookup("Cancel By", CANCEL_BY) if "Cancel By" in raw.columns else pl.lit(None, pl.String)
         ).alias("cancel_initiator"),
        parse.classify(col("Cancel Reason"), CANCEL_REASONS, "other").alias("cancel_reason"),
        (parse.lookup("Normal or Pre-order", FULFILLMENT) if "Normal or Pre-order" in raw.columns
         else pl.lit(None, pl.String)).alias("fulfillment"),
        (amount if amount is not None else pl.lit(None, pl.Float64)).alias("amount"),
        (currency if currency is not None else pl.lit(None, pl.String)).alias("currency"),
        pl.when(qty == qty.round(0)).then(qty).otherwise(None).cast(pl.Int64).alias("quantity"),
        *(e.alias(f"_m_{c}") for c, e in money.items()),
    )
    df = pii.hash_columns(df, {
        "buyer_id": ("buyer", pl.coalesce(pii.norm_username(col("Buyer Username")),
                                          pl.lit("phone:") + pii.norm_phone(col("Phone #")))),
        "buyer_phone_hash": ("phone", pii.norm_phone(col("Phone #"))),
        "ship_to_address_hash": ("address", pii.norm_address([col(c) for c in ADDRESS_COLUMNS])),
    }, ctx.key)

    expected_time = f"a local time like {parse.TIME_FORMAT_TEXT}"
    order_checks = [
        parse.required_check("Order ID"),
        parse.bad_if(pl.col("Order ID").is_not_null() & pl.col("order_id").is_null(),
                     "column 'Order ID': expected digits (an order ID stored as an Excel number loses digits; "
                     "export it as text)"),
        parse.required_check("Created Time"),
        *(parse.parse_check(c, pl.col(f"_t_{c}"), expected_time) for c in times),
        parse.required_check("Order Status"),
        parse.parse_check("Order Status", pl.col("_status"),
                          "an order status such as Unpaid, Awaiting shipment, In transit, Delivered, Completed, "
                          "Cancelled (or 未付款, 待发货, 运输中, 已送达, 已完成, 已取消)"),
        parse.bad_if((pl.col("_status") == "cancelled") & pl.col("_t_Cancelled Time").is_null()
                     if "Cancelled Time" in times else pl.lit(False),
                     "column 'Cancelled Time': a cancelled order needs its cancel time"),
        parse.bad_if(pl.col("buyer_id").is_null(), "column 'Buyer Username': no buyer (Buyer Username or Phone #)"),
    ]
    if "Cancel By" in raw.columns:
        order_checks.append(parse.parse_check("Cancel By", pl.col("cancel_initiator"), "Seller, User or System"))
    if "Normal or Pre-order" in raw.columns:
        order_checks.append(parse.parse_check("Normal or Pre-order", pl.col("fulfillment"), "Normal or Pre-order"))
    if "Order Amount" in raw.columns:
        order_checks.append(parse.parse_check("Order Amount", pl.col("amount"), "an amount like MYR 25.00"))
    line_checks = [
        parse.required_check("SKU ID"),
        parse.required_check("Quantity"),
        parse.parse_check("Quantity", pl.col("quantity"), "a whole number"),
        *(parse.parse_check(c, pl.col(f"_m_{c}"), "an amount like MYR 25.00") for c in money),
    ]
    safe = pii.redact(raw, PII_COLUMNS, ctx.key)

    good, bad = split(df, parse.reasons(order_checks))
    bad_rows = bad.select("_row", "_reason")
    loaded.reject("orders", safe.join(bad_rows, on="_row"))
    loaded.reject("order_lines", safe.join(bad_rows, on="_row"))

    first = pl.col("_row") == pl.col("_row").min().over("order_id")
    orders = good.filter(first).with_columns(
        pl.lit(shop_id).alias("shop_id"),
        tcol("Created Time").alias("created_at"),
        tcol("Paid Time").alias("paid_at"),
        # Shipped Time is the carrier's pickup; markets whose export lacks it only have RTS Time
        (tcol("Shipped Time") if "Shipped Time" in times else tcol("RTS Time")).alias("shipped_at"),
        tcol("Delivered Time").alias("delivered_at"),
        tcol("Cancelled Time").alias("cancelled_at"),
        col("Tracking ID").alias("tracking_number"),
        col("Shipping Provider Name").str.to_lowercase().alias("carrier"),
        col("Zipcode").alias("ship_to_zip"),
    )
    finish(loaded, "orders", orders)
    if "Cancel Reason" in raw.columns:
        loaded.texts = orders.filter(pl.col("Cancel Reason").is_not_null()).select(
            pl.lit("orders").alias("table"), pl.col("order_id").alias("id"), pl.lit("cancel_reason").alias("field"),
            pl.col("Cancel Reason").alias("text"), pl.col("cancel_reason").alias("code"))

    lines, bad_lines = split(good, parse.reasons(line_checks))
    loaded.reject("order_lines", safe.join(bad_lines.select("_row", "_reason"), on="_row"))
    n = pl.col("_row").rank("ordinal").over(["order_id", "SKU ID"]).cast(pl.Int64)
    # price per unit after the seller's discount, before the platform's (FS-PRICE-HIST)
    subtotal = pl.when(pl.col("quantity") > 0).then(
        (mcol("SKU Subtotal Before Discount") - mcol("SKU Seller Discount").fill_null(0)) / pl.col("quantity"))
    lines = lines.with_columns(
        pl.when(n == 1).then(pl.col("SKU ID")).otherwise(pl.format("{}#{}", pl.col("SKU ID"), n)).alias("line_id"),
        pl.coalesce(col("Product ID"), pl.col("SKU ID")).alias("product_id"),
        pl.col("SKU ID").alias("sku_id"),
        pl.coalesce(subtotal, mcol("SKU Unit Original Price")).alias("unit_price"),
    )
    finish(loaded, "order_lines", lines)
    loaded.notes.append(f"times read as {fmt} in {tz}.")
    all_rejected_error(path, loaded, "orders")
    return loaded
