// The batch path end to end: files -> canonical records -> DuckDB -> detectors -> verdicts (-> builders).
// Each stage is a function the CLI calls on its own (`ingest`, `detect`) or chained (`mine`).
import { createWriteStream, mkdirSync, type WriteStream } from 'node:fs';
import { dirname } from 'node:path';
import { once } from 'node:events';
import { expandInputs, readFileRecords, type ReadOptions } from '../connectors/files.js';
import type { Reject } from './model.js';
import { Store, type DetectionRow, type MergeResult } from './store.js';
import { createDetectors, detectConversation } from '../detectors/registry.js';
import type { DetectorConfig } from '../detectors/config.js';
import type { Detector } from '../detectors/types.js';

export interface StageTimings {
  [stage: string]: number;
}

export interface IngestSummary {
  files: number;
  linesRead: number;
  turnsInserted: number;
  eventsInserted: number;
  replays: number;
  rejected: number;
  rejectsFile: string | null;
  touchedConversations: number;
}

/** Writes rejects as JSONL as they happen, so a long run's rejects are visible before it ends. */
export class RejectsWriter {
  private out: WriteStream | null = null;
  count = 0;
  constructor(readonly path: string | null) {}
  async write(rejects: Reject[]): Promise<void> {
    if (!this.path || rejects.length === 0) {
      this.count += rejects.length;
      return;
    }
    if (!this.out) {
      mkdirSync(dirname(this.path), { recursive: true });
      this.out = createWriteStream(this.path);
    }
    for (const r of rejects) {
      this.count++;
      if (!this.out.write(JSON.stringify(r) + '\n')) await once(this.out, 'drain');
    }
  }
  async close(): Promise<void> {
    if (!this.out) return;
    this.out.end();
    await once(this.out, 'finish');
  }
}

/** Stage 1: read every input file into staging and merge into the store. Runs inside the caller's transaction. */
export async function ingestFiles(
  store: Store,
  inputs: string[],
  rejects: RejectsWriter,
  opts: ReadOptions = {},
  onProgress?: (linesRead: number) => void,
): Promise<IngestSummary & { merge: MergeResult }> {
  const files = expandInputs(inputs);
  const session = await store.beginIngest();
  let linesRead = 0;
  for (const file of files) {
    let fileLines = 0;
    for await (const batch of readFileRecords(file, opts)) {
      session.add(batch.records);
      if (batch.rejects.length) {
        session.addRejects(batch.rejects);
        await rejects.write(batch.rejects);
      }
      linesRead += batch.linesRead - fileLines;
      fileLines = batch.linesRead;
      onProgress?.(linesRead);
    }
  }
  const merge = await session.merge();
  await rejects.write(merge.rejects);
  return {
    files: files.length,
    linesRead,
    turnsInserted: merge.turnsInserted,
    eventsInserted: merge.eventsInserted,
    replays: merge.replays,
    rejected: rejects.count,
    rejectsFile: rejects.count > 0 ? rejects.path : null,
    touchedConversations: merge.touchedConversations,
    merge,
  };
}

export interface DetectSummary {
  conversations: number;
  assistantTurns: number;
  byLabel: Record<string, number>;
  byCategory: Record<string, number>;
  ambiguous: number;
}

/** Stage 2: run the sync detectors over conversations and store signals + fused verdicts. */
export async function detectStored(
  store: Store,
  scope: 'touched' | 'all',
  config?: DetectorConfig,
  detectorNames?: string[],
  /** Detectors already built (a long-running caller builds them once). */
  prebuilt?: Detector[],
): Promise<DetectSummary> {
  const detectors = prebuilt ?? createDetectors(config, detectorNames);
  const summary: DetectSummary = { conversations: 0, assistantTurns: 0, byLabel: {}, byCategory: {}, ambiguous: 0 };
  let pending: DetectionRow[] = [];
  await store.clearDetections(detectors.map((d) => ({ name: d.name, version: d.version })), scope);
  const flush = async () => {
    await store.appendDetections(pending);
    pending = [];
  };
  for await (const conversation of store.conversations(scope)) {
    summary.conversations++;
    for (const row of detectConversation(conversation, detectors, config)) {
      summary.assistantTurns++;
      summary.byLabel[row.verdict.label] = (summary.byLabel[row.verdict.label] ?? 0) + 1;
      if (row.verdict.label !== 'neutral')
        for (const c of row.verdict.categories) summary.byCategory[`${row.verdict.label}:${c}`] = (summary.byCategory[`${row.verdict.label}:${c}`] ?? 0) + 1;
      if (row.signals.some((s) => s.result !== null && (s.result as { ambiguous?: boolean }).ambiguous)) summary.ambiguous++;
      pending.push(row);
    }
    if (pending.length >= 20000) await flush();
  }
  await flush();
  return summary;
}
