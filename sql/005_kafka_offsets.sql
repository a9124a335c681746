-- Streaming daemon bookkeeping (src/daemon/): the next Kafka offset to read per topic and partition, written in the
-- same transaction as the data it covers (the store, not Kafka's committed offset, is the truth after a crash), and
-- the sealed Parquet segments handed to the lake.
CREATE TABLE kafka_offsets (
  topic       VARCHAR NOT NULL,
  "partition" INTEGER NOT NULL,
  next_offset BIGINT NOT NULL,
  updated_at  TIMESTAMPTZ NOT NULL,
  PRIMARY KEY (topic, "partition")
);

-- One row per segment exported to the lake: segment `seq` covers turns offsets [turns_from, turns_to) and feedback
-- offsets [feedback_from, feedback_to). Recorded after the files are renamed into place, so a crash before this row
-- exists makes the next export rewrite the same seq (same file names: overwrite, not duplicate).
CREATE TABLE lake_segments (
  seq           BIGINT PRIMARY KEY,
  turns_from    BIGINT NOT NULL,
  turns_to      BIGINT NOT NULL,
  feedback_from BIGINT NOT NULL,
  feedback_to   BIGINT NOT NULL,
  rows_written  BIGINT NOT NULL,
  exported_at   TIMESTAMPTZ NOT NULL
);
