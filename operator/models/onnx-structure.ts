// Whether a byte stream is an ONNX model, checked while it streams past (pure, constant memory):
// the protobuf wire format of a ModelProto (onnx/onnx.proto) parsed field by field, every length
// inside its parent, with an ir_version, at least one opset_import, and a graph that itself parses
// and declares inputs and outputs. It is the operator's check that a model "can be opened"
// without onnxruntime (which only the runtime imports): a text file, an HTML error page, a
// truncated download or a model of another format fails it with a reason; weights are skipped,
// never held.

/** ModelProto fields (onnx.proto). */
const MODEL_IR_VERSION = 1;
const MODEL_GRAPH = 7;
const MODEL_OPSET_IMPORT = 8;
/** GraphProto fields. */
const GRAPH_INPUT = 11;
const GRAPH_OUTPUT = 12;

/** Protobuf wire types: varint, 64-bit, length-delimited, 32-bit (groups are not used by ONNX). */
const VARINT = 0;
const I64 = 1;
const LEN = 2;
const I32 = 5;

interface Frame {
  /** Absolute offset where this message ends (Infinity for the root: it ends with the stream). */
  end: number;
  counts: Map<number, number>;
  irVersion?: number;
}

export interface OnnxCheck {
  /** Feeds the next bytes; throws an Error naming the problem as soon as one is seen. */
  push(chunk: Uint8Array): void;
  /** The stream ended; throws when what came is not a whole ONNX model. */
  end(): { irVersion: number; opsets: number; inputs: number; outputs: number };
}

export function createOnnxCheck(): OnnxCheck {
  let offset = 0;
  const stack: Frame[] = [{ end: Number.POSITIVE_INFINITY, counts: new Map() }];
  let graph: Frame | undefined;
  // The field being read: its tag, then its varint value, or bytes to skip.
  let state: 'tag' | 'varint' | 'skip' = 'tag';
  let varint = 0n;
  let shift = 0n;
  let varintBytes = 0;
  let field = 0;
  let wire = 0;
  let skipLeft = 0;

  const fail = (why: string): never => {
    throw new Error(`not an ONNX model: ${why} (at byte ${offset})`);
  };
  const top = () => stack[stack.length - 1]!;

  const closeFinished = () => {
    while (stack.length > 1 && offset === top().end) stack.pop();
    if (offset > top().end) fail('a field runs past the end of its message');
  };

  const fieldDone = (value: bigint | undefined, length: number | undefined) => {
    const frame = top();
    frame.counts.set(field, (frame.counts.get(field) ?? 0) + 1);
    if (stack.length === 1 && field === MODEL_IR_VERSION && value !== undefined)
      frame.irVersion = Number(value);
    if (length !== undefined) {
      if (offset + length > frame.end) fail(`field ${field} is longer than its message`);
      if (stack.length === 1 && field === MODEL_GRAPH && wire === LEN) {
        // Descend into the graph: its own fields are walked, its contents skipped.
        graph = { end: offset + length, counts: new Map() };
        stack.push(graph);
        state = 'tag';
        closeFinished();
        return;
      }
      skipLeft = length;
      state = length > 0 ? 'skip' : 'tag';
    } else state = 'tag';
    if (state === 'tag') closeFinished();
  };

  const onVarint = (value: bigint) => {
    if (state === 'tag') {
      const fieldNumber = Number(value >> 3n);
      wire = Number(value & 7n);
      field = fieldNumber;
      if (fieldNumber < 1 || fieldNumber > 536_870_911) fail(`field number ${fieldNumber}`);
      if (wire === VARINT || wire === LEN) state = 'varint';
      else if (wire === I64 || wire === I32) fieldDone(undefined, wire === I64 ? 8 : 4);
      else fail(`wire type ${wire} of field ${fieldNumber}`);
      return;
    }
    // The value of a varint field, or the length of a length-delimited one.
    if (wire === VARINT) fieldDone(value, undefined);
    else {
      if (value > BigInt(Number.MAX_SAFE_INTEGER)) fail(`length ${value}`);
      fieldDone(undefined, Number(value));
    }
  };

  return {
    push(chunk) {
      let i = 0;
      while (i < chunk.length) {
        if (state === 'skip') {
          const n = Math.min(skipLeft, chunk.length - i);
          skipLeft -= n;
          i += n;
          offset += n;
          if (skipLeft === 0) {
            state = 'tag';
            closeFinished();
          }
          continue;
        }
        const byte = chunk[i]!;
        i++;
        offset++;
        varint |= BigInt(byte & 0x7f) << shift;
        shift += 7n;
        varintBytes++;
        if (varintBytes > 10) fail('a varint longer than 10 bytes');
        if ((byte & 0x80) === 0) {
          const value = varint;
          varint = 0n;
          shift = 0n;
          varintBytes = 0;
          onVarint(value);
        }
      }
    },
    end() {
      if (state !== 'tag' || varintBytes > 0 || stack.length > 1) fail('it ends in the middle of a field');
      const root = stack[0]!;
      const irVersion = root.irVersion;
      if (irVersion === undefined || !(irVersion >= 1 && irVersion <= 64))
        fail(`ir_version ${irVersion ?? 'missing'}`);
      const opsets = root.counts.get(MODEL_OPSET_IMPORT) ?? 0;
      if (opsets === 0) fail('no opset_import');
      if (!graph) fail('no graph');
      const inputs = graph!.counts.get(GRAPH_INPUT) ?? 0;
      const outputs = graph!.counts.get(GRAPH_OUTPUT) ?? 0;
      if (inputs === 0 || outputs === 0) fail(`the graph has ${inputs} input(s) and ${outputs} output(s)`);
      return { irVersion: irVersion!, opsets, inputs, outputs };
    },
  };
}
