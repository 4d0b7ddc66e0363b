-- name: tiktok/cs_reply_rate
-- Daily facts of the reply rates within 24 h (CS-RR24) and 48 h (CS-RR48; hours are parameters):
-- buyer messages sent in the window whose outcome is known by the end of the as-of day (answered,
-- or the hours have passed) form the denominator; those answered within the hours the numerator.
-- A message still unanswered whose deadline has not passed is not counted yet.
-- Rules: CS-RR24, CS-RR48.
WITH rates AS (
    SELECT * FROM (VALUES ('CS-RR24', CAST($rr24_hours AS BIGINT)),
                          ('CS-RR48', CAST($rr48_hours AS BIGINT))) AS r(metric, hours)
),
m AS (
    SELECT b.*, r.metric, b.sent_at + r.hours * INTERVAL 1 HOUR AS due_at
    FROM tt_buyer_messages b CROSS JOIN rates r
),
k AS (
    SELECT *, (reply_at IS NOT NULL AND reply_at <= due_at) AS in_time,
           CAST(due_at AT TIME ZONE tz AS DATE) AS due_day
    FROM m
)
SELECT shop_id, metric, sent_day AS anchor_day,
       CASE WHEN in_time THEN reply_day ELSE due_day END AS known_day,
       CASE WHEN in_time THEN 1.0 ELSE 0.0 END AS num, 1.0 AS den
FROM k
