// Loads a causal LM exported to ONNX in the optimum / transformers.js folder layout (tokenizer.json,
// tokenizer_config.json with a chat template, config.json, onnx/model.onnx) and runs it with a KV cache.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Template } from '@huggingface/jinja';
import { Tokenizer } from '@huggingface/tokenizers';
import ort from 'onnxruntime-node';

export interface ChatMessage {
  role: 'system' | 'user' | 'assistant';
  content: string;
}

export interface LoadLmOptions {
  /** ONNX file inside the folder; default: onnx/model.onnx, then model.onnx. */
  onnxFile?: string;
  /** Threads per session run; default 1 (batch jobs run several processes, not several threads). */
  threads?: number;
}

/** KV cache of a batch: per layer, key and value tensors [batch, kvHeads, pastLength, headDim]. */
export interface PastKeyValues {
  batch: number;
  length: number;
  tensors: Float32Array[]; // layer-major: [k0, v0, k1, v1, ...]
}

export interface DecoderOutput {
  /** Logits [batch, seqLen, vocab] in float32. */
  logits: Float32Array;
  seqLen: number;
  present: PastKeyValues;
}

function readJson(path: string): Record<string, unknown> {
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>;
  } catch (err) {
    throw new Error(`${path}: cannot read model file: ${(err as Error).message}`);
  }
}

function tokenString(v: unknown): string | undefined {
  if (typeof v === 'string') return v;
  if (v && typeof v === 'object' && typeof (v as { content?: unknown }).content === 'string') {
    return (v as { content: string }).content;
  }
  return undefined;
}

export class CausalLm {
  readonly vocabSize: number;
  readonly numLayers: number;
  readonly kvHeads: number;
  readonly headDim: number;
  readonly maxPositions: number;
  readonly padTokenId: number;
  private readonly hasPositionIds: boolean;
  private readonly template: Template;
  private readonly specialTokens: Record<string, string>;
  /** Added special tokens (e.g. <|end|>): the tokenizer splits on them first, so text can be cut after one. */
  readonly specialTokenStrings: string[];

  private constructor(
    readonly dir: string,
    readonly tokenizer: Tokenizer,
    readonly session: ort.InferenceSession,
    config: Record<string, unknown>,
    chatTemplate: string,
    tokenizerConfig: Record<string, unknown>,
    tokenizerJson: Record<string, unknown>,
  ) {
    const num = (key: string, fallback?: number): number => {
      const v = config[key] ?? fallback;
      if (typeof v !== 'number') throw new Error(`${join(dir, 'config.json')}: field ${key}: missing or not a number`);
      return v;
    };
    this.vocabSize = num('vocab_size');
    this.numLayers = num('num_hidden_layers');
    const heads = num('num_attention_heads');
    this.kvHeads = num('num_key_value_heads', heads);
    this.headDim = num('head_dim', num('hidden_size') / heads);
    this.maxPositions = num('max_position_embeddings', 2048);
    const pad = config.pad_token_id ?? config.eos_token_id ?? 0;
    this.padTokenId = typeof pad === 'number' ? pad : Array.isArray(pad) ? Number(pad[0]) : 0;
    this.hasPositionIds = session.inputNames.includes('position_ids');
    for (let i = 0; i < this.numLayers; i++) {
      if (!session.inputNames.includes(`past_key_values.${i}.key`)) {
        throw new Error(`${dir}: ONNX graph has no input past_key_values.${i}.key (export it with a KV cache)`);
      }
    }
    const added = Array.isArray(tokenizerJson.added_tokens) ? tokenizerJson.added_tokens : [];
    this.specialTokenStrings = added
      .filter((t: { special?: boolean; content?: unknown }) => t.special && typeof t.content === 'string')
      .map((t: { content: string }) => t.content);
    this.template = new Template(chatTemplate);
    this.specialTokens = {};
    for (const key of ['bos_token', 'eos_token', 'unk_token', 'pad_token']) {
      const s = tokenString(tokenizerConfig[key]);
      if (s !== undefined) this.specialTokens[key] = s;
    }
  }

  static async load(dir: string, opts: LoadLmOptions = {}): Promise<CausalLm> {
    const config = readJson(join(dir, 'config.json'));
    const tokenizerJson = readJson(join(dir, 'tokenizer.json'));
    const tokenizerConfig = readJson(join(dir, 'tokenizer_config.json'));
    let chatTemplate = tokenizerConfig.chat_template;
    if (typeof chatTemplate !== 'string' && existsSync(join(dir, 'chat_template.jinja'))) {
      chatTemplate = readFileSync(join(dir, 'chat_template.jinja'), 'utf8');
    }
    if (typeof chatTemplate !== 'string') {
      throw new Error(`${join(dir, 'tokenizer_config.json')}: field chat_template: missing (and no chat_template.jinja)`);
    }
    const candidates = opts.onnxFile ? [opts.onnxFile] : ['onnx/model.onnx', 'model.onnx'];
    const onnxPath = candidates.map((c) => join(dir, c)).find((p) => existsSync(p));
    if (!onnxPath) throw new Error(`${dir}: no ONNX graph (looked for ${candidates.join(', ')})`);
    const threads = opts.threads ?? 1;
    const session = await ort.InferenceSession.create(onnxPath, {
      intraOpNumThreads: threads,
      interOpNumThreads: 1,
      graphOptimizationLevel: 'all',
    });
    const tokenizer = new Tokenizer(tokenizerJson, tokenizerConfig);
    return new CausalLm(dir, tokenizer, session, config, chatTemplate, tokenizerConfig, tokenizerJson);
  }

  /** Render messages with the model's own chat template (no generation prompt). */
  renderChat(messages: ChatMessage[]): string {
    return this.template.render({ messages, add_generation_prompt: false, ...this.specialTokens });
  }

  /** Token ids of an already-templated text (the template supplies BOS etc., as apply_chat_template does). */
  encode(text: string): number[] {
    return this.tokenizer.encode(text, { add_special_tokens: false }).ids;
  }

  emptyPast(batch: number): PastKeyValues {
    return { batch, length: 0, tensors: Array.from({ length: 2 * this.numLayers }, () => new Float32Array(0)) };
  }

  /** Repeat a batch-1 cache `batch` times. */
  expandPast(past: PastKeyValues, batch: number): PastKeyValues {
    if (past.batch !== 1) throw new Error('expandPast needs a batch-1 cache');
    return {
      batch,
      length: past.length,
      tensors: past.tensors.map((t) => {
        const out = new Float32Array(t.length * batch);
        for (let b = 0; b < batch; b++) out.set(t, b * t.length);
        return out;
      }),
    };
  }

  /**
   * One decoder step over `ids` (batch x seqLen, right-padded; `lengths` are the real lengths) after `past`.
   * Padding sits after the real tokens, so causal attention keeps it from touching them.
   * With `present: false` the returned cache is empty.
   */
  async forward(
    ids: number[][],
    past: PastKeyValues,
    lengths?: number[],
    opts: { present?: boolean } = {},
  ): Promise<DecoderOutput> {
    const wantPresent = opts.present ?? true;
    const batch = ids.length;
    const seqLen = ids[0].length;
    if (past.batch !== batch) throw new Error(`cache batch ${past.batch} != input batch ${batch}`);
    const total = past.length + seqLen;
    const inputIds = new BigInt64Array(batch * seqLen);
    const positions = new BigInt64Array(batch * seqLen);
    const mask = new BigInt64Array(batch * total);
    for (let b = 0; b < batch; b++) {
      const real = lengths?.[b] ?? seqLen;
      for (let j = 0; j < seqLen; j++) {
        inputIds[b * seqLen + j] = BigInt(ids[b][j]);
        positions[b * seqLen + j] = BigInt(past.length + j);
      }
      for (let j = 0; j < past.length + real; j++) mask[b * total + j] = 1n;
    }
    const feeds: Record<string, ort.Tensor> = {
      input_ids: new ort.Tensor('int64', inputIds, [batch, seqLen]),
      attention_mask: new ort.Tensor('int64', mask, [batch, total]),
    };
    if (this.hasPositionIds) feeds.position_ids = new ort.Tensor('int64', positions, [batch, seqLen]);
    const pastDims = [batch, this.kvHeads, past.length, this.headDim];
    for (let i = 0; i < this.numLayers; i++) {
      feeds[`past_key_values.${i}.key`] = new ort.Tensor('float32', past.tensors[2 * i], pastDims);
      feeds[`past_key_values.${i}.value`] = new ort.Tensor('float32', past.tensors[2 * i + 1], pastDims);
    }
    // Fetching only the logits skips copying the whole cache back to JS when the caller will not reuse it.
    const out = wantPresent ? await this.session.run(feeds) : await this.session.run(feeds, ['logits']);
    const logits = out.logits;
    if (!logits || logits.type !== 'float32') throw new Error(`${this.dir}: graph output logits missing or not float32`);
    const tensors: Float32Array[] = [];
    for (let i = 0; wantPresent && i < this.numLayers; i++) {
      tensors.push(out[`present.${i}.key`].data as Float32Array, out[`present.${i}.value`].data as Float32Array);
    }
    return { logits: logits.data as Float32Array, seqLen, present: { batch, length: total, tensors } };
  }

  async release(): Promise<void> {
    await this.session.release();
  }
}

/** log p(token) from one row of logits, computed in float64. */
export function logSoftmaxAt(logits: Float32Array, rowOffset: number, vocab: number, token: number): number {
  let max = -Infinity;
  for (let v = 0; v < vocab; v++) if (logits[rowOffset + v] > max) max = logits[rowOffset + v];
  let sum = 0;
  for (let v = 0; v < vocab; v++) sum += Math.exp(logits[rowOffset + v] - max);
  return logits[rowOffset + token] - max - Math.log(sum);
}
