// Benchmark models: conv nets with the shapes and FLOPs of ResNet-18 (~1.8 GFLOPs) and
// MobileNetV2 (~0.3 GFLOPs) at [N, 3, 224, 224], with deterministic constant weights (batch norm
// folded into the convolutions, as an exported inference graph has it).
import { createGraphBuilder, deterministicWeights, type GraphBuilder } from './graph-builder.ts';

interface Net {
  g: GraphBuilder;
  seed: number;
}

function conv(net: Net, x: string, cin: number, cout: number, k: number, stride: number, group = 1): string {
  const fanIn = (cin / group) * k * k;
  // He-like scale keeps activations in range through many layers.
  const w = net.g.floats(
    [cout, cin / group, k, k],
    deterministicWeights(cout * fanIn, Math.sqrt(3 / fanIn), net.seed++),
  );
  const b = net.g.floats([cout], deterministicWeights(cout, 0.01, net.seed++));
  const pad = Math.floor(k / 2);
  return net.g.op('Conv', [x, w, b], {
    kernel_shape: [k, k],
    strides: [stride, stride],
    pads: [pad, pad, pad, pad],
    group,
  });
}

const relu = (net: Net, x: string) => net.g.op('Relu', [x]);

function head(net: Net, x: string, channels: number, classes: number): void {
  const pooled = net.g.op('Flatten', [net.g.op('GlobalAveragePool', [x])], { axis: 1 });
  const w = net.g.floats(
    [channels, classes],
    deterministicWeights(channels * classes, Math.sqrt(3 / channels), net.seed++),
  );
  const logits = net.g.op('Add', [
    net.g.op('MatMul', [pooled, w]),
    net.g.floats([classes], new Float32Array(classes)),
  ]);
  net.g.output('logits', logits, ['N', classes]);
}

export function resnet18Model(): Uint8Array {
  const net: Net = { g: createGraphBuilder(), seed: 18 };
  let x = net.g.input('images', ['N', 3, 224, 224]);
  x = relu(net, conv(net, x, 3, 64, 7, 2));
  x = net.g.op('MaxPool', [x], { kernel_shape: [3, 3], strides: [2, 2], pads: [1, 1, 1, 1] });
  let cin = 64;
  for (const [cout, stride] of [
    [64, 1],
    [128, 2],
    [256, 2],
    [512, 2],
  ] as const) {
    for (let block = 0; block < 2; block++) {
      const s = block === 0 ? stride : 1;
      const y = conv(net, relu(net, conv(net, x, cin, cout, 3, s)), cout, cout, 3, 1);
      const shortcut = s !== 1 || cin !== cout ? conv(net, x, cin, cout, 1, s) : x;
      x = relu(net, net.g.op('Add', [y, shortcut]));
      cin = cout;
    }
  }
  head(net, x, 512, 1000);
  return net.g.build('resnet18');
}

export function mobilenetModel(): Uint8Array {
  const net: Net = { g: createGraphBuilder(), seed: 2 };
  let x = relu(net, conv(net, net.g.input('images', ['N', 3, 224, 224]), 3, 32, 3, 2));
  let cin = 32;
  // MobileNetV2 inverted residuals: [expansion, channels, repeats, stride]
  const stages = [
    [1, 16, 1, 1],
    [6, 24, 2, 2],
    [6, 32, 3, 2],
    [6, 64, 4, 2],
    [6, 96, 3, 1],
    [6, 160, 3, 2],
    [6, 320, 1, 1],
  ] as const;
  for (const [t, c, n, s] of stages) {
    for (let i = 0; i < n; i++) {
      const stride = i === 0 ? s : 1;
      const hidden = cin * t;
      let y = t === 1 ? x : relu(net, conv(net, x, cin, hidden, 1, 1));
      y = relu(net, conv(net, y, hidden, hidden, 3, stride, hidden));
      y = conv(net, y, hidden, c, 1, 1);
      x = stride === 1 && cin === c ? net.g.op('Add', [x, y]) : y;
      cin = c;
    }
  }
  x = relu(net, conv(net, x, cin, 1280, 1, 1));
  head(net, x, 1280, 1000);
  return net.g.build('mobilenet');
}
