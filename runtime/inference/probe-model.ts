// The smallest model that exercises a provider: y = x * x on a float32 [N, 4] tensor, encoded here
// as ONNX protobuf bytes (IR 8, opset 17) so `vpo doctor` and the backend's start-up check need no
// model file. Field numbers from onnx/onnx.proto (ModelProto, GraphProto, NodeProto,
// ValueInfoProto, TypeProto.Tensor, TensorShapeProto.Dimension, OperatorSetIdProto).

const FLOAT = 1;

function varint(n: number): number[] {
  const out: number[] = [];
  let v = n;
  while (v > 0x7f) {
    out.push((v & 0x7f) | 0x80);
    v = Math.floor(v / 128);
  }
  out.push(v);
  return out;
}

/** A varint field (wire type 0). */
const int = (field: number, value: number): number[] => [...varint(field << 3), ...varint(value)];
/** A length-delimited field (wire type 2): bytes, a string or an embedded message. */
function bytes(field: number, value: number[] | string): number[] {
  const body = typeof value === 'string' ? [...new TextEncoder().encode(value)] : value;
  return [...varint((field << 3) | 2), ...varint(body.length), ...body];
}

function tensorValue(name: string, dims: (number | string)[]): number[] {
  const dimensions = dims.flatMap((d) => bytes(1, typeof d === 'number' ? int(1, d) : bytes(2, d)));
  const tensorType = [...int(1, FLOAT), ...bytes(2, dimensions)];
  return [...bytes(1, name), ...bytes(2, bytes(1, tensorType))];
}

export const PROBE_INPUT = 'x';
export const PROBE_OUTPUT = 'y';
export const PROBE_WIDTH = 4;

/** The model's bytes; the same every call. */
export function probeModelBytes(): Uint8Array {
  const node = [
    ...bytes(1, PROBE_INPUT),
    ...bytes(1, PROBE_INPUT),
    ...bytes(2, PROBE_OUTPUT),
    ...bytes(4, 'Mul'),
  ];
  const graph = [
    ...bytes(1, node),
    ...bytes(2, 'vpo-probe'),
    ...bytes(11, tensorValue(PROBE_INPUT, ['N', PROBE_WIDTH])),
    ...bytes(12, tensorValue(PROBE_OUTPUT, ['N', PROBE_WIDTH])),
  ];
  const opset = [...bytes(1, ''), ...int(2, 17)];
  return Uint8Array.from([...int(1, 8), ...bytes(2, 'vpo'), ...bytes(7, graph), ...bytes(8, opset)]);
}
