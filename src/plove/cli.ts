// `feedback-miner plove train|eval`: registered on the main commander program by src/cli.ts
// (registerPloveCommands(program, {examplesFromStore})). Files: labelled JSONL (sat = positive) or native
// turn/feedback JSONL (Love within the window = positive, with reaction propensities).
import { Command, InvalidArgumentError } from 'commander';
import type { LoveEvalReport } from './eval.js';
import type { LoveExample, TrainOptions } from './train.js';

const fraction = (name: string) => (v: string) => {
  const n = Number(v);
  if (!(n > 0 && n < 1)) throw new InvalidArgumentError(`${name} must be between 0 and 1`);
  return n;
};
const num = (name: string, min: number, max: number) => (v: string) => {
  const n = Number(v);
  if (!Number.isFinite(n) || n < min || n > max) throw new InvalidArgumentError(`${name} must be a number in [${min}, ${max}]`);
  return n;
};
const list = (v: string) => v.split(',').map((s) => s.trim()).filter(Boolean);

export interface PloveCliOptions {
  write?(text: string): void;
  /** Examples from a store (DuckDB file): the integrator's reader; used when the input is not a JSONL file. */
  examplesFromStore?(path: string, opts: { loveKinds?: string[]; windowHours?: number }): AsyncIterable<LoveExample> | Iterable<LoveExample>;
}

function isJsonl(path: string): boolean {
  return /\.jsonl(\.gz)?$/i.test(path);
}

export function formatEvalReport(r: LoveEvalReport): string {
  const lines = [`n=${r.n} positives=${r.positives} auroc=${r.auroc.toFixed(4)} ece=${r.ece.toFixed(4)}`, 'bin        n  predicted  observed'];
  for (const b of r.calibration) {
    lines.push(`${b.lo.toFixed(1)}-${b.hi.toFixed(1)} ${String(b.n).padStart(6)}  ${b.meanPredicted.toFixed(4)}     ${b.observedRate.toFixed(4)}`);
  }
  return `${lines.join('\n')}\n`;
}

export function registerPloveCommands(program: Command, cli: PloveCliOptions = {}): Command {
  const write = cli.write ?? ((t: string) => void process.stdout.write(t));
  const plove = program.command('plove').description('P[Love]: predicted chance of a positive reaction');
  plove
    .command('train')
    .description('train the hashed n-gram P[Love] model and write it as ONNX')
    .argument('<input>', 'store, labelled JSONL (sat = positive) or native turn/feedback JSONL')
    .requiredOption('--out <file>', 'model file to write (.onnx)')
    .option('--love-kinds <kinds>', 'feedback kinds that count as a Love (comma-separated)', list)
    .option('--window-hours <h>', 'a reaction counts within this many hours', num('--window-hours', 0, 1e6))
    .option('--holdout <fraction>', 'leave this share of conversations out (plove eval --holdout scores them)', fraction('--holdout'))
    .option('--seed <n>', 'split and shuffle seed', num('--seed', 0, 2 ** 31))
    .option('--dim-bits <n>', 'hashed feature space = 2^n weights', num('--dim-bits', 8, 24))
    .option('--epochs <n>', 'training epochs', num('--epochs', 1, 100))
    .option('--propensity-clip <p>', 'lower bound on reaction propensities', fraction('--propensity-clip'))
    .option('--no-propensity', 'ignore reaction propensities (naive model)')
    .option('--json', 'print the training summary as JSON')
    .action(async (input: string, o) => {
      const { ploveTrainFile } = await import('./files.js');
      const { saveLoveModel, trainLoveModel } = await import('./train.js');
      const trainOpts: TrainOptions = {
        epochs: o.epochs,
        seed: o.seed,
        propensityClip: o.propensityClip,
        usePropensity: o.propensity,
        features: o.dimBits ? { dim: 2 ** o.dimBits, version: 'hash-ngram-1' } : undefined,
      };
      let summary: object;
      if (isJsonl(input) || !cli.examplesFromStore) {
        const split = o.holdout ? { fraction: o.holdout, part: 'train' as const, seed: o.seed } : undefined;
        summary = await ploveTrainFile(input, o.out, { ...trainOpts, split, loveKinds: o.loveKinds, windowHours: o.windowHours });
      } else {
        const model = await trainLoveModel(cli.examplesFromStore(input, { loveKinds: o.loveKinds, windowHours: o.windowHours }), trainOpts);
        await saveLoveModel(model, o.out);
        summary = { out: o.out, format: 'store', stats: model.stats, platt: model.platt };
      }
      write(o.json ? `${JSON.stringify(summary, null, 2)}\n` : `wrote ${o.out}: ${JSON.stringify((summary as { stats: unknown }).stats)}\n`);
    });
  plove
    .command('eval')
    .description('AUROC, ECE and the calibration curve of a P[Love] model on labelled data')
    .argument('<input>', 'labelled JSONL (sat = positive) or native turn/feedback JSONL')
    .requiredOption('--model <path>', 'model.onnx from plove train, or a folder with an ONNX sequence-classification model + tokenizer')
    .option('--love-kinds <kinds>', 'feedback kinds that count as a Love (comma-separated)', list)
    .option('--window-hours <h>', 'a reaction counts within this many hours', num('--window-hours', 0, 1e6))
    .option('--holdout <fraction>', 'score only the held-out share (same fraction and seed as plove train)', fraction('--holdout'))
    .option('--seed <n>', 'split seed', num('--seed', 0, 2 ** 31))
    .option('--bins <n>', 'calibration bins', num('--bins', 2, 100))
    .option('--json', 'print {"n", "auroc", "ece", "calibration", ...} as JSON')
    .action(async (input: string, o) => {
      const { ploveEvalFile } = await import('./files.js');
      const split = o.holdout ? { fraction: o.holdout, part: 'test' as const, seed: o.seed } : undefined;
      const report = await ploveEvalFile(input, o.model, { split, loveKinds: o.loveKinds, windowHours: o.windowHours, bins: o.bins });
      write(o.json ? `${JSON.stringify(report, null, 2)}\n` : formatEvalReport(report));
    });
  return plove;
}
