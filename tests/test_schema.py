"""The schema module states CONTRACT.md; these tests fail if a contract name goes missing."""
from tt_analytics import catalog, schema

CONTRACT = {
    "shops": ["shop_id", "platform", "region", "status", "graduated_at", "entity_type", "opened_at",
              "closed_at", "documents_complete"],
    "shop_ratings": ["shop_id", "date", "rating", "positive_review_rate"],
    "shop_categories": ["shop_id", "category"],
    "orders": ["order_id", "shop_id", "buyer_id", "created_at", "paid_at", "ship_by", "shipped_at",
               "delivered_at", "cancelled_at", "cancel_initiator", "cancel_reason", "fulfillment", "amount",
               "currency", "tracking_number", "carrier", "ship_from_zip", "ship_to_zip", "ship_to_address_hash",
               "buyer_phone_hash", "buyer_device_hash"],
    "order_lines": ["order_id", "line_id", "product_id", "sku_id", "quantity", "unit_price", "is_flash_sale"],
    "returns": ["return_id", "order_id", "shop_id", "requested_at", "resolved_at", "return_type", "reason",
                "seller_fault"],
    "reviews": ["review_id", "order_id", "shop_id", "product_id", "rating", "created_at", "text"],
    "disputes": ["dispute_id", "order_id", "shop_id", "opened_at", "initiator", "liable_party", "resolved_at"],
    "messages": ["message_id", "conversation_id", "shop_id", "sender", "sent_at"],
    "violations": ["violation_id", "shop_id", "recorded_at", "violation_type", "points", "appeal_status"],
    "deposits": ["shop_id", "event_at", "event", "amount"],
    "tracking_events": ["tracking_number", "event_at", "status", "zip"],
    "flash_sales": ["flash_sale_id", "shop_id", "product_id", "price", "original_price", "start_at", "end_at"],
    "sla_extensions": ["region", "ship_from_zip", "created_from", "created_to", "extra_days"],
    "seller_identities": ["shop_id", "kind", "value"],
}


def test_every_contract_table_and_column_is_in_the_schema():
    assert set(schema.TABLES) == set(CONTRACT)
    for name, cols in CONTRACT.items():
        t = schema.table(name)
        for c in cols:
            assert not t.column(c).added, f"{name}.{c} is in the contract, not an addition"
        extra = [c.name for c in t.columns if c.name not in cols]
        assert all(t.column(c).added for c in extra), f"{name}: undocumented additions {extra}"


def test_ids_are_strings_and_timestamps_utc():
    for t in schema.TABLES.values():
        for c in t.columns:
            if c.name.endswith("_id") or c.name == "tracking_number":
                assert c.dtype == "str", f"{t.name}.{c.name}"
            if c.name.endswith("_at") and t.column(c.name).dtype != "date":
                assert c.duckdb_type == "TIMESTAMPTZ"


def test_ddl_creates_every_table_in_duckdb():
    con = catalog.connect()
    for t in schema.TABLES.values():
        con.execute(t.ddl())
        assert catalog.columns_of(con, t.name) == t.names


def test_references_and_keys_name_real_columns():
    for t in schema.TABLES.values():
        for k in t.key:
            t.column(k)
        for col, (rt, rc) in t.references.items():
            t.column(col)
            schema.table(rt).column(rc)
        for later, earlier in t.time_order:
            t.column(later), t.column(earlier)


def test_data_dictionary_lists_every_column():
    md = schema.data_dictionary_markdown()
    for t in schema.TABLES.values():
        assert f"## `{t.name}`" in md
        for c in t.columns:
            assert f"| `{c.name}` |" in md
