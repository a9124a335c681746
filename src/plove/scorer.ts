// P[Love] scorers behind one interface: the project's hashed-feature ONNX model, or any external ONNX
// sequence-classification reward model with its tokenizer (a folder with tokenizer.json and model.onnx).
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { Template } from '@huggingface/jinja';
import { Tokenizer } from '@huggingface/tokenizers';
import ort from 'onnxruntime-node';
import { featurize, lastUserText, type FeatureConfig, type LoveContext } from './features.js';
import { LOVE_INPUT_INDEX, LOVE_INPUT_VALUE, LOVE_OUTPUT, readOnnxMetadata } from './onnx-model.js';

export interface LoveItem {
  context: LoveContext;
  response: string;
}

export interface LoveScorer {
  readonly kind: 'hashed-linear' | 'sequence-classifier';
  /** P[Love] per item, in input order. */
  score(items: LoveItem[]): Promise<number[]>;
  release(): Promise<void>;
}

const SESSION_OPTIONS: ort.InferenceSession.SessionOptions = { intraOpNumThreads: 1, interOpNumThreads: 1 };

export class HashedLoveScorer implements LoveScorer {
  readonly kind = 'hashed-linear' as const;
  private constructor(
    private readonly session: ort.InferenceSession,
    readonly features: FeatureConfig,
    readonly metadata: Record<string, string>,
  ) {}

  static async load(path: string): Promise<HashedLoveScorer> {
    const bytes = readFileSync(path);
    let metadata: Record<string, string>;
    try {
      metadata = readOnnxMetadata(bytes);
    } catch (err) {
      throw new Error(`${path}: not an ONNX model: ${(err as Error).message}`);
    }
    if (metadata['feedback_miner.model'] !== 'plove-hashed-linear') {
      throw new Error(`${path}: field metadata_props.feedback_miner.model: not a plove-hashed-linear model`);
    }
    const features = JSON.parse(metadata['feedback_miner.features']) as FeatureConfig;
    const session = await ort.InferenceSession.create(bytes, SESSION_OPTIONS);
    return new HashedLoveScorer(session, features, metadata);
  }

  async score(items: LoveItem[], batchSize = 512): Promise<number[]> {
    const out: number[] = [];
    for (let b0 = 0; b0 < items.length; b0 += batchSize) {
      const feats = items.slice(b0, b0 + batchSize).map((it) => featurize(it.context, it.response, this.features));
      const width = Math.max(1, ...feats.map((f) => f.indices.length));
      const index = new BigInt64Array(feats.length * width);
      const value = new Float32Array(feats.length * width); // padding: index 0 with value 0 adds nothing
      feats.forEach((f, r) => {
        for (let i = 0; i < f.indices.length; i++) {
          index[r * width + i] = BigInt(f.indices[i]);
          value[r * width + i] = f.values[i];
        }
      });
      const res = await this.session.run({
        [LOVE_INPUT_INDEX]: new ort.Tensor('int64', index, [feats.length, width]),
        [LOVE_INPUT_VALUE]: new ort.Tensor('float32', value, [feats.length, width]),
      });
      out.push(...Array.from(res[LOVE_OUTPUT].data as Float32Array));
    }
    return out;
  }

  async release(): Promise<void> {
    await this.session.release();
  }
}

/**
 * An external reward model: inputs input_ids + attention_mask (token_type_ids if present), output logits
 * [batch, 1] (sigmoid) or [batch, 2] (softmax, class 1 = love). Text = chat template of context + response
 * when the tokenizer has one, else "last user message\n\nresponse".
 */
export class SequenceClassifierLoveScorer implements LoveScorer {
  readonly kind = 'sequence-classifier' as const;
  private constructor(
    private readonly session: ort.InferenceSession,
    private readonly tokenizer: Tokenizer,
    private readonly template: Template | null,
    private readonly specialTokens: Record<string, string>,
    private readonly maxLength: number,
    private readonly padId: number,
  ) {}

  static async load(dir: string, opts: { maxLength?: number } = {}): Promise<SequenceClassifierLoveScorer> {
    const read = (f: string): Record<string, unknown> => {
      try {
        return JSON.parse(readFileSync(join(dir, f), 'utf8')) as Record<string, unknown>;
      } catch (err) {
        throw new Error(`${join(dir, f)}: cannot read: ${(err as Error).message}`);
      }
    };
    const tokenizerConfig = read('tokenizer_config.json');
    const tokenizer = new Tokenizer(read('tokenizer.json'), tokenizerConfig);
    let chat = tokenizerConfig.chat_template;
    if (typeof chat !== 'string' && existsSync(join(dir, 'chat_template.jinja'))) chat = readFileSync(join(dir, 'chat_template.jinja'), 'utf8');
    const special: Record<string, string> = {};
    for (const k of ['bos_token', 'eos_token', 'pad_token', 'unk_token']) {
      const v = tokenizerConfig[k];
      const s = typeof v === 'string' ? v : (v as { content?: string } | undefined)?.content;
      if (typeof s === 'string') special[k] = s;
    }
    const onnxPath = ['onnx/model.onnx', 'model.onnx'].map((p) => join(dir, p)).find((p) => existsSync(p));
    if (!onnxPath) throw new Error(`${dir}: no ONNX graph (looked for onnx/model.onnx, model.onnx)`);
    const session = await ort.InferenceSession.create(onnxPath, SESSION_OPTIONS);
    const padId = special.pad_token !== undefined ? (tokenizer.token_to_id(special.pad_token) ?? 0) : 0;
    const maxLength = opts.maxLength ?? (typeof tokenizerConfig.model_max_length === 'number' ? Math.min(tokenizerConfig.model_max_length, 4096) : 512);
    return new SequenceClassifierLoveScorer(session, tokenizer, typeof chat === 'string' ? new Template(chat) : null, special, maxLength, padId);
  }

  private text(item: LoveItem): string {
    if (!this.template) return `${lastUserText(item.context)}\n\n${item.response}`;
    const context = typeof item.context === 'string' ? [{ role: 'user', content: item.context }] : item.context;
    const messages = [...context.filter((m) => m.role !== 'tool'), { role: 'assistant', content: item.response }];
    return this.template.render({ messages, add_generation_prompt: false, ...this.specialTokens });
  }

  async score(items: LoveItem[], batchSize = 16): Promise<number[]> {
    const out: number[] = [];
    for (let b0 = 0; b0 < items.length; b0 += batchSize) {
      // Keep the end of long inputs: the response is what is scored.
      const seqs: number[][] = items.slice(b0, b0 + batchSize).map((it) => {
        const ids = this.tokenizer.encode(this.text(it), { add_special_tokens: this.template === null }).ids;
        return ids.slice(Math.max(0, ids.length - this.maxLength));
      });
      const width = Math.max(...seqs.map((s) => s.length));
      const ids = new BigInt64Array(seqs.length * width).fill(BigInt(this.padId));
      const mask = new BigInt64Array(seqs.length * width);
      seqs.forEach((s: number[], r) => {
        for (let j = 0; j < s.length; j++) {
          ids[r * width + j] = BigInt(s[j]);
          mask[r * width + j] = 1n;
        }
      });
      const feeds: Record<string, ort.Tensor> = {
        input_ids: new ort.Tensor('int64', ids, [seqs.length, width]),
        attention_mask: new ort.Tensor('int64', mask, [seqs.length, width]),
      };
      if (this.session.inputNames.includes('token_type_ids')) {
        feeds.token_type_ids = new ort.Tensor('int64', new BigInt64Array(seqs.length * width), [seqs.length, width]);
      }
      const res = await this.session.run(feeds);
      const logits = res.logits ?? res[this.session.outputNames[0]];
      const data = logits.data as Float32Array;
      const classes = data.length / seqs.length;
      for (let r = 0; r < seqs.length; r++) {
        if (classes === 1) out.push(1 / (1 + Math.exp(-data[r])));
        else {
          let max = -Infinity;
          for (let c = 0; c < classes; c++) max = Math.max(max, data[r * classes + c]);
          let sum = 0;
          for (let c = 0; c < classes; c++) sum += Math.exp(data[r * classes + c] - max);
          out.push(Math.exp(data[r * classes + 1] - max) / sum);
        }
      }
    }
    return out;
  }

  async release(): Promise<void> {
    await this.session.release();
  }
}

/** A `.onnx` file made by `plove train`, or a folder holding an external sequence-classification model. */
export async function loadLoveScorer(path: string): Promise<LoveScorer> {
  if (!existsSync(path)) throw new Error(`${path}: no such model file or folder`);
  return statSync(path).isDirectory() ? SequenceClassifierLoveScorer.load(path) : HashedLoveScorer.load(path);
}
