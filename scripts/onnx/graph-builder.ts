// A small builder for ONNX graphs written with onnx-proto (IR 8, opset 17). Test and sample
// models are generated from code so that their behaviour is known by construction.
import onnxProto from 'onnx-proto';

const { onnx } = onnxProto;

export const IR_VERSION = 8;
export const OPSET = 17;

/** A dimension: a number for a fixed size, a string for a symbolic (dynamic) one. */
export type Dim = number | string;

type AttrValue = number | number[] | string | Float32Array;

export interface GraphBuilder {
  /** Adds a node; returns the name of its (first) output. */
  op(opType: string, inputs: string[], attrs?: Record<string, AttrValue>, outputCount?: number): string;
  /** Adds a float initializer and returns its name. */
  floats(dims: number[], values: ArrayLike<number>): string;
  /** Adds an int64 initializer and returns its name. */
  ints(dims: number[], values: number[]): string;
  input(name: string, dims: Dim[], elemType?: number): string;
  output(name: string, from: string, dims: Dim[]): void;
  /** Serialises the model. */
  build(graphName: string): Uint8Array;
}

function valueInfo(name: string, dims: Dim[], elemType: number) {
  return {
    name,
    type: {
      tensorType: {
        elemType,
        shape: { dim: dims.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d })) },
      },
    },
  };
}

function attribute(name: string, value: AttrValue) {
  const A = onnx.AttributeProto.AttributeType;
  if (typeof value === 'string') return { name, type: A.STRING, s: new TextEncoder().encode(value) };
  if (value instanceof Float32Array) return { name, type: A.FLOATS, floats: Array.from(value) };
  if (Array.isArray(value)) return { name, type: A.INTS, ints: value };
  return Number.isInteger(value) ? { name, type: A.INT, i: value } : { name, type: A.FLOAT, f: value };
}

export function createGraphBuilder(): GraphBuilder {
  const nodes: object[] = [];
  const initializers: object[] = [];
  const inputs: object[] = [];
  const outputs: object[] = [];
  let counter = 0;
  const fresh = (prefix: string) => `${prefix}_${counter++}`;
  return {
    op(opType, nodeInputs, attrs = {}, outputCount = 1) {
      const outs = Array.from({ length: outputCount }, () => fresh(opType.toLowerCase()));
      nodes.push({
        opType,
        name: fresh(`n_${opType}`),
        input: nodeInputs,
        output: outs,
        attribute: Object.entries(attrs).map(([k, v]) => attribute(k, v)),
      });
      return outs[0]!;
    },
    floats(dims, values) {
      const name = fresh('w');
      const data = Float32Array.from(values);
      initializers.push({
        name,
        dims,
        dataType: onnx.TensorProto.DataType.FLOAT,
        rawData: new Uint8Array(data.buffer, data.byteOffset, data.byteLength),
      });
      return name;
    },
    ints(dims, values) {
      const name = fresh('i');
      initializers.push({ name, dims, dataType: onnx.TensorProto.DataType.INT64, int64Data: values });
      return name;
    },
    input(name, dims, elemType = onnx.TensorProto.DataType.FLOAT) {
      inputs.push(valueInfo(name, dims, elemType));
      return name;
    },
    output(name, from, dims) {
      nodes.push({ opType: 'Identity', name: fresh('n_out'), input: [from], output: [name] });
      outputs.push(valueInfo(name, dims, onnx.TensorProto.DataType.FLOAT));
    },
    build(graphName) {
      const model = onnx.ModelProto.create({
        irVersion: IR_VERSION,
        producerName: 'vpo gen-models',
        opsetImport: [{ domain: '', version: OPSET }],
        graph: { name: graphName, node: nodes, initializer: initializers, input: inputs, output: outputs },
      });
      return onnx.ModelProto.encode(model).finish();
    },
  };
}

/** Deterministic pseudo-random weights in [-scale, scale] (an LCG: the same model every run). */
export function deterministicWeights(count: number, scale: number, seed: number): Float32Array {
  const out = new Float32Array(count);
  let state = seed >>> 0 || 1;
  for (let i = 0; i < count; i++) {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    out[i] = (state / 2 ** 32 - 0.5) * 2 * scale;
  }
  return out;
}
