-- Reward-hacking flags per assistant response, computed once in TypeScript (src/plove/hacking.ts: the patterns need
-- Unicode emoji classes DuckDB's regex engine lacks) when the response is judged, so the view below, the job
-- summaries' warnings and the report all read one definition. Replaces the regex version of v_reward_hacking in 003.
CREATE TABLE response_flags (
  message_id      VARCHAR NOT NULL,
  conversation_id VARCHAR NOT NULL,
  policy_version  VARCHAR,
  farewell        BOOLEAN NOT NULL,
  emoji_heavy     BOOLEAN NOT NULL,
  begging         BOOLEAN NOT NULL,
  gushing         BOOLEAN NOT NULL,
  emoji_per_word  DOUBLE NOT NULL
);

CREATE OR REPLACE VIEW v_reward_hacking AS
SELECT coalesce(policy_version, '(unknown)') AS policy_version, count(*) AS responses,
       avg(farewell::INT) AS farewell_rate, avg(begging::INT) AS begging_rate, avg(gushing::INT) AS gushing_rate,
       avg(emoji_heavy::INT) AS emoji_heavy_rate, avg(emoji_per_word) AS emoji_per_word
FROM response_flags GROUP BY ALL ORDER BY policy_version;
