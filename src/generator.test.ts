import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { DSAT_CATEGORIES, SAT_CATEGORIES } from '../detectors/types.js';
import { feedbackEventSchema, turnSchema } from './model.js';
import {
  GENERATOR_FORMATS,
  PII_KINDS,
  generateLines,
  ibanValid,
  luhnValid,
  plantedPii,
  writeCorpus,
  type CorpusStats,
  type GeneratorOptions,
  type MalformedLine,
  type PlantedPii,
} from './generator.js';
import { isoTime, serializeNative, turnObject, eventObject } from './generator/malform.js';

type Json = Record<string, any>;
const all = (opts: GeneratorOptions) => [...generateLines(opts)];
const parse = (lines: string[]) => lines.map((l) => JSON.parse(l) as Json);
const turnValidator = turnSchema();

// One moderate clean corpus shared by the statistical tests (a few thousand assistant turns).
const corpus = parse(all({ seed: 42, conversations: 1500 }));
const assistantTurns = corpus.filter((r) => r.type === 'turn' && r.role === 'assistant');

describe('generator determinism', () => {
  for (const format of GENERATOR_FORMATS) {
    it(`same seed gives identical ${format} output, another seed differs`, () => {
      const a = all({ seed: 11, conversations: 60, format, malformedRate: 0.05 }).join('\n');
      const b = all({ seed: 11, conversations: 60, format, malformedRate: 0.05 }).join('\n');
      const c = all({ seed: 12, conversations: 60, format, malformedRate: 0.05 }).join('\n');
      assert.ok(a.length > 10_000);
      assert.equal(a, b);
      assert.notEqual(a, c);
    });
  }

  it('damage does not change the conversations: clean lines are shared with the clean corpus', () => {
    const clean = new Set(all({ seed: 5, conversations: 80 }));
    const damaged = all({ seed: 5, conversations: 80, malformedRate: 0.1 });
    const shared = damaged.filter((l) => clean.has(l)).length;
    assert.ok(shared / damaged.length > 0.8, `only ${shared}/${damaged.length} lines shared`);
  });

  it('rejects bad options with the option name', () => {
    assert.throws(() => generateLines({ seed: 1, conversations: 10, malformedRate: 2 }), /malformedRate/);
    assert.throws(() => generateLines({ seed: 1, conversations: -1 }), /conversations/);
    assert.throws(() => generateLines({ seed: 1, conversations: 1, rewardHackingPolicy: 'nope' }), /rewardHackingPolicy/);
    assert.throws(() => generateLines({ seed: 1, conversations: 1, startTime: 'soon' }), /startTime/);
  });
});

describe('clean native corpus', () => {
  it('every line is a valid turn or feedback record under the canonical schemas', () => {
    for (const [i, r] of corpus.entries()) {
      if (r.type === 'turn') {
        const res = turnValidator.safeParse(r);
        assert.ok(res.success, `line ${i + 1}: ${res.success ? '' : res.error.message}`);
        for (const f of ['conversation_id', 'turn_index', 'message_id', 'role', 'content', 'ts', 'policy_version', 'user_key', 'metadata'])
          assert.ok(f in r, `line ${i + 1} lacks ${f}`);
      } else {
        assert.equal(r.type, 'feedback', `line ${i + 1}`);
        assert.ok(feedbackEventSchema.safeParse(r).success, `line ${i + 1}`);
        assert.ok(['love', 'thumbs_up', 'thumbs_down', 'regenerate', 'copy', 'edit', 'stop'].includes(r.kind));
      }
    }
  });

  it('message ids are unique, turns are contiguous and timestamps increase within a conversation', () => {
    const ids = new Set<string>();
    const byConv = new Map<string, Json[]>();
    for (const r of corpus) {
      if (r.type !== 'turn') continue;
      assert.ok(!ids.has(r.message_id), `duplicate ${r.message_id}`);
      ids.add(r.message_id);
      byConv.set(r.conversation_id, [...(byConv.get(r.conversation_id) ?? []), r]);
    }
    assert.equal(byConv.size, 1500);
    for (const turns of byConv.values()) {
      turns.forEach((t, i) => assert.equal(t.turn_index, i, `${t.conversation_id} emitted out of order`));
      for (let i = 1; i < turns.length; i++) assert.ok(Date.parse(turns[i].ts) > Date.parse(turns[i - 1].ts));
      assert.ok(turns.length >= 2);
    }
    for (const r of corpus) if (r.type === 'feedback') assert.ok(ids.has(r.message_id), `event on unknown ${r.message_id}`);
  });

  it('a regenerate event is followed by another answer to the same request that names the old one', () => {
    const byId = new Map(corpus.filter((r) => r.type === 'turn').map((r) => [r.message_id, r]));
    const next = new Map(corpus.filter((r) => r.type === 'turn').map((r) => [`${r.conversation_id}#${r.turn_index}`, r]));
    const regenerated = corpus.filter((r) => r.type === 'feedback' && r.kind === 'regenerate');
    assert.ok(regenerated.length > 10);
    for (const e of regenerated) {
      const old = byId.get(e.message_id)!;
      assert.equal(old.role, 'assistant');
      const successor = next.get(`${old.conversation_id}#${old.turn_index + 1}`)!;
      assert.equal(successor.role, 'assistant');
      assert.equal(successor.metadata.regenerates, old.message_id);
      assert.equal(old.metadata.gen.reaction, 'dsat');
    }
  });

  it('several policy versions and a skewed user population', () => {
    const policies = new Set(corpus.filter((r) => r.type === 'turn').map((r) => r.policy_version));
    assert.equal(policies.size, 3);
    const perUser = new Map<string, number>();
    for (const r of corpus) if (r.type === 'turn' && r.turn_index === 0) perUser.set(r.user_key, (perUser.get(r.user_key) ?? 0) + 1);
    const counts = [...perUser.values()].sort((a, b) => b - a);
    assert.ok(counts.length > 100);
    assert.ok(counts[0] >= 5 * counts[Math.floor(counts.length / 2)], 'heaviest user should far exceed the median');
  });
});

describe('ground truth and realism', () => {
  it('all 9 SAT and 9 DSAT categories and every hard case appear', () => {
    const categories = new Set(assistantTurns.map((t) => t.metadata.gen.category));
    for (const c of [...SAT_CATEGORIES, ...DSAT_CATEGORIES]) assert.ok(categories.has(c), `missing ${c}`);
    const hard = new Set(assistantTurns.map((t) => t.metadata.gen.hard));
    for (const h of ['polite_complaint', 'negation', 'third_party', 'quoted', 'non_english', 'rephrase']) assert.ok(hard.has(h), `missing ${h}`);
  });

  it('reaction rates are realistic: mostly neutral, DSAT and SAT in the 8-20% range', () => {
    const rate = (label: string) => assistantTurns.filter((t) => t.metadata.gen.reaction === label).length / assistantTurns.length;
    assert.ok(rate('neutral') > 0.6, `neutral ${rate('neutral')}`);
    assert.ok(rate('dsat') > 0.08 && rate('dsat') < 0.2, `dsat ${rate('dsat')}`);
    assert.ok(rate('sat') > 0.08 && rate('sat') < 0.2, `sat ${rate('sat')}`);
  });

  it('DSAT answers are followed by revised answers that users then thank (DSAT -> SAT pairs)', () => {
    const byId = new Map(assistantTurns.map((t) => [t.message_id, t]));
    const pairs = assistantTurns.filter(
      (t) => t.metadata.gen.revision_of && t.metadata.gen.reaction === 'sat' && byId.get(t.metadata.gen.revision_of)?.metadata.gen.reaction === 'dsat',
    );
    assert.ok(pairs.length >= 30, `${pairs.length} pairs`);
  });

  it('love is sparse, follows hidden quality and the reward-hacking style, and is predictable from text', () => {
    const loved = new Set(corpus.filter((r) => r.type === 'feedback' && r.kind === 'love').map((r) => r.message_id));
    const rate = (ts: Json[]) => ts.filter((t) => loved.has(t.message_id)).length / ts.length;
    assert.ok(rate(assistantTurns) < 0.1);
    const hi = assistantTurns.filter((t) => t.metadata.gen.quality >= 0.7);
    const lo = assistantTurns.filter((t) => t.metadata.gen.quality < 0.4);
    assert.ok(rate(hi) > 3 * rate(lo), `love hi ${rate(hi)} lo ${rate(lo)}`);
    const hacked = assistantTurns.filter((t) => t.metadata.gen.hack);
    const plain = assistantTurns.filter((t) => !t.metadata.gen.hack);
    assert.ok(rate(hacked) > 2 * rate(plain), `love hack ${rate(hacked)} plain ${rate(plain)}`);
    // A crude text-only score (length plus emoji/farewell) already ranks loved answers above the rest.
    const score = (t: Json) => t.content.length / 1000 + (/❤️|😊|Bye!|🌟/.test(t.content) ? 1 : 0);
    const pos = assistantTurns.filter((t) => loved.has(t.message_id)).map(score);
    const neg = assistantTurns.filter((t) => !loved.has(t.message_id)).map(score);
    let wins = 0;
    for (const p of pos) for (const n of neg) wins += p > n ? 1 : p === n ? 0.5 : 0;
    const auroc = wins / (pos.length * neg.length);
    assert.ok(auroc > 0.7, `text AUROC ${auroc}`);
  });

  it('all explicit event kinds appear and copy events only land on answers with code', () => {
    const events = corpus.filter((r) => r.type === 'feedback');
    assert.deepEqual(new Set(events.map((e) => e.kind)), new Set(['love', 'thumbs_up', 'thumbs_down', 'regenerate', 'copy', 'edit', 'stop']));
    const content = new Map(assistantTurns.map((t) => [t.message_id, t.content as string]));
    for (const e of events.filter((x) => x.kind === 'copy')) assert.match(content.get(e.message_id)!, /```/);
  });

  it('users react unevenly: a minority of users gives most explicit feedback', () => {
    const perUser = new Map<string, number>();
    for (const r of corpus) if (r.type === 'feedback' && r.kind !== 'copy') perUser.set(r.user_key, (perUser.get(r.user_key) ?? 0) + 1);
    const counts = [...perUser.values()].sort((a, b) => b - a);
    const total = counts.reduce((a, b) => a + b, 0);
    const top = counts.slice(0, Math.ceil(counts.length * 0.2)).reduce((a, b) => a + b, 0);
    assert.ok(top / total > 0.4, `top 20% of reacting users give ${top}/${total}`);
  });
});

describe('malformed lines', () => {
  it('damage rate is respected and every reported line is what it says', () => {
    const reported: MalformedLine[] = [];
    const stats: CorpusStats = { lines: 0, turns: 0, events: 0, conversations: 0, malformed: 0 };
    const lines = [...generateLines({ seed: 9, conversations: 600, malformedRate: 0.03, onMalformed: (m) => reported.push(m) }, stats)];
    assert.equal(stats.lines, lines.length);
    assert.equal(stats.malformed, reported.length);
    const rate = reported.length / lines.length;
    assert.ok(rate > 0.02 && rate < 0.045, `rate ${rate}`);
    assert.deepEqual(new Set(reported.map((m) => m.kind)).size, 8);
    const bad = new Map(reported.map((m) => [m.line, m.kind]));
    const seenIds = new Set<string>();
    const maxIndex = new Map<string, number>();
    lines.forEach((line, i) => {
      const kind = bad.get(i + 1);
      let record: Json | null = null;
      try {
        record = JSON.parse(line);
      } catch {
        assert.ok(kind === 'invalid_json' || kind === 'truncated', `line ${i + 1} unparseable but reported as ${kind}`);
        return;
      }
      const valid = record!.type === 'turn' ? turnValidator.safeParse(record).success : feedbackEventSchema.safeParse(record).success;
      if (kind === undefined || kind === 'out_of_order') assert.ok(valid, `line ${i + 1} invalid but not reported`);
      else if (kind === 'duplicate_message_id') assert.ok(seenIds.has(record!.message_id), `line ${i + 1} is no duplicate`);
      else assert.ok(!valid, `line ${i + 1} reported ${kind} but validates`);
      if (kind === 'out_of_order') {
        // Emitted before a turn with a lower index of the same conversation.
        assert.ok(!(maxIndex.get(record!.conversation_id)! >= record!.turn_index));
      }
      if (record!.type === 'turn' && valid) {
        seenIds.add(record!.message_id);
        maxIndex.set(record!.conversation_id, Math.max(maxIndex.get(record!.conversation_id) ?? -1, record!.turn_index));
      }
    });
  });

  it('conversation layouts get damaged lines too, and none at rate 0', () => {
    const reported: MalformedLine[] = [];
    const lines = all({ seed: 4, conversations: 400, format: 'openai', malformedRate: 0.1, onMalformed: (m) => reported.push(m) });
    assert.ok(reported.length > 20 && reported.length < 65, `${reported.length}`);
    let unparseable = 0;
    for (const l of lines) {
      try {
        JSON.parse(l);
      } catch {
        unparseable++;
      }
    }
    assert.equal(unparseable, reported.filter((m) => m.kind === 'invalid_json' || m.kind === 'truncated').length);
    const none: MalformedLine[] = [];
    all({ seed: 4, conversations: 200, onMalformed: (m) => none.push(m) });
    assert.equal(none.length, 0);
  });

  it('the fast serializer writes the same bytes as JSON.stringify', () => {
    for (const ms of [0, 1763596800123, 1763683199999, 1763600000001, 1800000000010])
      assert.equal(isoTime(ms), new Date(ms).toISOString());
    const turn = {
      type: 'turn' as const,
      conversation_id: 'c-1',
      turn_index: 2,
      message_id: 'm-1-2',
      role: 'assistant' as const,
      content: 'line "one"\n\ttab \\ emoji 😊 \u2028',
      ts: 1763600000001,
      policy_version: 'p"1',
      user_key: 'u-9',
      metadata: { gen: { reaction: 'sat', category: null, quality: 0.5 } },
    };
    assert.equal(serializeNative({ record: turn, variant: 0 }, JSON.stringify(turn.policy_version)), JSON.stringify(turnObject(turn)));
    const event = { type: 'feedback' as const, event_id: 'e-1-0', message_id: 'm-1-2', kind: 'love', value: 1, ts: 1763600000999, user_key: 'u-9' };
    assert.equal(serializeNative({ record: event, variant: 0 }, '""'), JSON.stringify(eventObject(event)));
  });
});

describe('planted PII', () => {
  it('every planted value is in the message it was reported for, and all kinds are well-formed', () => {
    const planted: PlantedPii[] = [];
    const records = parse(all({ seed: 21, conversations: 300, piiRate: 0.3, onPii: (p) => planted.push(p) }));
    const content = new Map(records.filter((r) => r.type === 'turn').map((r) => [r.message_id, r.content as string]));
    assert.ok(planted.length > 100);
    for (const p of planted) assert.ok(content.get(p.messageId)?.includes(p.value), `${p.kind} ${p.value} not in ${p.messageId}`);
    assert.deepEqual(new Set(planted.map((p) => p.kind)), new Set(PII_KINDS));
    const roles = new Set(records.filter((r) => r.type === 'turn' && planted.some((p) => p.messageId === r.message_id)).map((r) => r.role));
    assert.ok(roles.has('user') && roles.has('assistant'));
    for (const p of planted) {
      if (p.kind === 'credit_card') assert.ok(luhnValid(p.value), p.value);
      if (p.kind === 'iban') assert.ok(ibanValid(p.value), p.value);
    }
  });

  it('plantedPii(seed, n) is deterministic and covers every kind with valid values', () => {
    const a = plantedPii(3, 45);
    assert.deepEqual(a, plantedPii(3, 45));
    assert.notDeepEqual(a, plantedPii(4, 45));
    assert.deepEqual(new Set(a.map((s) => s.kind)), new Set(PII_KINDS));
    for (const s of a) {
      if (s.kind === 'credit_card') assert.ok(luhnValid(s.value), s.value);
      if (s.kind === 'iban') assert.ok(ibanValid(s.value), s.value);
      if (s.kind === 'ipv4') assert.ok(s.value.split('.').every((o) => Number(o) >= 0 && Number(o) <= 255));
    }
    assert.ok(!luhnValid('4111 1111 1111 1112') && luhnValid('4111 1111 1111 1111'));
    assert.ok(ibanValid('DE89 3704 0044 0532 0130 00') && !ibanValid('DE88 3704 0044 0532 0130 00'));
  });

  it('piiRate 0 plants nothing', () => {
    const planted: PlantedPii[] = [];
    all({ seed: 21, conversations: 100, piiRate: 0, onPii: (p) => planted.push(p) });
    assert.equal(planted.length, 0);
  });
});

describe('conversation layouts and files', () => {
  it('openai, sharegpt and wildchat lines carry their fields', () => {
    for (const r of parse(all({ seed: 8, conversations: 50, format: 'openai' }))) {
      assert.ok(r.id && r.model && r.user && r.messages.length >= 2);
      for (const m of r.messages) assert.ok(['system', 'user', 'assistant', 'tool'].includes(m.role) && m.content.trim());
    }
    for (const r of parse(all({ seed: 8, conversations: 50, format: 'sharegpt' }))) {
      assert.ok(r.id && r.conversations.length >= 2);
      for (const m of r.conversations) assert.ok(['human', 'gpt', 'system'].includes(m.from) && m.value.trim());
    }
    for (const r of parse(all({ seed: 8, conversations: 50, format: 'wildchat' }))) {
      assert.match(r.conversation_hash, /^[0-9a-f]{32}$/);
      assert.match(r.hashed_ip, /^[0-9a-f]{64}$/);
      assert.ok(r.model);
      for (const m of r.conversation) assert.ok(['user', 'assistant'].includes(m.role) && m.content.trim() && !Number.isNaN(Date.parse(m.timestamp)));
    }
  });

  it('writeCorpus streams gzip and plain files with the generated bytes and counts', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'fm-gen-'));
    try {
      const opts: GeneratorOptions = { seed: 13, conversations: 120, malformedRate: 0.02 };
      const expected = all(opts).join('\n') + '\n';
      const gz = await writeCorpus(join(dir, 'a.jsonl.gz'), opts);
      assert.equal(gunzipSync(await readFile(join(dir, 'a.jsonl.gz'))).toString('utf8'), expected);
      const plain = await writeCorpus(join(dir, 'a.jsonl'), opts);
      assert.equal(await readFile(join(dir, 'a.jsonl'), 'utf8'), expected);
      assert.deepEqual(gz, plain);
      assert.equal(gz.lines, expected.split('\n').length - 1);
      assert.equal(gz.conversations, 120);
      assert.equal(gz.turns + gz.events, gz.lines);
      const wild = await writeCorpus(join(dir, 'w.jsonl.gz'), { seed: 13, conversations: 10, format: 'wildchat' });
      assert.equal(gunzipSync(await readFile(join(dir, 'w.jsonl.gz'))).toString('utf8').trimEnd().split('\n').length, wild.lines);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
