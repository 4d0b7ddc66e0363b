-- name: tiktok/order_facts
-- Orders of measured TikTok shops counted per shop, local creation day (shop's reporting time zone)
-- and outcome: the local day of the cancellation and whether it is a seller fault, the local day
-- the order became late (dispatch deadline after SLA extensions passed without dispatch) and the
-- local day of its first defect return (DRR). Aggregated here, once, so that the metric fact
-- queries read a few rows per shop and day instead of one per order (`orders` = how many).
-- Read by sfcr, ldr, nrr, drr and metric_points (OVL average daily orders); materialised once.
-- Only orders created from $since (tiktok.metric_lookback: the longest window of those metrics
-- and of the OVL average, before the first as-of date, less a day for time zones).
-- Needs tt_sla_days(region, ship_from_zip, day, extra_days): sla_extensions spread over their
-- covered local creation days, the largest per key (null zip: every zip of the region).
-- Rules: SFCR (seller-fault cancellation definition), LDR (late dispatch), DRR (defect returns),
-- SLA extension (RULES.md §6).
WITH measured AS (
    SELECT o.order_id, o.shop_id, o.created_at, o.paid_at, o.ship_by, o.shipped_at, o.cancelled_at,
           o.cancel_initiator, o.cancel_reason, o.ship_from_zip, z.region, z.tz,
           CAST(o.created_at AT TIME ZONE z.tz AS DATE) AS created_day
    FROM orders o
    JOIN shop_zones z ON z.shop_id = o.shop_id
    WHERE z.platform = 'tiktok' AND list_contains($regions, z.region)
      AND o.created_at >= $since  -- earliest instant a window reaches (Context.since): skips row groups
),
-- DRR: the first return of each order for a defect reason (its local day is the earliest one)
defect AS (
    SELECT order_id, min(requested_at) AS defect_at
    FROM returns
    WHERE list_contains($defect_reasons, reason)
    GROUP BY order_id
),
-- §6: an extension applies to orders of its region (and ship-from zip, when given) created on a
-- covered local day; when several apply the largest wins.
sla AS (
    SELECT m.shop_id, m.tz, m.created_day, m.shipped_at, m.cancelled_at, m.cancel_initiator, m.cancel_reason,
           x.defect_at,
           coalesce(m.ship_by,
                    CASE WHEN $sla_from = 'paid_at' THEN coalesce(m.paid_at, m.created_at) ELSE m.created_at END
                    + CAST($sla_hours AS BIGINT) * INTERVAL 1 HOUR) AS sla_deadline,
           greatest(coalesce(a.extra_days, 0), coalesce(b.extra_days, 0)) AS extra_days
    FROM measured m
    LEFT JOIN tt_sla_days a ON a.region = m.region AND a.day = m.created_day AND a.ship_from_zip IS NULL
    LEFT JOIN tt_sla_days b ON b.region = m.region AND b.day = m.created_day AND b.ship_from_zip = m.ship_from_zip
    LEFT JOIN defect x ON x.order_id = m.order_id
),
deadlines AS (
    -- extra days as 24 h each (timestamps are UTC instants), added only where an extension
    -- applies: adding a calendar-day interval to every order costs more than the rest of the row
    SELECT *,
           CASE WHEN extra_days > 0
                THEN sla_deadline + CAST(extra_days * 24 AS BIGINT) * INTERVAL 1 HOUR
                ELSE sla_deadline END AS deadline
    FROM sla
),
flags AS (
    SELECT *,
           -- late: not dispatched by the deadline; an order cancelled before its deadline never is
           ((shipped_at IS NULL OR shipped_at > deadline) AND NOT coalesce(cancelled_at <= deadline, false)) AS late,
           (cancelled_at IS NOT NULL AND coalesce(
               (cancel_initiator = 'seller' AND list_contains($seller_reasons, cancel_reason))
            OR (cancel_initiator = 'system' AND list_contains($system_reasons, cancel_reason)), false))
             AS seller_fault_cancel
    FROM deadlines
)
SELECT shop_id, created_day,
       CAST(cancelled_at AT TIME ZONE tz AS DATE) AS cancel_day,
       seller_fault_cancel,
       -- a late order counts from the local day its deadline passed (not before its creation day)
       CASE WHEN late THEN greatest(created_day, CAST(deadline AT TIME ZONE tz AS DATE)) END AS late_day,
       -- returns on orders dispatched late do not count by default ($exclude_late)
       CASE WHEN NOT ($exclude_late AND late AND shipped_at IS NOT NULL)
            THEN CAST(defect_at AT TIME ZONE tz AS DATE) END AS defect_day,
       count(*) AS orders
FROM flags
GROUP BY ALL
