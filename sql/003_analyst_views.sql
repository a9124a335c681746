-- Analyst views over the base tables. Rates carry 95 % Wilson score intervals (z = 1.96) so small groups are not
-- over-read. Examples: sql/README.md.

CREATE OR REPLACE MACRO wilson_low(k, n) AS
  CASE WHEN n = 0 THEN NULL ELSE greatest(0.0,
    ((k / n + 1.9208 / n) - 1.96 * sqrt((k / n) * (1 - k / n) / n + 0.9604 / (n * n))) / (1 + 3.8416 / n)) END;
CREATE OR REPLACE MACRO wilson_high(k, n) AS
  CASE WHEN n = 0 THEN NULL ELSE least(1.0,
    ((k / n + 1.9208 / n) + 1.96 * sqrt((k / n) * (1 - k / n) / n + 0.9604 / (n * n))) / (1 + 3.8416 / n)) END;

-- DSAT and SAT rate per day and policy version.
CREATE OR REPLACE VIEW v_daily_rates AS
WITH j AS (
  SELECT CAST(a.ts AS DATE) AS day, coalesce(v.policy_version, '(unknown)') AS policy_version, v.label
  FROM verdicts v JOIN turns a USING (message_id))
SELECT day, policy_version, count(*) AS judged,
       count(*) FILTER (label = 'dsat') AS dsat, count(*) FILTER (label = 'sat') AS sat,
       count(*) FILTER (label = 'dsat') / count(*) AS dsat_rate,
       wilson_low(count(*) FILTER (label = 'dsat'), count(*)) AS dsat_rate_low,
       wilson_high(count(*) FILTER (label = 'dsat'), count(*)) AS dsat_rate_high,
       count(*) FILTER (label = 'sat') / count(*) AS sat_rate,
       wilson_low(count(*) FILTER (label = 'sat'), count(*)) AS sat_rate_low,
       wilson_high(count(*) FILTER (label = 'sat'), count(*)) AS sat_rate_high
FROM j GROUP BY ALL ORDER BY day, policy_version;

-- Category mix: how often each WildFeedback category appears among SAT / DSAT verdicts.
CREATE OR REPLACE VIEW v_category_mix AS
WITH c AS (SELECT label, unnest(categories) AS category FROM verdicts WHERE label <> 'neutral')
SELECT label, category, count(*) AS n, count(*) / sum(count(*)) OVER (PARTITION BY label) AS share
FROM c GROUP BY label, category ORDER BY label, n DESC;

-- Policy scorecard: SAT, DSAT and Love rates per policy version.
CREATE OR REPLACE VIEW v_policy_scorecard AS
WITH loves AS (SELECT DISTINCT message_id FROM feedback_events WHERE kind = 'love'),
j AS (
  SELECT coalesce(v.policy_version, '(unknown)') AS policy_version, v.label, l.message_id IS NOT NULL AS loved
  FROM verdicts v LEFT JOIN loves l USING (message_id))
SELECT policy_version, count(*) AS responses,
       count(*) FILTER (label = 'sat') / count(*) AS sat_rate,
       count(*) FILTER (label = 'dsat') / count(*) AS dsat_rate,
       count(*) FILTER (loved) / count(*) AS love_rate,
       wilson_low(count(*) FILTER (label = 'dsat'), count(*)) AS dsat_rate_low,
       wilson_high(count(*) FILTER (label = 'dsat'), count(*)) AS dsat_rate_high
FROM j GROUP BY ALL ORDER BY policy_version;

-- Detector agreement: for every pair of detectors that both gave a non-ambiguous label on the same turn,
-- how often they agree.
CREATE OR REPLACE VIEW v_detector_agreement AS
WITH s AS (SELECT message_id, detector, label FROM signals WHERE NOT ambiguous AND label IS NOT NULL)
SELECT a.detector AS detector_a, b.detector AS detector_b, count(*) AS both_fired,
       count(*) FILTER (a.label = b.label) AS agree, count(*) FILTER (a.label = b.label) / count(*) AS agreement
FROM s a JOIN s b ON a.message_id = b.message_id AND a.detector < b.detector
GROUP BY ALL ORDER BY detector_a, detector_b;

-- Reward-hacking monitor (RLUF): per policy version, how often responses end in a farewell, beg for a reaction,
-- gush, or pile on emoji — patterns that win Love reactions without adding value.
CREATE OR REPLACE VIEW v_reward_hacking AS
WITH r AS (
  SELECT coalesce(policy_version, '(unknown)') AS policy_version, content,
         regexp_matches(lower(right(trim(content), 80)), '(bye|goodbye|take care|have a (great|wonderful|nice) (day|one)|see you|cheers)[!. ]*\W*$') AS farewell,
         regexp_matches(lower(content), '(react with|leave a (❤|heart|like|thumbs)|(hit|tap|press|give) (the |a )?(❤|heart|like|thumbs)|if (this|that) helped,? (please )?(like|❤|react|upvote))') AS begging,
         regexp_matches(lower(content), '(amazing question|fantastic question|wonderful question|great question|absolutely delighted|so happy to help|i''m thrilled|you''re (amazing|awesome|brilliant))') AS gushing,
         length(regexp_replace(content, '[\x{1F300}-\x{1FAFF}\x{2600}-\x{27BF}]', '', 'g')) AS len_wo_emoji,
         length(content) AS len
  FROM turns WHERE role = 'assistant')
SELECT policy_version, count(*) AS responses,
       avg(farewell::INT) AS farewell_rate, avg(begging::INT) AS begging_rate, avg(gushing::INT) AS gushing_rate,
       sum(len - len_wo_emoji) * 1000.0 / nullif(sum(len), 0) AS emoji_per_1k_chars
FROM r GROUP BY ALL ORDER BY policy_version;
