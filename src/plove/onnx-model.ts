// Writes the P[Love] hashed-feature logistic model as a hand-encoded ONNX graph (opset 13):
// Gather(weights, feature_index) * feature_value -> ReduceSum -> + bias -> Platt (a*z + b) -> Sigmoid.
// The featurizer settings travel in the model's metadata_props so a scorer can rebuild the same features.
import { ProtoWriter, readFields } from './protobuf.js';

// ONNX enum values (onnx.proto3).
const FLOAT = 1;
const INT64 = 7;
const ATTR_INT = 2;

export interface LinearLoveModel {
  weights: Float32Array;
  bias: number;
  platt: { a: number; b: number };
  metadata: Record<string, string>;
}

function tensor(w: ProtoWriter, name: string, dataType: number, dims: number[], raw: Uint8Array): void {
  for (const d of dims) w.int(1, d);
  w.int(2, dataType);
  w.string(8, name);
  w.bytes(9, raw);
}

function floats(values: ArrayLike<number>): Uint8Array {
  const f = Float32Array.from(values);
  return new Uint8Array(f.buffer, f.byteOffset, f.byteLength);
}

function valueInfo(w: ProtoWriter, name: string, elemType: number, dims: (number | string)[]): void {
  w.string(1, name);
  w.message(2, (type) =>
    type.message(1, (t) => {
      t.int(1, elemType);
      t.message(2, (shape) => {
        for (const d of dims) shape.message(1, (dim) => (typeof d === 'number' ? dim.int(1, d) : dim.string(2, d)));
      });
    }),
  );
}

function node(w: ProtoWriter, op: string, inputs: string[], outputs: string[], attrs: Record<string, number> = {}): void {
  for (const i of inputs) w.string(1, i);
  for (const o of outputs) w.string(2, o);
  w.string(3, `${op}_${outputs[0]}`);
  w.string(4, op);
  for (const [name, value] of Object.entries(attrs)) {
    w.message(5, (a) => {
      a.string(1, name);
      a.int(3, value);
      a.int(20, ATTR_INT);
    });
  }
}

export const LOVE_INPUT_INDEX = 'feature_index';
export const LOVE_INPUT_VALUE = 'feature_value';
export const LOVE_OUTPUT = 'p_love';
export const LOVE_OUTPUT_LOGIT = 'logit';

export function encodeLoveModel(model: LinearLoveModel): Uint8Array {
  const root = new ProtoWriter();
  root.int(1, 7); // ir_version 7 (opset 13)
  root.string(2, 'feedback-miner');
  root.string(3, '1');
  root.message(7, (g) => {
    g.message(1, (n) => node(n, 'Gather', ['weights', LOVE_INPUT_INDEX], ['gathered'], { axis: 0 }));
    g.message(1, (n) => node(n, 'Mul', ['gathered', LOVE_INPUT_VALUE], ['contrib']));
    g.message(1, (n) => node(n, 'ReduceSum', ['contrib', 'reduce_axes'], ['dot'], { keepdims: 0 }));
    g.message(1, (n) => node(n, 'Add', ['dot', 'bias'], [LOVE_OUTPUT_LOGIT]));
    g.message(1, (n) => node(n, 'Mul', [LOVE_OUTPUT_LOGIT, 'platt_a'], ['scaled']));
    g.message(1, (n) => node(n, 'Add', ['scaled', 'platt_b'], ['calibrated']));
    g.message(1, (n) => node(n, 'Sigmoid', ['calibrated'], [LOVE_OUTPUT]));
    g.string(2, 'p_love');
    g.message(5, (t) => tensor(t, 'weights', FLOAT, [model.weights.length], floats(model.weights)));
    g.message(5, (t) => tensor(t, 'bias', FLOAT, [1], floats([model.bias])));
    g.message(5, (t) => tensor(t, 'platt_a', FLOAT, [1], floats([model.platt.a])));
    g.message(5, (t) => tensor(t, 'platt_b', FLOAT, [1], floats([model.platt.b])));
    const axes = BigInt64Array.from([1n]);
    g.message(5, (t) => tensor(t, 'reduce_axes', INT64, [1], new Uint8Array(axes.buffer)));
    g.message(11, (v) => valueInfo(v, LOVE_INPUT_INDEX, INT64, ['batch', 'features']));
    g.message(11, (v) => valueInfo(v, LOVE_INPUT_VALUE, FLOAT, ['batch', 'features']));
    g.message(12, (v) => valueInfo(v, LOVE_OUTPUT, FLOAT, ['batch']));
    g.message(12, (v) => valueInfo(v, LOVE_OUTPUT_LOGIT, FLOAT, ['batch']));
  });
  root.message(8, (o) => {
    o.string(1, '');
    o.int(2, 13);
  });
  for (const [key, value] of Object.entries(model.metadata)) {
    root.message(14, (e) => e.string(1, key).string(2, value));
  }
  return root.finish();
}

/** The metadata_props of an ONNX file (onnxruntime-node does not expose them). */
export function readOnnxMetadata(bytes: Uint8Array): Record<string, string> {
  const out: Record<string, string> = {};
  const dec = new TextDecoder();
  for (const f of readFields(bytes)) {
    if (f.field !== 14 || !(f.value instanceof Uint8Array)) continue;
    let key = '';
    let value = '';
    for (const e of readFields(f.value)) {
      if (e.field === 1 && e.value instanceof Uint8Array) key = dec.decode(e.value);
      if (e.field === 2 && e.value instanceof Uint8Array) value = dec.decode(e.value);
    }
    out[key] = value;
  }
  return out;
}
