-- name: deposit
-- One row per Douyin shop: the deposit it must hold, its ledger balance, whether it can be
-- refunded (and what blocks it), when the refund is due and when the shop may reopen.
-- Rules: DEP-AMOUNT, DEP-TABLE (required_deposit: highest amount over every first-level category;
-- null with the reason when a category is not open to the entity type or has no amount),
-- DEP-REFUND-WHEN (closed), DEP-REFUND-COND (documents, penalty records, arrears, pending
-- payouts from `settlement`), DEP-REFUND-DUE (Nth mainland-China working day after the refund
-- clock starts, counted over `cn_calendar` with a window), DEP-REOPEN (closure + N months,
-- month-end clamped).
-- Needs: deposit_amounts(entity_type, category, amount, status), cn_calendar(date, is_workday),
-- settlement (output).
WITH dy AS (
    SELECT s.shop_id, s.entity_type, s.documents_complete, s.arrears, z.tz,
           CASE WHEN s.closed_at <= $as_of THEN s.closed_at END AS closed_at
    FROM shops s JOIN shop_zones z USING (shop_id)
    WHERE s.platform = 'douyin'
), cat AS (
    SELECT d.shop_id, c.category, a.amount,
           CASE WHEN d.entity_type IS NULL THEN 'no_entity_type' ELSE coalesce(a.status, 'unknown') END AS status
    FROM dy d
    JOIN shop_categories c USING (shop_id)
    LEFT JOIN deposit_amounts a ON a.entity_type = d.entity_type AND a.category = c.category
), required AS (
    SELECT shop_id,
           list_sort(list(category)) AS categories,
           max(amount) AS highest,
           arg_max(category, amount) AS highest_category,
           list_sort(list(category) FILTER (WHERE status = 'not_open')) AS not_open,
           list_sort(list(category) FILTER (WHERE status = 'unknown')) AS unknown_amount,
           bool_or(status = 'no_entity_type') AS no_entity_type
    FROM cat GROUP BY shop_id
), ledger AS (
    SELECT d.shop_id,
           sum(CASE WHEN l.event IN ('paid', 'topped_up') THEN l.amount ELSE -l.amount END) AS balance
    FROM dy d JOIN deposits l USING (shop_id)
    WHERE CAST(l.event_at AT TIME ZONE d.tz AS DATE) <= $as_of
    GROUP BY d.shop_id
), penalties AS (
    SELECT d.shop_id, count(*) AS penalty_records
    FROM dy d JOIN violations v USING (shop_id)
    WHERE CAST(v.recorded_at AT TIME ZONE d.tz AS DATE) <= $as_of
      AND NOT ($ignore_overturned AND coalesce(v.appeal_status, 'none') = 'overturned')
    GROUP BY d.shop_id
), payouts AS (
    SELECT shop_id,
           count(*) FILTER (WHERE pending) AS pending_payouts,
           count(*) FILTER (WHERE pending_at_closure) AS pending_payouts_at_closure,
           max(payout_on) FILTER (WHERE pending_at_closure) AS last_payout_at_closure
    FROM settlement GROUP BY shop_id
), shop AS (
    SELECT d.shop_id, d.entity_type, d.documents_complete, d.closed_at,
           coalesce(r.categories, []) AS categories,
           CASE
               WHEN r.shop_id IS NULL THEN NULL
               WHEN r.no_entity_type OR array_length(r.not_open) > 0 OR array_length(r.unknown_amount) > 0 THEN NULL
               ELSE r.highest
           END AS required_deposit,
           CASE
               WHEN r.shop_id IS NULL THEN 'no first-level category in shop_categories'
               WHEN r.no_entity_type THEN 'entity type unknown: shops.entity_type is empty'
               WHEN array_length(r.not_open) > 0
                   THEN 'not open to ' || d.entity_type || ': ' || array_to_string(r.not_open, ', ')
               WHEN array_length(r.unknown_amount) > 0
                   THEN 'no amount in DEP-TABLE for ' || d.entity_type || ': ' || array_to_string(r.unknown_amount, ', ')
               ELSE 'highest of ' || CAST(array_length(r.categories) AS VARCHAR) || ' categor'
                    || CASE WHEN array_length(r.categories) = 1 THEN 'y' ELSE 'ies' END || ': ' || r.highest_category
           END AS required_deposit_reason,
           coalesce(l.balance, 0) AS balance,
           coalesce(p.penalty_records, 0) AS penalty_records,
           coalesce(d.arrears, 0) AS arrears,
           coalesce(q.pending_payouts, 0) AS pending_payouts,
           coalesce(q.pending_payouts_at_closure, 0) AS pending_payouts_at_closure,
           CASE WHEN d.closed_at IS NOT NULL THEN
               CASE WHEN $delay_for_payouts AND q.last_payout_at_closure > d.closed_at
                    THEN q.last_payout_at_closure ELSE d.closed_at END
           END AS refund_clock_from
    FROM dy d
    LEFT JOIN required r USING (shop_id)
    LEFT JOIN ledger l USING (shop_id)
    LEFT JOIN penalties p USING (shop_id)
    LEFT JOIN payouts q USING (shop_id)
), flagged AS (
    SELECT *,
           CASE WHEN closed_at IS NULL THEN ['not_closed'] ELSE [] END
           || CASE WHEN documents_complete IS DISTINCT FROM true THEN ['documents_incomplete'] ELSE [] END
           || CASE WHEN penalty_records > 0 THEN ['penalty_record'] ELSE [] END
           || CASE WHEN arrears > 0 THEN ['arrears'] ELSE [] END
           || CASE WHEN pending_payouts > 0 THEN ['payouts_pending'] ELSE [] END AS blocker_reasons,
           closed_at IS NULL AS not_closed,
           documents_complete IS DISTINCT FROM true OR penalty_records > 0 OR arrears > 0 OR pending_payouts > 0
               AS condition_unmet
    FROM shop
), cal AS (
    -- running count of working days: the Nth working day after D has number (count at D) + N
    SELECT date, is_workday,
           count(*) FILTER (WHERE is_workday) OVER (ORDER BY date ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW)
               AS workday_no
    FROM cn_calendar
)
SELECT f.shop_id, f.entity_type, f.categories, f.required_deposit, f.required_deposit_reason,
       f.balance, f.required_deposit - f.balance AS shortfall,
       f.closed_at,
       array_length(f.blocker_reasons) = 0 AS refund_eligible,
       CASE WHEN f.not_closed THEN ['DEP-REFUND-WHEN'] ELSE [] END
       || CASE WHEN f.condition_unmet THEN ['DEP-REFUND-COND'] ELSE [] END AS blockers,
       f.blocker_reasons, f.documents_complete, f.penalty_records, f.arrears,
       f.pending_payouts, f.pending_payouts_at_closure, f.refund_clock_from,
       due.date AS refund_due_by,
       CAST(f.closed_at + CAST($reopen_months AS INTEGER) * INTERVAL 1 MONTH AS DATE) AS reopen_from
FROM flagged f
LEFT JOIN cal c0 ON c0.date = f.refund_clock_from
LEFT JOIN cal due ON due.is_workday AND due.workday_no = c0.workday_no + $refund_working_days
ORDER BY f.shop_id
