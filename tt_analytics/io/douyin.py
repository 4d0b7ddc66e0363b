"""Douyin (抖店) exports: the order export -> `orders` + `order_lines`, and the after-sales export
-> `returns` + `disputes`.

Quirks handled (docs/loaders.md has the column mapping):
- Chinese headers; UTF-8, UTF-8 with BOM or GB18030 (what Excel writes on a Chinese system);
- IDs often carry a leading tab (to stop Excel from turning them into numbers): stripped;
- times are Asia/Shanghai wall times (region CN unless --region says otherwise);
- one row per sub-order (子订单); orders are keyed by the main order number (主订单编号), the
  order amount is the sum of the sub-orders' 订单应付金额;
- 取消原因 carries both who cancelled and why (`买家：不想要了`, `商家：缺货`, `超时未发货`).
"""
from __future__ import annotations

from pathlib import Path

import polars as pl

from ..errors import InputError
from . import detect, parse, pii
from .base import Context, Loaded, all_rejected_error, drop_duplicate_keys, finish, split
from .seller_center import CANCEL_REASONS

ORDER_REQUIRED = ["主订单编号", "子订单编号", "商品ID", "商品数量", "订单提交时间", "订单状态"]
ORDER_TIMES = ["订单提交时间", "支付完成时间", "承诺发货时间", "发货时间", "订单完成时间", "取消时间", "签收时间"]
AFTERSALES_REQUIRED = ["售后单号", "售后类型", "售后申请时间"]
AFTERSALES_TIMES = ["售后申请时间", "售后完结时间", "仲裁申请时间"]
ORDER_NUMBER = ["主订单编号", "订单编号", "订单号"]  # the after-sales export names it differently by version
PII_COLUMNS = ["收件人", "收件人手机号", "收货人", "联系电话", "手机号", "详细地址", "街道", "买家昵称", "用户昵称",
               "买家留言", "商家备注"]
ADDRESS_COLUMNS = ["详细地址", "街道", "区", "市", "省"]
PHONE_COLUMNS = ["收件人手机号", "联系电话", "手机号"]
BUYER_COLUMNS = ["买家昵称", "用户昵称", "买家ID"]

STATUS = {
    "待支付": "unpaid", "待付款": "unpaid", "未支付": "unpaid",
    "备货中": "awaiting_shipment", "待发货": "awaiting_shipment", "部分发货": "partially_shipping",
    "已发货": "in_transit", "待收货": "in_transit", "运输中": "in_transit",
    "已签收": "delivered",
    "已完成": "completed", "交易成功": "completed", "交易完成": "completed",
    "已关闭": "cancelled", "交易关闭": "cancelled", "已取消": "cancelled", "订单关闭": "cancelled",
}
CANCEL_INITIATOR = [(r"买家|用户|顾客", "buyer"), (r"商家|卖家|店铺", "seller"),
                    (r"系统|平台|超时|自动", "system")]
RETURN_TYPES = [(r"退货退款", "return_and_refund"), (r"换货|补寄|维修", "replacement"), (r"退款", "refund")]
RETURN_REASONS = [
    (r"迟发货|发货慢|未按约定时间发货|超时发货|延迟发货", "late_dispatch"),
    (r"空包", "empty_package"),
    (r"破损|损坏|压坏|碎", "damaged"),
    (r"发错|错发|型号不符|颜色不符|尺码不符|规格不符", "wrong_item"),
    (r"少件|漏发|缺件|少发", "missing_item"),
    (r"描述不符|与描述|图片不符|与商品描述|假货|虚假宣传", "not_as_described"),
    (r"质量|瑕疵|故障|不能使用|无法使用|失效", "defective"),
    (r"丢件|丢失|未收到|没收到|物流|快递", "lost_in_transit"),
    (r"不想要|拍错|多拍|七天无理由|7天无理由|不喜欢|买错|其他渠道|价格", "changed_mind"),
]
SELLER_FAULT_REASONS = ["late_dispatch", "empty_package", "damaged", "wrong_item", "missing_item",
                        "not_as_described", "defective", "lost_in_transit"]
LIABLE = [(r"商家|卖家|店铺", "seller"), (r"买家|用户|消费者", "buyer"), (r"平台", "platform"),
          (r"物流|快递|承运", "carrier"), (r"^无|无责|无需|双方无责", "none")]
NO_ARBITRATION = ["无", "未仲裁", "未申请仲裁", "未申请", "否", "不涉及"]


def _read(path: Path, required: list[str], what: str) -> pl.DataFrame:
    raw = detect.read_table(path)
    missing = [c for c in required if c not in raw.columns]
    if missing:
        raise InputError(f"a Douyin {what} export needs the column(s) {', '.join(missing)}",
                         file=str(path), row=1, column=missing[0])
    return parse.clean_text(raw)


def _first_present(raw: pl.DataFrame, names: list[str]) -> pl.Expr:
    cols = [pl.col(n) for n in names if n in raw.columns]
    return pl.coalesce(cols) if cols else pl.lit(None, pl.String)


def _times(raw: pl.DataFrame, names: list[str], tz: str) -> tuple[str, dict[str, pl.Expr]]:
    fmt = parse.choose_time_format(raw, names, month_first_default=False)
    return fmt, {c: parse.local_time(c, tz, fmt) for c in names if c in raw.columns}


def _col(df_cols, name: str, dtype=pl.String) -> pl.Expr:
    return pl.col(name) if name in df_cols else pl.lit(None, dtype)


def load_orders(path: Path, ctx: Context) -> Loaded:
    shop_id = ctx.need_shop(path, "Douyin")
    region = ctx.region or "CN"
    tz = parse.region_timezone(region)
    raw = _read(path, ORDER_REQUIRED, "order")
    loaded = Loaded("douyin_orders", raw.height, region=region, platform=ctx.platform or "douyin")
    fmt, times = _times(raw, ORDER_TIMES, tz)
    cols = set(raw.columns)
    t = lambda n: pl.col(f"_t_{n}") if n in times else pl.lit(None, pl.Datetime("us", "UTC"))  # noqa: E731
    qty = pl.col("商品数量").cast(pl.Float64, strict=False)
    _, payable = parse.amount("订单应付金额") if "订单应付金额" in cols else (None, pl.lit(None, pl.Float64))
    _, unit = parse.amount("商品单价") if "商品单价" in cols else (None, pl.lit(None, pl.Float64))
    cancel_text = _col(cols, "取消原因")
    df = raw.with_columns(
        parse.digits_id("主订单编号").alias("order_id"),
        parse.lookup("订单状态", STATUS).alias("_status"),
        *(e.alias(f"_t_{c}") for c, e in times.items()),
        pl.when(qty == qty.round(0)).then(qty).otherwise(None).cast(pl.Int64).alias("quantity"),
        payable.alias("_payable"), unit.alias("_unit"),
        parse.classify(cancel_text, CANCEL_INITIATOR, None).alias("cancel_initiator"),
        parse.classify(cancel_text, CANCEL_REASONS, "other").alias("cancel_reason"),
    )
    phone = pii.norm_phone(_first_present(raw, PHONE_COLUMNS))
    df = pii.hash_columns(df, {
        "buyer_id": ("buyer", pl.coalesce(pii.norm_username(_first_present(raw, BUYER_COLUMNS)),
                                          pl.lit("phone:") + phone)),
        "buyer_phone_hash": ("phone", phone),
        "ship_to_address_hash": ("address", pii.norm_address([_col(cols, c) for c in ADDRESS_COLUMNS])),
    }, ctx.key)
    expected_time = "a time like 2026-11-05 10:00:00"
    cancelled_at = pl.coalesce(t("取消时间"), t("订单完成时间"))
    order_checks = [
        parse.required_check("主订单编号"),
        parse.bad_if(pl.col("主订单编号").is_not_null() & pl.col("order_id").is_null(), "column '主订单编号': expected digits"),
        parse.required_check("订单提交时间"),
        *(parse.parse_check(c, pl.col(f"_t_{c}"), expected_time) for c in times),
        parse.parse_check("订单状态", pl.col("_status"), "an order status such as 待发货, 已发货, 已完成, 已关闭"),
        parse.bad_if((pl.col("_status") == "cancelled") & cancelled_at.is_null(),
                     "column '取消时间': a closed order needs its cancel time (取消时间 or 订单完成时间)"),
        parse.bad_if(pl.col("buyer_id").is_null(), "column '收件人手机号': no buyer (买家昵称 or 收件人手机号)"),
    ]
    if "订单应付金额" in cols:
        order_checks.append(parse.parse_check("订单应付金额", pl.col("_payable"), "an amount like 25.00"))
    line_checks = [parse.required_check("子订单编号"), parse.required_check("商品ID"),
                   parse.parse_check("商品数量", pl.col("quantity"), "a whole number")]
    safe = pii.redact(raw, PII_COLUMNS, ctx.key)
    good, bad = split(df, parse.reasons(order_checks))
    for table in ("orders", "order_lines"):
        loaded.reject(table, safe.join(bad.select("_row", "_reason"), on="_row"))

    def first_of(names: list[str]) -> pl.Expr:
        present = [n for n in names if n in cols]
        return pl.coalesce([pl.col(n) for n in present]).drop_nulls().first() if present else pl.lit(None, pl.String)

    orders = good.group_by("order_id", maintain_order=True).agg(
        pl.col("buyer_id", "buyer_phone_hash", "ship_to_address_hash", "_status").first(),
        *(pl.col(f"_t_{c}").min() for c in times),
        pl.col("_payable").sum().alias("amount") if "订单应付金额" in cols else pl.lit(None, pl.Float64).alias("amount"),
        pl.col("cancel_initiator", "cancel_reason").drop_nulls().first(),
        first_of(["取消原因"]).alias("_cancel_text"),
        first_of(["快递单号", "物流单号", "运单号"]).alias("tracking_number"),
        first_of(["快递公司", "物流公司"]).str.to_lowercase().alias("carrier"),
        pl.col("_row").min(),
    )
    is_cancelled = pl.col("_status") == "cancelled"
    orders = orders.with_columns(
        pl.lit(shop_id).alias("shop_id"), pl.lit("CNY").alias("currency"),
        t("订单提交时间").alias("created_at"), t("支付完成时间").alias("paid_at"),
        t("承诺发货时间").alias("ship_by"), t("发货时间").alias("shipped_at"), t("签收时间").alias("delivered_at"),
        pl.when(pl.col("_status") == "completed").then(t("订单完成时间")).alias("completed_at"),
        pl.when(is_cancelled).then(cancelled_at).alias("cancelled_at"),
        pl.when(is_cancelled).then(pl.col("cancel_initiator")).alias("cancel_initiator"),
        pl.when(is_cancelled).then(pl.col("cancel_reason")).alias("cancel_reason"),
    )
    finish(loaded, "orders", orders)
    loaded.texts = orders.filter(pl.col("_cancel_text").is_not_null() & pl.col("cancelled_at").is_not_null()).select(
        pl.lit("orders").alias("table"), pl.col("order_id").alias("id"), pl.lit("cancel_reason").alias("field"),
        pl.col("_cancel_text").alias("text"), pl.col("cancel_reason").alias("code"))

    lines, bad_lines = split(good, parse.reasons(line_checks))
    loaded.reject("order_lines", safe.join(bad_lines.select("_row", "_reason"), on="_row"))
    lines = lines.with_columns(
        pl.col("子订单编号").alias("line_id"), pl.col("商品ID").alias("product_id"),
        pl.coalesce(_col(cols, "SKU ID"), _col(cols, "商家编码"),
                    pl.concat_str([pl.col("商品ID"), _col(cols, "商品规格")], separator="|", ignore_nulls=True)
                    ).alias("sku_id"),
        pl.coalesce(pl.col("_unit"), pl.when(pl.col("quantity") > 0).then(pl.col("_payable") / pl.col("quantity"))
                    ).alias("unit_price"),
    )
    lines = drop_duplicate_keys(loaded, "order_lines", lines, safe)
    finish(loaded, "order_lines", lines)
    loaded.notes.append(f"times read as {fmt} in {tz}.")
    all_rejected_error(path, loaded, "orders")
    return loaded


def load_aftersales(path: Path, ctx: Context) -> Loaded:
    shop_id = ctx.need_shop(path, "Douyin after-sales")
    region = ctx.region or "CN"
    tz = parse.region_timezone(region)
    raw = _read(path, AFTERSALES_REQUIRED, "after-sales")
    order_col = next((c for c in ORDER_NUMBER if c in raw.columns), None)
    if order_col is None:
        raise InputError(f"a Douyin after-sales export needs the order number ({' or '.join(ORDER_NUMBER)})",
                         file=str(path), row=1, column=ORDER_NUMBER[0])
    loaded = Loaded("douyin_aftersales", raw.height, region=region, platform=ctx.platform or "douyin")
    fmt, times = _times(raw, AFTERSALES_TIMES, tz)
    cols = set(raw.columns)
    t = lambda n: pl.col(f"_t_{n}") if n in times else pl.lit(None, pl.Datetime("us", "UTC"))  # noqa: E731
    reason_text = _col(cols, "售后原因")
    liable = parse.classify(_col(cols, "纠纷责任方"), LIABLE, None)
    arbitration = _col(cols, "仲裁状态")
    df = raw.with_columns(
        pl.col("售后单号").alias("return_id"), parse.digits_id(order_col).alias("order_id"),
        pl.lit(shop_id).alias("shop_id"),
        *(e.alias(f"_t_{c}") for c, e in times.items()),
        parse.classify(pl.col("售后类型"), RETURN_TYPES, None).alias("return_type"),
        parse.classify(reason_text, RETURN_REASONS, "other").fill_null("other").alias("reason"),
        liable.alias("liable_party"),
    ).with_columns(
        # the platform's liability ruling, where there is one, beats the reason's default
        pl.coalesce(pl.when(pl.col("liable_party").is_not_null()).then(pl.col("liable_party") == "seller"),
                    pl.col("reason").is_in(SELLER_FAULT_REASONS)).alias("seller_fault"),
        t("售后申请时间").alias("requested_at"), t("售后完结时间").alias("resolved_at"),
    )
    checks = [
        parse.required_check("售后单号"), parse.required_check(order_col),
        parse.bad_if(pl.col(order_col).is_not_null() & pl.col("order_id").is_null(), f"column '{order_col}': expected digits"),
        parse.required_check("售后申请时间"),
        *(parse.parse_check(c, pl.col(f"_t_{c}"), "a time like 2026-11-05 10:00:00") for c in times),
        parse.required_check("售后类型"),
        parse.parse_check("售后类型", pl.col("return_type"), "仅退款, 退货退款 or 换货"),
    ]
    safe = pii.redact(raw, PII_COLUMNS, ctx.key)
    good, bad = split(df, parse.reasons(checks))
    loaded.reject("returns", safe.join(bad.select("_row", "_reason"), on="_row"))
    returns = drop_duplicate_keys(loaded, "returns", good, safe)
    finish(loaded, "returns", returns)
    loaded.texts = returns.filter(reason_text.is_not_null()).select(
        pl.lit("returns").alias("table"), pl.col("return_id").alias("id"), pl.lit("reason").alias("field"),
        reason_text.alias("text"), pl.col("reason").alias("code"))

    # an after-sales case that went to platform arbitration (仲裁) is a dispute
    if "仲裁状态" in cols:
        disputed = returns.filter(arbitration.is_not_null() & ~arbitration.is_in(NO_ARBITRATION))
        liable_bad = disputed.filter(_col(cols, "纠纷责任方").is_not_null() & pl.col("liable_party").is_null())
        loaded.reject("disputes", safe.join(liable_bad.select("_row"), on="_row").with_columns(
            pl.lit("column '纠纷责任方': expected 商家, 买家, 平台, 物流 or 无").alias("_reason")))
        disputed = disputed.join(liable_bad.select("_row"), on="_row", how="anti")
        initiator = parse.classify(_col(cols, "仲裁发起方"), [(r"商家|卖家", "seller")], "buyer").fill_null("buyer")
        done = arbitration.str.contains("完成|完结|结束|已仲裁|已判定")
        disputes = disputed.with_columns(
            pl.col("return_id").alias("dispute_id"),
            pl.coalesce(t("仲裁申请时间"), pl.col("requested_at")).alias("opened_at"),
            initiator.alias("initiator"),
            pl.when(done).then(pl.col("resolved_at")).alias("resolved_at"),
        )
        finish(loaded, "disputes", disputes)
    loaded.notes.append(f"times read as {fmt} in {tz}.")
    all_rejected_error(path, loaded, "returns")
    return loaded
