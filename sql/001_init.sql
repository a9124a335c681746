-- Core tables: what was said (turns), what was clicked (feedback_events), what detectors concluded (signals),
-- the fused judgement per assistant turn (verdicts), and what was refused (rejects).
CREATE TABLE turns (
  conversation_id VARCHAR NOT NULL,
  turn_index      INTEGER NOT NULL,
  message_id      VARCHAR NOT NULL,
  role            VARCHAR NOT NULL,
  content         VARCHAR NOT NULL,
  ts              TIMESTAMPTZ,
  policy_version  VARCHAR,
  user_hash       VARCHAR,          -- salted HMAC of the user key; raw keys are never stored
  metadata        JSON,
  source_file     VARCHAR,
  source_line     BIGINT
);

CREATE TABLE feedback_events (
  event_id    VARCHAR NOT NULL,
  message_id  VARCHAR NOT NULL,
  kind        VARCHAR NOT NULL,
  value       DOUBLE,
  ts          TIMESTAMPTZ,
  user_hash   VARCHAR,
  metadata    JSON,
  source_file VARCHAR,
  source_line BIGINT
);

-- One row per (assistant turn, detector, detector version); a new detector version adds rows beside the old.
CREATE TABLE signals (
  message_id       VARCHAR NOT NULL,
  conversation_id  VARCHAR NOT NULL,
  turn_index       INTEGER NOT NULL,
  detector         VARCHAR NOT NULL,
  detector_version VARCHAR NOT NULL,
  label            VARCHAR,          -- sat | dsat | neutral; NULL when ambiguous
  ambiguous        BOOLEAN NOT NULL,
  category         VARCHAR,
  score            DOUBLE,
  confidence       DOUBLE,
  evidence         VARCHAR
);

CREATE TABLE verdicts (
  message_id      VARCHAR NOT NULL,
  conversation_id VARCHAR NOT NULL,
  turn_index      INTEGER NOT NULL,
  label           VARCHAR NOT NULL,
  dsat_score      DOUBLE NOT NULL,
  categories      VARCHAR[],
  confidence      DOUBLE NOT NULL,
  agreed          VARCHAR[],
  policy_version  VARCHAR,
  fusion_version  VARCHAR NOT NULL
);

CREATE TABLE rejects (
  file   VARCHAR NOT NULL,
  line   BIGINT NOT NULL,
  field  VARCHAR NOT NULL,
  reason VARCHAR NOT NULL
);

CREATE TABLE meta (
  key   VARCHAR PRIMARY KEY,
  value VARCHAR
);
