-- Nightly batch bookkeeping (completion markers), release statistics, raw model scores, and views that pick the
-- latest detector version unless a version is asked for. Examples: sql/README.md.

-- One row per finished unit of a `feedback-miner batch` run, written in the same transaction as the unit's output,
-- so a marker exists exactly when the unit's work is stored. A rerun skips units whose marker matches.
CREATE TABLE batch_units (
  window_label  VARCHAR NOT NULL,   -- e.g. 2026-11-20, or since..until
  unit          VARCHAR NOT NULL,   -- e.g. detect:plove@1:3/16, fuse:3/16, release
  fingerprint   VARCHAR NOT NULL,   -- what the unit read (rows, high-water mark, options); a change redoes it
  stats         JSON NOT NULL,
  seconds       DOUBLE NOT NULL,
  finished_at   TIMESTAMPTZ NOT NULL,
  PRIMARY KEY (window_label, unit)
);

-- Raw model outputs (P[Love], FLR reward) for every scored turn, including those whose signal fell in the neutral
-- band and so left no row in `signals`: calibration and drift checks need all of them.
CREATE TABLE model_scores (
  message_id       VARCHAR NOT NULL,
  conversation_id  VARCHAR NOT NULL,
  detector         VARCHAR NOT NULL,
  detector_version VARCHAR NOT NULL,
  score            DOUBLE NOT NULL,
  PRIMARY KEY (message_id, detector, detector_version)
);

-- One row per release written (by `build`, `mine` or `batch`); rebuilding the same release replaces its rows.
CREATE TABLE releases (
  name           VARCHAR NOT NULL,
  version        VARCHAR NOT NULL,
  path           VARCHAR NOT NULL,
  window_label   VARCHAR,           -- NULL for whole-store releases
  conversations  BIGINT NOT NULL,
  input_watermark VARCHAR,
  built_at       TIMESTAMPTZ NOT NULL,
  PRIMARY KEY (name, version)
);

-- Per release and builder: records built, records dropped by each filter (stage = the filter name), rows kept
-- (stage 'train' / 'test').
CREATE TABLE release_stats (
  name     VARCHAR NOT NULL,
  version  VARCHAR NOT NULL,
  builder  VARCHAR NOT NULL,
  stage    VARCHAR NOT NULL,
  n        BIGINT NOT NULL,
  PRIMARY KEY (name, version, builder, stage)
);

-- Detector versions compare by their dot-separated numeric parts ("1.10" > "1.9"); non-numeric parts count as 0.
CREATE OR REPLACE MACRO version_key(v) AS list_transform(string_split(v, '.'), x -> coalesce(TRY_CAST(x AS BIGINT), 0));

-- Every stored detector version, with how many signals it wrote and whether it is the latest.
CREATE OR REPLACE VIEW v_detector_versions AS
WITH d AS (SELECT detector, detector_version, count(*) AS signals FROM signals GROUP BY ALL)
SELECT detector, detector_version, signals,
       version_key(detector_version) = max(version_key(detector_version)) OVER (PARTITION BY detector) AS is_latest
FROM d ORDER BY detector, version_key(detector_version);

-- Signals of the latest version of each detector: what the views below read.
CREATE OR REPLACE VIEW v_signals_latest AS
SELECT s.* FROM signals s JOIN v_detector_versions d USING (detector, detector_version) WHERE d.is_latest;

-- Signals with one detector pinned to a given version and the latest version of every other detector.
CREATE OR REPLACE MACRO signals_at(pinned_detector, pinned_version) AS TABLE
SELECT * FROM signals WHERE detector = pinned_detector AND detector_version = pinned_version
UNION ALL
SELECT * FROM v_signals_latest WHERE detector <> pinned_detector;

-- Detector agreement over the latest versions (003's view counted every stored version, so a backfill
-- double-counted the detectors it touched).
CREATE OR REPLACE VIEW v_detector_agreement AS
WITH s AS (SELECT message_id, detector, label FROM v_signals_latest WHERE NOT ambiguous AND label IS NOT NULL)
SELECT a.detector AS detector_a, b.detector AS detector_b, count(*) AS both_fired,
       count(*) FILTER (a.label = b.label) AS agree, count(*) FILTER (a.label = b.label) / count(*) AS agreement
FROM s a JOIN s b ON a.message_id = b.message_id AND a.detector < b.detector
GROUP BY ALL ORDER BY detector_a, detector_b;

-- The same with one detector pinned to a version, e.g. to compare a backfilled version with the old one.
CREATE OR REPLACE MACRO detector_agreement_at(pinned_detector, pinned_version) AS TABLE
WITH s AS (SELECT message_id, detector, label FROM signals_at(pinned_detector, pinned_version)
           WHERE NOT ambiguous AND label IS NOT NULL)
SELECT a.detector AS detector_a, b.detector AS detector_b, count(*) AS both_fired,
       count(*) FILTER (a.label = b.label) AS agree, count(*) FILTER (a.label = b.label) / count(*) AS agreement
FROM s a JOIN s b ON a.message_id = b.message_id AND a.detector < b.detector
GROUP BY ALL ORDER BY detector_a, detector_b;

-- Backfill check: for each detector with several versions, how each older version's labels compare with the latest.
CREATE OR REPLACE VIEW v_detector_version_changes AS
WITH latest AS (SELECT message_id, detector, detector_version, coalesce(label, 'ambiguous') AS label FROM v_signals_latest),
old AS (SELECT s.message_id, s.detector, s.detector_version, coalesce(s.label, 'ambiguous') AS label
        FROM signals s JOIN v_detector_versions d USING (detector, detector_version) WHERE NOT d.is_latest),
c AS (SELECT o.detector, o.detector_version AS old_version, l.detector_version AS latest_version,
             count(*) AS both_labelled, count(*) FILTER (o.label <> l.label) AS changed
      FROM old o JOIN latest l USING (message_id, detector) GROUP BY ALL)
SELECT *, changed / both_labelled AS changed_share FROM c ORDER BY detector, version_key(old_version);

-- Pair yield per release, builder and filter: of the records a builder produced, how many each filter dropped
-- and how many reached the release. Filters run in order, so `dropped` is counted on what reached that filter.
CREATE OR REPLACE VIEW v_pair_yield AS
WITH built AS (SELECT name, version, builder, sum(n) AS built FROM release_stats GROUP BY ALL)
SELECT r.name, r.version, rel.window_label, rel.built_at, r.builder, r.stage, r.n,
       b.built, CASE WHEN b.built = 0 THEN NULL ELSE r.n / b.built END AS share_of_built,
       rel.conversations, CASE WHEN rel.conversations = 0 THEN NULL ELSE r.n * 1000.0 / rel.conversations END AS per_1k_conversations
FROM release_stats r JOIN built b USING (name, version, builder) JOIN releases rel USING (name, version)
ORDER BY rel.built_at, r.name, r.version, r.builder, r.stage;

-- P[Love] calibration: predicted P[Love] (latest model version) in ten bins against the observed Love rate, with
-- 95 % Wilson intervals. Every scored response counts; one without a Love event counts as not Loved.
CREATE OR REPLACE VIEW v_plove_calibration AS
WITH latest AS (SELECT detector, max(version_key(detector_version)) AS k FROM model_scores GROUP BY detector),
p AS (SELECT m.message_id, m.score FROM model_scores m JOIN latest l ON l.detector = m.detector AND version_key(m.detector_version) = l.k
      WHERE m.detector = 'plove'),
loves AS (SELECT DISTINCT message_id FROM feedback_events WHERE kind = 'love'),
j AS (SELECT least(floor(p.score * 10), 9)::INTEGER AS bin, p.score, l.message_id IS NOT NULL AS loved
      FROM p LEFT JOIN loves l USING (message_id))
SELECT bin, bin / 10.0 AS bin_low, (bin + 1) / 10.0 AS bin_high, count(*) AS responses, avg(score) AS mean_predicted,
       count(*) FILTER (loved) / count(*) AS love_rate,
       wilson_low(count(*) FILTER (loved), count(*)) AS love_rate_low,
       wilson_high(count(*) FILTER (loved), count(*)) AS love_rate_high
FROM j GROUP BY bin ORDER BY bin;
