-- Analyst views. Every view reads the base tables, so it is always current.

-- Per-response verdicts with the response text and the user's reaction next to it.
CREATE OR REPLACE VIEW v_response_verdicts AS
SELECT v.message_id, v.conversation_id, v.turn_index, v.policy_version, v.label, v.dsat_score, v.categories,
       v.confidence, v.agreed, a.content AS response, a.ts AS response_ts,
       (SELECT u.content FROM turns u
         WHERE u.conversation_id = v.conversation_id AND u.turn_index > v.turn_index AND u.role = 'user'
         ORDER BY u.turn_index LIMIT 1) AS follow_up
FROM verdicts v JOIN turns a USING (message_id);
