-- name: tiktok/violation_appeals
-- The `violation_appeals` output: for every violation of a TikTok shop recorded by the as-of date
-- (local day of recorded_at = penalty date), the appeal deadlines, whether it can still be appealed
-- on the as-of date, and the balance hold that applies to its type.
--   first_appeal_deadline  = penalty date + first_appeal_days (30)                      APPEAL-1
--   second_appeal_deadline = local day the first appeal was rejected + 15 (only once the
--                            rejection is known as of the date)                         APPEAL-2
--   hold_* for types in tt_hold_rules: start on the penalty (notice) date, at least min_days,
--   ending on the later of that and the end of the investigation; null end while the
--   investigation is open as of the date                                               HOLD-SNAD, HOLD-FAKE
--   hold_outcome: overturned -> balance returned within appeal_payout_days of the decision;
--   rejected with no appeal left, or no appeal by the first deadline -> held to the end, then
--   compensation deducted and the rest returned; otherwise pending                     APPEAL-PAY
-- Rules: APPEAL-1, APPEAL-2, APPEAL-PAY, HOLD-SNAD, HOLD-FAKE, VP-APPEAL (points_counted).
WITH v AS (
    SELECT v.violation_id, v.shop_id, a.as_of, v.violation_type, v.points,
           coalesce(v.appeal_status, 'none') AS appeal_status,
           CAST(v.recorded_at AT TIME ZONE z.tz AS DATE) AS penalty_date,
           CAST(v.appeal_rejected_at AT TIME ZONE z.tz AS DATE) AS rejected_day,
           CAST(v.investigation_ended_at AT TIME ZONE z.tz AS DATE) AS investigation_end_day
    FROM violations v
    JOIN shop_zones z ON z.shop_id = v.shop_id
    CROSS JOIN as_of_dates a
    WHERE z.platform = 'tiktok' AND CAST(v.recorded_at AT TIME ZONE z.tz AS DATE) <= a.as_of
),
d AS (
    SELECT v.*, h.rule AS hold_rule, h.min_days,
           v.penalty_date + CAST($first_days AS INTEGER) AS first_appeal_deadline,
           -- a rejection after the as-of date is not known then: the first appeal is still pending
           CASE WHEN v.rejected_day <= v.as_of THEN v.rejected_day + CAST($second_days AS INTEGER) END
             AS second_appeal_deadline
    FROM v
    LEFT JOIN tt_hold_rules h ON list_contains(h.violation_types, v.violation_type)
),
s AS (
    SELECT d.*,
           CASE WHEN appeal_status = 'none' AND as_of <= first_appeal_deadline THEN 'first'
                WHEN appeal_status = 'rejected' AND as_of <= second_appeal_deadline THEN 'second'
           END AS appeal_stage
    FROM d
)
SELECT violation_id, shop_id, as_of, violation_type, points,
       CASE WHEN appeal_status = 'overturned' THEN 0 ELSE points END AS points_counted,
       appeal_status, penalty_date,
       first_appeal_deadline, second_appeal_deadline,
       appeal_stage IS NOT NULL AS appealable, appeal_stage,
       hold_rule,
       CASE WHEN hold_rule IS NOT NULL THEN penalty_date END AS hold_start,
       CASE WHEN hold_rule IS NOT NULL THEN penalty_date + CAST(min_days AS INTEGER) END AS hold_min_end,
       CASE WHEN hold_rule IS NOT NULL AND investigation_end_day <= as_of
            THEN greatest(penalty_date + CAST(min_days AS INTEGER), investigation_end_day) END AS hold_end,
       CASE WHEN hold_rule IS NULL THEN NULL
            WHEN appeal_status = 'overturned' THEN 'returned_after_successful_appeal'
            WHEN appeal_stage IS NULL AND appeal_status IN ('none', 'rejected')
                 AND (appeal_status = 'none' OR second_appeal_deadline IS NOT NULL)
              THEN 'held_to_end_then_compensation_deducted'
            ELSE 'pending'
       END AS hold_outcome,
       CASE WHEN hold_rule IS NOT NULL AND appeal_status = 'overturned' THEN CAST($payout_days AS INTEGER) END
         AS payout_within_days
FROM s
ORDER BY shop_id, as_of, violation_id
