// `feedback-miner produce`: replays JSONL log files or the synthetic generator into the turns and feedback topics,
// keyed by conversation id, at a chosen rate (tests, demos and load benchmarks).
import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { createGunzip } from 'node:zlib';
import { produceRecords, type ClientOptions, type KafkaOptions, type ProduceRecord, type ProduceStats } from '../../connectors/kafka.js';
import { generateLines, type GeneratorOptions } from '../generator.js';
import { MinerError } from '../errors.js';

/** Feedback events name only their message: remember which conversation each recent message belongs to. */
const MAX_REMEMBERED_MESSAGES = 1_000_000;

/**
 * Routes raw JSONL lines to topics: feedback events to the feedback topic keyed by their message's conversation (seen
 * earlier in the stream), everything else (turns, whole conversations, and lines that are not even JSON) to the turns
 * topic. Malformed lines are sent on purpose: validating them is the daemon's job, and dead-lettering them its test.
 */
export async function* linesToRecords(lines: AsyncIterable<string> | Iterable<string>, topics: KafkaOptions['topics']): AsyncGenerator<ProduceRecord> {
  const conversationOf = new Map<string, string>();
  let n = 0;
  for await (const line of lines) {
    n++;
    if (line.trim() === '') continue;
    let rec: Record<string, unknown> | null = null;
    try {
      const v = JSON.parse(line) as unknown;
      if (typeof v === 'object' && v !== null && !Array.isArray(v)) rec = v as Record<string, unknown>;
    } catch {
      // not JSON: still sent, see above
    }
    const str = (v: unknown) => (typeof v === 'string' || typeof v === 'number' ? String(v) : null);
    if (rec && (rec.type === 'feedback' || (rec.type === undefined && 'event_id' in rec && !('role' in rec)))) {
      const messageId = str(rec.message_id);
      const key = (messageId && conversationOf.get(messageId)) ?? messageId ?? `line-${n}`;
      yield { topic: topics.feedback, key, value: line };
      continue;
    }
    const conversationId = rec ? (str(rec.conversation_id) ?? str(rec.id) ?? str(rec.conversation_hash)) : null;
    const messageId = rec ? str(rec.message_id) : null;
    if (conversationId && messageId) {
      if (conversationOf.size >= MAX_REMEMBERED_MESSAGES) conversationOf.delete(conversationOf.keys().next().value!);
      conversationOf.set(messageId, conversationId);
    }
    yield { topic: topics.turns, key: conversationId ?? `line-${n}`, value: line };
  }
}

async function* fileLines(files: string[]): AsyncGenerator<string> {
  for (const file of files) {
    if (!/\.jsonl(\.gz)?$/.test(file)) throw new MinerError('BAD_INPUT', `${file}: produce reads JSONL (.jsonl or .jsonl.gz) files`);
    const raw = createReadStream(file);
    const input = file.endsWith('.gz') ? raw.pipe(createGunzip()) : raw;
    for await (const line of createInterface({ input, crlfDelay: Infinity })) yield line;
  }
}

export interface ProduceOptions {
  kafka: KafkaOptions;
  files?: string[];
  synthetic?: GeneratorOptions;
  ratePerSec?: number;
  batchSize?: number;
  signal?: AbortSignal;
  onBatch?: (p: { records: number; sent: number }) => void;
}

export async function runProduce(o: ProduceOptions, client: ClientOptions = {}): Promise<ProduceStats> {
  if (!o.files?.length && !o.synthetic) throw new MinerError('BAD_CONFIG', 'produce: give log files or --synthetic <conversations>');
  const lines = o.synthetic ? generateLines(o.synthetic) : fileLines(o.files!);
  return produceRecords(o.kafka, linesToRecords(lines, o.kafka.topics), {
    batchSize: o.batchSize ?? 500,
    ratePerSec: o.ratePerSec,
    signal: o.signal,
    onBatch: o.onBatch,
  }, client);
}
