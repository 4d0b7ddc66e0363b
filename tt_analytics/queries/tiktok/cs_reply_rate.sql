-- name: tiktok/cs_reply_rate
-- Daily facts of a reply rate within $hours hours (metric $metric: CS-RR24 or CS-RR48): buyer
-- messages sent in the window whose outcome is known by the end of the as-of day (answered, or the
-- $hours hours have passed) form the denominator; those answered within $hours hours the numerator.
-- A message still unanswered whose deadline has not passed is not counted yet.
-- Rules: CS-RR24, CS-RR48.
WITH m AS (
    SELECT *, sent_at + to_hours(CAST($hours AS BIGINT)) AS due_at
    FROM tt_buyer_messages
),
k AS (
    SELECT *, (reply_at IS NOT NULL AND reply_at <= due_at) AS in_time,
           CAST(due_at AT TIME ZONE tz AS DATE) AS due_day
    FROM m
)
SELECT shop_id, $metric AS metric, sent_day AS anchor_day,
       CASE WHEN in_time THEN reply_day ELSE due_day END AS known_day,
       CASE WHEN in_time THEN 1.0 ELSE 0.0 END AS num, 1.0 AS den
FROM k
