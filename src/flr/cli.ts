// `feedback-miner flr score`: registered on the main commander program by src/cli.ts
// (registerFlrCommands(program)); prints one JSON object per assistant turn with --json.
import { Command, InvalidArgumentError } from 'commander';
import { loadFollowUpSets } from './followups.js';

const posInt = (name: string) => (v: string) => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError(`${name} must be a positive integer`);
  return n;
};

export interface CliIo {
  write(text: string): void;
}

const stdoutIo: CliIo = { write: (t) => void process.stdout.write(t) };

export function registerFlrCommands(program: Command, io: CliIo = stdoutIo): Command {
  const flr = program.command('flr').description('follow-up likelihood as reward (local ONNX causal LM)');
  flr
    .command('score')
    .description('FLR reward of every assistant turn in a labelled / OpenAI-messages JSONL file')
    .argument('<file>', 'JSONL, one {"messages": [...]} conversation per line')
    .requiredOption('--model <dir>', 'folder with tokenizer.json, tokenizer_config.json, config.json and onnx/model.onnx')
    .option('--follow-ups <file>', 'JSON {dimension: {positive: [...], negative: [...]}} replacing the built-in sets')
    .option('--max-length <n>', 'longest scored sequence in tokens (context cut from the left)', posInt('--max-length'))
    .option('--batch-size <n>', 'follow-ups per batched cache step', posInt('--batch-size'))
    .option('--threads <n>', 'onnxruntime intra-op threads', posInt('--threads'))
    .option('--json', 'one JSON object per assistant turn (reward, rewards, followUps)')
    .action(async (file: string, o) => {
      const { scoreFile } = await import('./file.js');
      const followUps = o.followUps ? loadFollowUpSets(o.followUps) : undefined;
      for await (const r of scoreFile(o.model, file, { followUps, maxLength: o.maxLength, batchSize: o.batchSize, threads: o.threads })) {
        if (o.json) io.write(`${JSON.stringify(r)}\n`);
        else {
          const dims = Object.entries(r.rewards).map(([d, v]) => `${d}=${v.toFixed(3)}`).join(' ');
          io.write(`${r.conversationId}\t#${r.messageIndex}\treward=${r.reward.toFixed(4)}\t${dims}\n`);
        }
      }
    });
  return flr;
}
