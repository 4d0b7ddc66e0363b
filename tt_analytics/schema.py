"""The canonical data model: every table and column of the data contract (CONTRACT.md).

This module is the single statement of the model. DuckDB DDL (`ddl`), the Great Expectations
suites, the loaders' output and the data dictionary (docs/data-dictionary.md) all derive from it.
Columns marked `added=True` are this toolkit's additions to the contract; each says why.
"""
from __future__ import annotations

from dataclasses import dataclass, field

# Logical dtype -> DuckDB type. IDs are always strings; timestamps are UTC instants.
DUCKDB_TYPES = {
    "str": "VARCHAR",
    "timestamp": "TIMESTAMPTZ",
    "date": "DATE",
    "bool": "BOOLEAN",
    "int": "BIGINT",
    "float": "DOUBLE",
}


@dataclass(frozen=True)
class Column:
    name: str
    dtype: str  # one of DUCKDB_TYPES
    required: bool
    description: str
    allowed: tuple[str, ...] | None = None  # enumeration (lower-case)
    min: float | None = None  # inclusive range
    max: float | None = None
    added: bool = False  # not in CONTRACT.md: a documented addition

    @property
    def duckdb_type(self) -> str:
        return DUCKDB_TYPES[self.dtype]


@dataclass(frozen=True)
class Table:
    name: str
    description: str
    columns: tuple[Column, ...]
    key: tuple[str, ...] = ()  # unique key (empty: whole row)
    # column -> (table, column): every non-null value must exist there
    references: dict[str, tuple[str, str]] = field(default_factory=dict)
    # (later, earlier): later >= earlier whenever both are present
    time_order: tuple[tuple[str, str], ...] = ()

    def column(self, name: str) -> Column:
        for c in self.columns:
            if c.name == name:
                return c
        raise KeyError(f"{self.name} has no column {name!r}")

    @property
    def names(self) -> list[str]:
        return [c.name for c in self.columns]

    @property
    def required(self) -> list[str]:
        return [c.name for c in self.columns if c.required]

    def ddl(self, relation: str | None = None, replace: bool = False) -> str:
        cols = ",\n  ".join(f"{c.name} {c.duckdb_type}" for c in self.columns)
        return f"CREATE {'OR REPLACE ' if replace else ''}TABLE {relation or self.name} (\n  {cols}\n)"


def C(name, dtype, required=False, description="", **kw) -> Column:  # noqa: N802 - terse table
    return Column(name, dtype, required, description, **kw)


PLATFORMS = ("tiktok", "douyin")
REGIONS = ("US", "UK", "SEA", "CN")
CATEGORIES = ("apparel", "underwear", "jewelry_collectibles", "mother_baby",
              "sports_outdoor", "shoes", "kitchenware", "beauty", "electronics", "food", "home", "other")

TABLES: dict[str, Table] = {t.name: t for t in [
    Table("shops", "One row per shop.", (
        C("shop_id", "str", True, "Shop identifier."),
        C("platform", "str", True, "Platform the shop sells on.", allowed=PLATFORMS),
        C("region", "str", True, "Market; sets the reporting time zone and rulebook.", allowed=REGIONS),
        C("status", "str", True, "Shop status.", allowed=("active", "frozen", "closed", "deactivated")),
        C("graduated_at", "date", description="Date the shop left the new-seller stage (SS-GRAD)."),
        C("entity_type", "str", description="Legal entity type (DEP-TABLE).",
          allowed=("enterprise", "individual_business", "individual")),
        C("opened_at", "date", description="Date the shop opened."),
        C("closed_at", "date", description="Date the closure was approved and the shop closed (DEP-REFUND-WHEN)."),
        C("documents_complete", "bool", description="Refund paperwork complete and correct (DEP-REFUND-COND)."),
        C("controller_id", "str", added=True,
          description="Who controls the shop; shops with the same controller are related (AL-RELATED)."),
        C("origin_zip", "str", added=True,
          description="Zip code the shop ships from (FT-LOGISTICS: parcels leaving from elsewhere)."),
        C("arrears", "float", min=0, added=True,
          description="Amount the merchant owes the platform, CNY (DEP-REFUND-COND: no arrears)."),
    ), key=("shop_id",)),
    Table("shop_ratings", "Daily shop rating (SPS / DSR) per shop.", (
        C("shop_id", "str", True, "Shop identifier."),
        C("date", "date", True, "Date of the rating."),
        C("rating", "float", True, "Shop rating / Shop Performance Score / DSR.", min=0, max=5),
        C("positive_review_rate", "float", description="Share of positive reviews (AL-POSITIVE).", min=0, max=1),
    ), key=("shop_id", "date"), references={"shop_id": ("shops", "shop_id")}),
    Table("shop_categories", "First-level categories a shop is registered in (DEP-AMOUNT).", (
        C("shop_id", "str", True, "Shop identifier."),
        C("category", "str", True, "First-level category code.", allowed=CATEGORIES),
    ), key=("shop_id", "category"), references={"shop_id": ("shops", "shop_id")}),
    Table("orders", "One row per order (not per SKU line).", (
        C("order_id", "str", True, "Order identifier (18-digit numbers on TikTok: kept as text)."),
        C("shop_id", "str", True, "Shop identifier."),
        C("buyer_id", "str", True, "Buyer account (keyed hash when it came from a raw export)."),
        C("created_at", "timestamp", True, "When the buyer placed the order (UTC)."),
        C("paid_at", "timestamp", description="When the buyer paid."),
        C("ship_by", "timestamp", description="Dispatch deadline before any SLA extension (LDR)."),
        C("shipped_at", "timestamp", description="When the parcel was dispatched."),
        C("delivered_at", "timestamp", description="When the parcel was delivered."),
        C("completed_at", "timestamp", added=True,
          description="When the order was completed / receipt confirmed (SS-ORDERS, SETTLE)."),
        C("cancelled_at", "timestamp", description="When the order was cancelled."),
        C("cancel_initiator", "str", description="Who cancelled.", allowed=("seller", "buyer", "system")),
        C("cancel_reason", "str", description="Reason code of the cancellation (SFCR).",
          allowed=("out_of_stock", "pricing_error", "sla_timeout", "buyer_request", "address_issue", "other")),
        C("fulfillment", "str", description="Spot stock, pre-sale or tiered shipping.",
          allowed=("spot", "presale", "tiered")),
        C("amount", "float", description="Order amount paid by the buyer.", min=0),
        C("currency", "str", description="ISO currency code of amount."),
        C("tracking_number", "str", description="Carrier tracking number."),
        C("carrier", "str", description="Carrier name (lower-case)."),
        C("ship_from_zip", "str", description="Zip code the parcel left from."),
        C("ship_to_zip", "str", description="Zip code of the order's address."),
        C("ship_to_address_hash", "str", description="Keyed hash of the delivery address."),
        C("buyer_phone_hash", "str", description="Keyed hash of the buyer's phone."),
        C("buyer_device_hash", "str", description="Keyed hash of the buyer's device."),
    ), key=("order_id",), references={"shop_id": ("shops", "shop_id")},
        time_order=(("paid_at", "created_at"), ("shipped_at", "created_at"), ("delivered_at", "shipped_at"))),
    Table("order_lines", "One row per SKU line of an order.", (
        C("order_id", "str", True, "Order identifier."),
        C("line_id", "str", True, "Line identifier within the order."),
        C("product_id", "str", True, "Product identifier."),
        C("sku_id", "str", True, "SKU identifier."),
        C("quantity", "int", True, "Units bought.", min=0),
        C("unit_price", "float", True,
          "Price per unit the buyer paid after seller discounts, before platform discounts (FS-PRICE-HIST).", min=0),
        C("is_flash_sale", "bool", description="Bought in a flash sale (excluded from FS-PRICE-HIST)."),
    ), key=("order_id", "line_id"), references={"order_id": ("orders", "order_id")}),
    Table("returns", "Return and refund requests.", (
        C("return_id", "str", True, "Return identifier."),
        C("order_id", "str", True, "Order identifier."),
        C("shop_id", "str", True, "Shop identifier."),
        C("requested_at", "timestamp", True, "When the buyer requested it."),
        C("resolved_at", "timestamp", description="When it was resolved (RRR)."),
        C("return_type", "str", True, "Kind of request.", allowed=("refund", "return_and_refund", "replacement")),
        C("reason", "str", True, "Reason code (DRR: defect reasons).",
          allowed=("defective", "damaged", "wrong_item", "missing_item", "empty_package", "not_as_described",
                   "lost_in_transit", "late_dispatch", "changed_mind", "other")),
        C("seller_fault", "bool", True, "Caused by the seller (RRR, DRR)."),
    ), key=("return_id",), references={"order_id": ("orders", "order_id"), "shop_id": ("shops", "shop_id")},
        time_order=(("resolved_at", "requested_at"),)),
    Table("reviews", "Buyer reviews.", (
        C("review_id", "str", True, "Review identifier."),
        C("order_id", "str", True, "Order identifier."),
        C("shop_id", "str", True, "Shop identifier."),
        C("product_id", "str", description="Product reviewed."),
        C("rating", "int", True, "Stars, 1 to 5 (NRR: 1-2 is negative).", min=1, max=5),
        C("created_at", "timestamp", True, "When the review was posted."),
        C("text", "str", description="Review text (FT-REVIEW)."),
    ), key=("review_id",), references={"order_id": ("orders", "order_id"), "shop_id": ("shops", "shop_id")}),
    Table("disputes", "Buyer or seller disputes (DLR).", (
        C("dispute_id", "str", True, "Dispute identifier."),
        C("order_id", "str", True, "Order identifier."),
        C("shop_id", "str", True, "Shop identifier."),
        C("opened_at", "timestamp", True, "When the dispute was opened."),
        C("initiator", "str", True, "Who opened it.", allowed=("buyer", "seller")),
        C("liable_party", "str", description="Who the platform held liable.",
          allowed=("seller", "buyer", "platform", "carrier", "none")),
        C("resolved_at", "timestamp", description="When it was decided."),
    ), key=("dispute_id",), references={"order_id": ("orders", "order_id"), "shop_id": ("shops", "shop_id")},
        time_order=(("resolved_at", "opened_at"),)),
    Table("messages", "Customer-service chat messages (CS-FRT, CS-RR24, CS-RR48).", (
        C("message_id", "str", True, "Message identifier."),
        C("conversation_id", "str", True, "Conversation identifier."),
        C("shop_id", "str", True, "Shop identifier."),
        C("sender", "str", True, "Who sent it.", allowed=("buyer", "seller", "system", "bot")),
        C("sent_at", "timestamp", True, "When it was sent."),
    ), key=("message_id",), references={"shop_id": ("shops", "shop_id")}),
    Table("violations", "Violation records with points (VP-*).", (
        C("violation_id", "str", True, "Violation identifier."),
        C("shop_id", "str", True, "Shop identifier."),
        C("recorded_at", "timestamp", True, "When the points were scored (the penalty date)."),
        C("violation_type", "str", True, "Kind of violation.",
          allowed=("fake_transaction", "counterfeit", "ip_infringement", "fake_fulfillment", "late_dispatch",
                   "seller_fault_cancellation", "evasive_information", "not_as_described", "serious_violation",
                   "other")),
        C("points", "float", True, "Violation points scored.", min=0),
        C("appeal_status", "str", description="Appeal state (VP-APPEAL, APPEAL-1/2).",
          allowed=("none", "pending", "rejected", "overturned")),
        C("appeal_rejected_at", "timestamp", added=True,
          description="When the first appeal was rejected (APPEAL-2: second appeal within 15 days)."),
        C("investigation_ended_at", "timestamp", added=True,
          description="When the platform's investigation ended (HOLD-FAKE, HOLD-SNAD)."),
    ), key=("violation_id",), references={"shop_id": ("shops", "shop_id")}),
    Table("deposits", "Deposit ledger (Douyin).", (
        C("shop_id", "str", True, "Shop identifier."),
        C("event_at", "timestamp", True, "When the event happened."),
        C("event", "str", True, "Ledger event.", allowed=("paid", "topped_up", "deducted", "refunded")),
        C("amount", "float", True, "Amount, positive CNY.", min=0),
    ), references={"shop_id": ("shops", "shop_id")}),
    Table("tracking_events", "Carrier scans (FT-TRACKING, FT-LOGISTICS).", (
        C("tracking_number", "str", True, "Carrier tracking number."),
        C("event_at", "timestamp", True, "When the scan happened."),
        C("status", "str", True, "Scan status.",
          allowed=("info_received", "picked_up", "in_transit", "out_for_delivery", "delivered", "exception")),
        C("zip", "str", description="Zip code of the scan."),
    )),
    Table("flash_sales", "Planned or past flash sales (FS-*).", (
        C("flash_sale_id", "str", True, "Flash sale identifier."),
        C("shop_id", "str", True, "Shop identifier."),
        C("product_id", "str", True, "Product on sale."),
        C("price", "float", True, "Flash-sale price per unit.", min=0),
        C("original_price", "float", description="Original retail price (FS-PRICE-NEW).", min=0),
        C("start_at", "timestamp", True, "Start of the sale."),
        C("end_at", "timestamp", True, "End of the sale."),
    ), key=("flash_sale_id",), references={"shop_id": ("shops", "shop_id")},
        time_order=(("end_at", "start_at"),)),
    Table("sla_extensions", "Dispatch-deadline extensions, e.g. a first-mile pickup switch (RULES.md §6).", (
        C("region", "str", True, "Market the extension applies to.", allowed=REGIONS),
        C("ship_from_zip", "str", description="Zip code it applies to (null: the whole region)."),
        C("created_from", "date", True, "First order-creation date covered (local)."),
        C("created_to", "date", True, "Last order-creation date covered (local)."),
        C("extra_days", "int", True, "Days added to the dispatch deadline.", min=0),
    ), time_order=(("created_to", "created_from"),)),
    Table("seller_identities", "The seller's own and staff identities (FT-SELF).", (
        C("shop_id", "str", True, "Shop identifier."),
        C("kind", "str", True, "Kind of identity.", allowed=("buyer_id", "phone_hash", "address_hash", "device_hash")),
        C("value", "str", True, "The identity (keyed hash for phones, addresses, devices)."),
    ), key=("shop_id", "kind", "value"), references={"shop_id": ("shops", "shop_id")}),
]}


def table(name: str) -> Table:
    try:
        return TABLES[name]
    except KeyError:
        raise KeyError(f"{name!r} is not a canonical table; expected one of {', '.join(TABLES)}") from None


def data_dictionary_markdown() -> str:
    """The data dictionary (docs/data-dictionary.md) generated from this module."""
    out = ["# Data dictionary: canonical tables", "",
           "Generated from `tt_analytics/schema.py` by `tt-analytics docs`; do not edit by hand.",
           "Types: str (text; IDs are always text), timestamp (UTC instant), date, bool, int, float.",
           "Columns marked *added* are this toolkit's additions to the data contract.", ""]
    for t in TABLES.values():
        out += [f"## `{t.name}`", "", t.description, ""]
        if t.key:
            out.append(f"Unique key: `{', '.join(t.key)}`.  ")
        for col, (rt, rc) in t.references.items():
            out.append(f"`{col}` must exist in `{rt}.{rc}`.  ")
        for later, earlier in t.time_order:
            out.append(f"`{later}` ≥ `{earlier}`.  ")
        out += ["", "| column | type | required | allowed / range | description |", "|---|---|---|---|---|"]
        for c in t.columns:
            rng = ", ".join(c.allowed) if c.allowed else ""
            if c.min is not None or c.max is not None:
                rng = f"{'' if c.min is None else c.min} … {'' if c.max is None else c.max}"
            desc = c.description + (" *(added)*" if c.added else "")
            out.append(f"| `{c.name}` | {c.dtype} | {'yes' if c.required else ''} | {rng} | {desc} |")
        out.append("")
    return "\n".join(out)
