-- name: settlement
-- Payout date of every Douyin order confirmed received (orders.completed_at) by the as-of date
-- with no after-sales request (no `returns` row requested by then). Half-monthly cycle in the
-- shop's local dates (Asia/Shanghai for CN): confirmed on day 1..$split_day -> paid on day
-- $split_day + 1 of the same month; confirmed later -> paid on the 1st of the next month.
-- `pending`: the payout is after the as-of date; `pending_at_closure`: after the shop's closure.
-- Needs tt_day_starts (douyin.register_day_starts).
-- Rules: SETTLE (and DEP-REFUND-COND: payouts not yet settled, read by deposit.sql).
WITH dy AS (
    -- as_of_end: the first instant after the as-of day in the shop's zone (tt_day_starts), so that
    -- "by the as-of date" compares instants instead of converting every order
    SELECT s.shop_id, s.closed_at, z.tz, e.starts_at AS as_of_end
    FROM shops s
    JOIN shop_zones z ON z.shop_id = s.shop_id
    JOIN tt_day_starts e ON e.tz = z.tz AND e.day = $as_of + 1
    WHERE s.platform = 'douyin'
), confirmed AS (
    -- every confirmed order of the whole history is an output row: no lower time bound here
    SELECT o.order_id, o.shop_id, d.closed_at, d.as_of_end,
           CAST(o.completed_at AT TIME ZONE d.tz AS DATE) AS confirmed_on
    FROM orders o
    JOIN dy d ON d.shop_id = o.shop_id
    WHERE o.completed_at < d.as_of_end
), first_request AS (
    SELECT order_id, min(requested_at) AS requested_at FROM returns GROUP BY order_id
), settled AS (
    -- no after-sales request by the as-of date
    SELECT c.order_id, c.shop_id, c.closed_at, c.confirmed_on
    FROM confirmed c
    LEFT JOIN first_request r ON r.order_id = c.order_id
    WHERE r.requested_at IS NULL OR r.requested_at >= c.as_of_end
), paid AS (
    SELECT *,
           CASE WHEN extract(day FROM confirmed_on) <= $split_day
                THEN CAST(date_trunc('month', confirmed_on) AS DATE) + CAST($split_day AS INTEGER)
                ELSE CAST(date_trunc('month', confirmed_on) + INTERVAL 1 MONTH AS DATE)
           END AS payout_on
    FROM settled
)
SELECT order_id, shop_id, confirmed_on, payout_on,
       payout_on > $as_of AS pending,
       CASE WHEN closed_at IS NOT NULL AND closed_at <= $as_of THEN payout_on > closed_at END AS pending_at_closure
FROM paid
-- no ORDER BY: one row per confirmed order of the whole history (millions at scale); sorting them
-- would cost as much as computing them, and every reader filters or aggregates
