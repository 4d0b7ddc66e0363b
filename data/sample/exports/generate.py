"""Write the bundled sample raw exports (same content every run; the XLSX container carries a
save timestamp, so its bytes differ). Fake people, phones and addresses.

    .venv/bin/python data/sample/exports/generate.py

Writes, next to this script: a US Seller Center CSV, a Malaysian (SEA) Seller Center XLSX, a
Douyin order export (GB18030) and after-sales export (UTF-8 with BOM), Partner API orders (JSON
lines) and returns (a search response), and manifest.yaml, which lists every file with its shop,
region and platform, the shops, and every clear-text phone, address, name and username used,
so that a test can grep outputs for them. The demo ingests them with
`tt_analytics.io.ingest_manifest`.
"""
from __future__ import annotations

import csv
import datetime as dt
import io
import json
import random
from pathlib import Path
from zoneinfo import ZoneInfo

import openpyxl
import yaml

HERE = Path(__file__).parent
SEED = 20261120
END = dt.datetime(2026, 11, 19, 22, 0)  # last order time (local); the demo's as-of date is 2026-11-20
DAYS = 30

SC_HEADER = ["Order ID", "Order Status", "Order Substatus", "Cancelation/Return Type", "Normal or Pre-order", "SKU ID",
             "Seller SKU", "Product Name", "Variation", "Quantity", "Sku Quantity of return",
             "SKU Unit Original Price", "SKU Subtotal Before Discount", "SKU Platform Discount",
             "SKU Seller Discount", "SKU Subtotal After Discount", "Shipping Fee After Discount",
             "Original Shipping Fee", "Shipping Fee Seller Discount", "Shipping Fee Platform Discount",
             "Payment platform discount", "Taxes", "Small Order Fee", "Order Amount", "Order Refund Amount",
             "Created Time", "Paid Time", "RTS Time", "Shipped Time", "Delivered Time", "Cancelled Time", "Cancel By",
             "Cancel Reason", "Fulfillment Type", "Warehouse Name", "Tracking ID", "Delivery Option",
             "Shipping Provider Name", "Buyer Message", "Buyer Username", "Recipient", "Phone #", "Zipcode", "Country",
             "Province", "District", "Commune", "Detail Address", "Additional address information",
             "Payment Method", "Weight(kg)", "Product Category", "Package ID", "Seller Note", "Checked Status",
             "Checked Marked by"]
SC_DESCRIPTION = {
    "Order ID": "Platform unique order ID.", "Order Status": "Current order status.",
    "Quantity": "SKU sold quantity in the order.", "Order Amount": "Total amount the buyer paid for the order.",
    "Created Time": "Time the order was placed.", "Cancel By": "Who cancelled the order.",
}
FIRST = ["Alex", "Sam", "Jordan", "Taylor", "Casey", "Riley", "Morgan", "Jamie", "Avery", "Quinn"]
LAST = ["Sample", "Placeholder", "Testcase", "Example", "Dummy", "Fictional"]
STREETS = ["Fakeway Lane", "Nowhere Street", "Imaginary Avenue", "Mock Road", "Pretend Court", "Sample Boulevard"]
PRODUCTS = [("1729384756000001", "TSHIRT-BLK-M", "Cotton T-shirt", "Black, M", 12.99),
            ("1729384756000002", "TSHIRT-WHT-L", "Cotton T-shirt", "White, L", 12.99),
            ("1729384756000003", "MUG-350", "Ceramic mug", "350 ml", 8.50),
            ("1729384756000004", "LAMP-DESK", "Desk lamp", "Warm white", 24.00),
            ("1729384756000005", "SOCKS-3P", "Socks, 3 pairs", "One size", 6.75)]

pii = {"phones": set(), "addresses": set(), "names": set(), "usernames": set()}


def person(rng: random.Random, i: int, phone_fmt: str, address_fmt: str) -> dict:
    name = f"{rng.choice(FIRST)} {rng.choice(LAST)}"
    phone = phone_fmt.format(i % 100)
    address = address_fmt.format(n=10 + i, street=rng.choice(STREETS))
    user = f"{name.split()[0].lower()}_{rng.randint(100, 999)}"
    pii["phones"].add(phone)
    pii["addresses"].add(address)
    pii["names"].add(name)
    pii["usernames"].add(user)
    return {"name": name, "phone": phone, "address": address, "user": user}


def created_times(rng: random.Random, n: int) -> list[dt.datetime]:
    start = END - dt.timedelta(days=DAYS)
    return sorted(start + dt.timedelta(seconds=rng.randint(0, DAYS * 86400)) for _ in range(n))


def lifecycle(rng: random.Random, created: dt.datetime) -> dict:
    """Times and cancellation of an order placed at `created` (local time)."""
    age = (END - created).days
    out = {"paid": created + dt.timedelta(minutes=rng.randint(0, 30)), "rts": None, "shipped": None,
           "delivered": None, "cancelled": None, "cancel_by": None, "cancel_reason": None, "status": "Completed"}
    roll = rng.random()
    if roll < 0.04:
        out.update(cancelled=created + dt.timedelta(hours=rng.randint(2, 30)), cancel_by="Seller",
                   cancel_reason="Out of stock", status="Cancelled")
    elif roll < 0.06:
        out.update(cancelled=created + dt.timedelta(days=4), cancel_by="System",
                   cancel_reason="Package wasn't shipped within the time limit", status="Cancelled")
    elif roll < 0.10:
        out.update(cancelled=created + dt.timedelta(hours=rng.randint(1, 10)), cancel_by="User",
                   cancel_reason="No longer needed", status="Cancelled")
    else:
        late = rng.random() < 0.05
        out["rts"] = created + dt.timedelta(hours=rng.randint(6, 40) + (72 if late else 0))
        out["shipped"] = out["rts"] + dt.timedelta(hours=rng.randint(2, 20))
        if age >= 6:
            out["delivered"] = out["shipped"] + dt.timedelta(days=rng.randint(2, 5))
        out["status"] = "Completed" if age >= 12 else ("Delivered" if out["delivered"] else
                                                        ("In transit" if out["shipped"] <= END else
                                                         "Awaiting collection"))
        if out["shipped"] > END:
            out.update(rts=None, shipped=None, status="Awaiting shipment")
    return out


def seller_center_rows(rng: random.Random, n_orders: int, first_id: int, currency: str, fmt: str, people: list,
                       statuses: dict | None = None, country: str = "United States") -> list[dict]:
    rows = []
    tab = lambda t: (t.strftime(fmt) + "\t") if t else ""  # noqa: E731 - exports append a tab to times
    for k, created in enumerate(created_times(rng, n_orders)):
        life = lifecycle(rng, created)
        who = people[rng.randrange(len(people))]
        items = rng.sample(PRODUCTS, rng.choice([1, 1, 1, 2, 3]))
        lines = [(p, rng.choice([1, 1, 2])) for p in items]
        subtotal = sum(p[4] * q for p, q in lines)
        shipping = 0 if subtotal > 25 else 3.99
        amount = round(subtotal + shipping, 2)
        oid = str(first_id + k * 7919)
        for p, q in lines:
            money = lambda v: f"{currency} {v:.2f}"  # noqa: E731
            rows.append({
                "Order ID": oid, "Order Status": (statuses or {}).get(life["status"], life["status"]),
                "Normal or Pre-order": "Normal", "SKU ID": p[0], "Seller SKU": p[1], "Product Name": p[2],
                "Variation": p[3], "Quantity": str(q), "Sku Quantity of return": "0",
                "SKU Unit Original Price": money(p[4]), "SKU Subtotal Before Discount": money(p[4] * q),
                "SKU Platform Discount": money(0), "SKU Seller Discount": money(0),
                "SKU Subtotal After Discount": money(p[4] * q), "Shipping Fee After Discount": money(shipping),
                "Original Shipping Fee": money(shipping), "Order Amount": money(amount),
                "Order Refund Amount": money(amount if life["cancelled"] else 0),
                "Created Time": tab(created), "Paid Time": tab(life["paid"]), "RTS Time": tab(life["rts"]),
                "Shipped Time": tab(life["shipped"]), "Delivered Time": tab(life["delivered"]),
                "Cancelled Time": tab(life["cancelled"]), "Cancel By": life["cancel_by"] or "",
                "Cancel Reason": life["cancel_reason"] or "", "Fulfillment Type": "Fulfillment by seller",
                "Tracking ID": f"TT{int(oid) % 10**12:012d}" if life["shipped"] else "",
                "Shipping Provider Name": "USPS" if currency == "USD" else "J&T Express",
                "Buyer Username": who["user"], "Recipient": who["name"], "Phone #": who["phone"],
                "Zipcode": who["zip"], "Country": country, "Province": who["province"], "District": "",
                "Detail Address": who["address"], "Payment Method": "Card", "Weight(kg)": "0.4",
                "Product Category": "Home", "Package ID": str(1150000000000000000 + int(oid) % 10**12),
            })
    return rows


def write_seller_center_csv(path: Path, rng: random.Random) -> None:
    people = [dict(person(rng, i, "+1 555-01{:02d}", "{n} {street}"), zip=f"9{rng.randint(1000, 6999):04d}",
                   province=rng.choice(["California", "Oregon", "Nevada"])) for i in range(40)]
    rows = seller_center_rows(rng, 60, 576461413038785000, "USD", "%m/%d/%Y %I:%M:%S %p", people)
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=SC_HEADER, lineterminator="\r\n")
    w.writeheader()
    w.writerow({h: SC_DESCRIPTION.get(h, "") for h in SC_HEADER})
    w.writerows(rows)
    path.write_bytes(buf.getvalue().encode("utf-8-sig"))


def write_seller_center_xlsx(path: Path, rng: random.Random) -> None:
    # a Malaysian shop whose seller uses the Chinese interface; this market's export has no Commune
    header = [h for h in SC_HEADER if h not in ("Commune", "Checked Status", "Checked Marked by")]
    people = [dict(person(rng, 40 + i, "+1 555-01{:02d}", "No. {n}, Jalan {street}"),
                   zip=f"{rng.randint(40000, 59999)}", province="Selangor") for i in range(30)]
    statuses = {"Completed": "已完成", "Delivered": "已送达", "In transit": "运输中", "Awaiting shipment": "待发货",
                "Awaiting collection": "待揽收", "Cancelled": "已取消"}
    rows = seller_center_rows(rng, 40, 577001413038785000, "MYR", "%d/%m/%Y %H:%M:%S", people, statuses, "Malaysia")
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "OrderSKUList"
    ws.append(header)
    ws.append([SC_DESCRIPTION.get(h, "") for h in header])
    for r in rows:
        ws.append([r.get(h, "") for h in header])
    wb.save(path)


DY_HEADER = ["主订单编号", "子订单编号", "选购商品", "商品规格", "商品数量", "商品ID", "商家编码", "订单应付金额", "订单提交时间",
             "支付完成时间", "承诺发货时间", "发货时间", "订单完成时间", "订单状态", "售后状态", "取消原因", "收件人",
             "收件人手机号", "省", "市", "区", "详细地址", "快递单号", "快递公司"]
DY_PRODUCTS = [("3650000000000001", "纯棉T恤", "黑色 M", "TX-BLK-M", 59.9), ("3650000000000002", "陶瓷马克杯", "350ml", "MUG-350", 29.9),
               ("3650000000000003", "护眼台灯", "暖白", "LAMP-01", 129.0), ("3650000000000004", "运动袜三双装", "均码", "SOCK-3", 19.9)]
DY_AFTERSALES_HEADER = ["售后单号", "订单编号", "售后类型", "售后申请时间", "售后原因", "仲裁状态", "纠纷责任方", "售后完结时间"]


def write_douyin(orders_path: Path, aftersales_path: Path, rng: random.Random) -> None:
    fmt = "%Y-%m-%d %H:%M:%S"
    s = lambda t: t.strftime(fmt) if t else ""  # noqa: E731
    people = []
    for i in range(30):
        p = person(rng, i, "+86 138 0000 {:04d}", "幸福路{n}号")
        people.append(p)
    rows, completed = [], []
    for k, created in enumerate(created_times(rng, 50)):
        life = lifecycle(rng, created)
        who = people[rng.randrange(len(people))]
        main = str(6930000000000000000 + k * 1013)
        status = {"Completed": "已完成", "Delivered": "已发货", "In transit": "已发货", "Awaiting collection": "待发货",
                  "Awaiting shipment": "待发货", "Cancelled": "已关闭"}[life["status"]]
        reason = {"Seller": "商家：缺货", "System": "系统：超时未发货自动取消", "User": "买家：不想要了"}.get(life["cancel_by"])
        for j, p in enumerate(rng.sample(DY_PRODUCTS, rng.choice([1, 1, 2]))):
            q = rng.choice([1, 1, 2])
            rows.append({"主订单编号": "\t" + main, "子订单编号": "\t" + str(int(main) + j + 1), "选购商品": p[1],
                         "商品规格": p[2], "商品数量": str(q), "商品ID": p[0], "商家编码": p[3],
                         "订单应付金额": f"{p[4] * q:.2f}", "订单提交时间": s(created), "支付完成时间": s(life["paid"]),
                         "承诺发货时间": s(created + dt.timedelta(hours=48)), "发货时间": s(life["shipped"]),
                         "订单完成时间": s(life["cancelled"] or (life["delivered"] + dt.timedelta(days=7)
                                                               if life["status"] == "Completed" else None)),
                         "订单状态": status, "售后状态": "无售后", "取消原因": reason or "", "收件人": who["name"],
                         "收件人手机号": who["phone"], "省": "浙江省", "市": "杭州市", "区": "西湖区",
                         "详细地址": who["address"], "快递单号": f"SF{int(main) % 10**12:012d}" if life["shipped"] else "",
                         "快递公司": "顺丰速运" if life["shipped"] else ""})
        if life["status"] == "Completed":
            completed.append((main, life["delivered"]))
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=DY_HEADER, lineterminator="\r\n")
    w.writeheader()
    w.writerows(rows)
    orders_path.write_bytes(buf.getvalue().encode("gb18030"))

    cases = [("退货退款", "商品破损", "无", "", 3), ("仅退款", "七天无理由退换", "无", "", 2), ("仅退款", "质量问题", "仲裁完成", "商家", 6),
             ("换货", "发错货", "无", "", 4), ("仅退款", "未收到货", "仲裁完成", "物流", 5), ("退货退款", "不想要了", "仲裁中", "", None)]
    arows = []
    for k, (main, delivered) in enumerate(completed[:12]):
        kind, reason, arb, liable, days = cases[k % len(cases)]
        asked = delivered + dt.timedelta(days=1, hours=k)
        arows.append({"售后单号": str(7100000000000000000 + k * 37), "订单编号": "\t" + main, "售后类型": kind,
                      "售后申请时间": s(asked), "售后原因": reason, "仲裁状态": arb, "纠纷责任方": liable,
                      "售后完结时间": s(asked + dt.timedelta(days=days)) if days else ""})
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=DY_AFTERSALES_HEADER, lineterminator="\r\n")
    w.writeheader()
    w.writerows(arows)
    aftersales_path.write_bytes(buf.getvalue().encode("utf-8-sig"))


def write_partner_api(orders_path: Path, returns_path: Path, rng: random.Random) -> None:
    people = [person(rng, 70 + i, "+1 555-01{:02d}", "{n} {street}, London") for i in range(25)]
    zone = ZoneInfo("Europe/London")
    epoch = lambda t: int(t.replace(tzinfo=zone).timestamp()) if t else 0  # noqa: E731
    lines, delivered = [], []
    for k, created in enumerate(created_times(rng, 40)):
        life = lifecycle(rng, created)
        who = people[rng.randrange(len(people))]
        oid = str(578001413038785000 + k * 104729)
        items = []
        for j, p in enumerate(rng.sample(PRODUCTS, rng.choice([1, 1, 2]))):
            for _ in range(rng.choice([1, 1, 2])):  # the API gives one line item per unit
                items.append({"id": f"{oid}{len(items) + 1:02d}", "sku_id": p[0], "product_id": str(int(p[0]) + 500000),
                              "product_name": p[2], "sku_name": p[3], "original_price": f"{p[4]:.2f}",
                              "sale_price": f"{p[4]:.2f}", "seller_discount": "0", "platform_discount": "0",
                              "currency": "GBP"})
        status = {"Completed": "COMPLETED", "Delivered": "DELIVERED", "In transit": "IN_TRANSIT",
                  "Awaiting collection": "AWAITING_COLLECTION", "Awaiting shipment": "AWAITING_SHIPMENT",
                  "Cancelled": "CANCELLED"}[life["status"]]
        order = {"id": oid, "status": status, "create_time": epoch(created), "paid_time": epoch(life["paid"]),
                 "rts_sla_time": epoch(created + dt.timedelta(days=3)), "rts_time": epoch(life["rts"]),
                 "delivery_time": epoch(life["delivered"]), "cancel_time": epoch(life["cancelled"]),
                 "user_id": str(7494000000000000000 + people.index(who)),
                 "tracking_number": f"RM{int(oid) % 10**9:09d}GB" if life["shipped"] else "",
                 "shipping_provider": "Royal Mail" if life["shipped"] else "",
                 "payment": {"currency": "GBP", "total_amount": f"{sum(float(i['sale_price']) for i in items):.2f}"},
                 "recipient_address": {"name": who["name"], "phone_number": who["phone"],
                                       "full_address": who["address"], "postal_code": f"E{rng.randint(1, 20)} 1AA",
                                       "region_code": "GB"},
                 "line_items": items}
        if life["cancelled"]:
            order.update(cancellation_initiator={"Seller": "SELLER", "System": "SYSTEM", "User": "BUYER"}[life["cancel_by"]],
                         cancel_reason=life["cancel_reason"])
        lines.append(json.dumps(order, ensure_ascii=False))
        if life["delivered"]:
            delivered.append((oid, life["delivered"]))
    orders_path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    reasons = [("RETURN_AND_REFUND", "ecom_order_delivered_refund_and_return_reason_damaged", "RETURN_OR_REFUND_REQUEST_COMPLETE"),
               ("REFUND", "ecom_order_delivered_refund_reason_no_longer_needed", "RETURN_OR_REFUND_REQUEST_COMPLETE"),
               ("RETURN_AND_REFUND", "ecom_order_delivered_refund_and_return_reason_wrong_item", "AWAITING_BUYER_SHIP")]
    returns = []
    for k, (oid, when) in enumerate(delivered[:8]):
        kind, reason, status = reasons[k % len(reasons)]
        t0 = epoch(when + dt.timedelta(days=1))
        returns.append({"return_id": str(4035000000000000000 + k * 11), "order_id": oid, "return_type": kind,
                        "return_status": status, "role": "BUYER", "return_reason": reason,
                        "create_time": t0, "update_time": t0 + 2 * 86400})
    returns_path.write_text(json.dumps({"code": 0, "message": "Success", "request_id": "sample",
                                        "data": {"return_orders": returns, "next_page_token": ""}},
                                       ensure_ascii=False, indent=1), encoding="utf-8")


def main() -> None:
    rng = random.Random(SEED)
    files = [
        ("us_seller_center_orders.csv", "7000000000000000001", "US", "tiktok"),
        ("my_seller_center_orders.xlsx", "7000000000000000002", "SEA", "tiktok"),
        ("douyin_orders.csv", "7000000000000000003", "CN", "douyin"),
        ("douyin_aftersales.csv", "7000000000000000003", "CN", "douyin"),
        ("uk_partner_api_orders.jsonl", "7000000000000000004", "UK", "tiktok"),
        ("uk_partner_api_returns.json", "7000000000000000004", "UK", "tiktok"),
    ]
    write_seller_center_csv(HERE / files[0][0], rng)
    write_seller_center_xlsx(HERE / files[1][0], rng)
    write_douyin(HERE / files[2][0], HERE / files[3][0], rng)
    write_partner_api(HERE / files[4][0], HERE / files[5][0], rng)
    shops = [{"shop_id": sid, "platform": plat, "region": reg, "status": "active", "opened_at": "2025-03-01",
              "entity_type": "enterprise" if plat == "douyin" else None}
             for sid, reg, plat in dict.fromkeys((f[1], f[2], f[3]) for f in files)]
    for s in shops:
        if s["entity_type"] is None:
            del s["entity_type"]
    manifest = {
        "description": "Sample raw exports (fake people) for the demo; regenerate with generate.py.",
        "shops": shops,
        "files": [{"path": p, "shop_id": sid, "region": reg, "platform": plat} for p, sid, reg, plat in files],
        "pii": {k: sorted(v) for k, v in pii.items()},
    }
    (HERE / "manifest.yaml").write_text(
        "# Sample raw exports for the demo (tt_analytics.io.ingest_manifest). Generated by generate.py.\n"
        "# `pii` lists every clear-text personal value in these files: no output may contain one.\n"
        + yaml.safe_dump(manifest, allow_unicode=True, sort_keys=False, width=120), encoding="utf-8")


if __name__ == "__main__":
    main()
