// Trainer record formats (methods §6): the row each (output, format) pair writes and its column types, so JSONL
// and Parquet carry the same columns in the same order.
import type { Format } from './config.js';
import type { BuilderName, BuiltRecord, ChatMessage } from './types.js';

/** What a release writes: one output per builder, plus DRIFT rows whose chosen was filled, as ready pairs. */
export type OutputName = BuilderName | 'drift_pairs';

const MSG = 'STRUCT(role VARCHAR, content VARCHAR)';
const MSGS = `${MSG}[]`;

const META_COLUMNS: Record<string, string> = {
  id: 'VARCHAR',
  source_method: 'VARCHAR',
  conversation_id: 'VARCHAR',
  turn_index: 'BIGINT',
  policy_version: 'VARCHAR',
  signal: 'VARCHAR',
  category: 'VARCHAR',
  confidence: 'DOUBLE',
  user_hash: 'VARCHAR',
  len_chosen: 'BIGINT',
  len_rejected: 'BIGINT',
};

function meta(r: BuiltRecord): Record<string, unknown> {
  return { id: r.id, ...r.meta };
}

const msgs = (m: ChatMessage[] | null) => (m ?? []).map((x) => ({ role: x.role, content: x.content }));

export interface FormatSpec {
  /** Column name -> DuckDB type, in file order. */
  columns: Record<string, string>;
  /** The row, or null when this record cannot be expressed in the format (counted as skipped). */
  row(r: BuiltRecord): Record<string, unknown> | null;
}

const pairedTrl: FormatSpec = {
  // TRL DPOTrainer (conversational, explicit prompt) and OpenRLHF RewardDataset with --prompt_key prompt
  // --chosen_key chosen --rejected_key rejected --apply_chat_template; OpenRLHF reads the optional margin.
  columns: { prompt: MSGS, chosen: MSGS, rejected: MSGS, margin: 'DOUBLE', ...META_COLUMNS },
  row: (r) =>
    r.chosen && r.rejected
      ? { prompt: msgs(r.prompt), chosen: msgs(r.chosen), rejected: msgs(r.rejected), margin: r.margin, ...meta(r) }
      : null,
};

const pairedOpenAi: FormatSpec = {
  // OpenAI preference fine-tuning: only the documented keys, since unknown keys may fail validation there.
  columns: {
    input: `STRUCT(messages ${MSGS})`,
    preferred_output: MSGS,
    non_preferred_output: MSGS,
  },
  row: (r) =>
    r.chosen && r.rejected && !r.prompt.some((m) => m.role === 'tool') // tool messages need tool_call ids there
      ? { input: { messages: msgs(r.prompt) }, preferred_output: msgs(r.chosen), non_preferred_output: msgs(r.rejected) }
      : null,
};

export const FORMAT_SPECS: Record<OutputName, Partial<Record<Format, FormatSpec>>> = {
  drift: {
    // DRIFT's gen-drift.py input: the trainer samples chosen from its current policy each iteration.
    trl: {
      columns: { prompt: MSGS, rejected: MSGS, user_preference: MSG, ...META_COLUMNS },
      row: (r) => ({
        prompt: msgs(r.prompt),
        rejected: msgs(r.rejected),
        user_preference: r.userPreference ? { role: r.userPreference.role, content: r.userPreference.content } : null,
        ...meta(r),
      }),
    },
  },
  drift_pairs: { trl: pairedTrl, openai: pairedOpenAi, openrlhf: pairedTrl },
  revision: { trl: pairedTrl, openai: pairedOpenAi, openrlhf: pairedTrl },
  ranked: { trl: pairedTrl, openai: pairedOpenAi, openrlhf: pairedTrl },
  kto: {
    // TRL KTOTrainer unpaired conversational format.
    trl: {
      columns: { prompt: MSGS, completion: MSGS, label: 'BOOLEAN', ...META_COLUMNS },
      row: (r) => ({ prompt: msgs(r.prompt), completion: msgs(r.completion), label: r.label, ...meta(r) }),
    },
    // OpenRLHF UnpairedPreferenceDataset: with --apply_chat_template it templates only output_key, so output holds
    // the whole conversation; label is 1/0 because its vanilla-KTO sampler groups on those values.
    openrlhf: {
      columns: { prompt: MSGS, output: MSGS, label: 'INTEGER', ...META_COLUMNS },
      row: (r) => ({
        prompt: msgs(r.prompt),
        output: [...msgs(r.prompt), ...msgs(r.completion)],
        label: r.label ? 1 : 0,
        ...meta(r),
      }),
    },
  },
};
