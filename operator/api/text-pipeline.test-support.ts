// A detect → read → collect pipeline (the video-text sample's shape) as objects, for the
// cross-object checks and the runtime config tests: `detect` fans out (dbText), `read` runs once
// per text box (ctcText), the gather `collect` merges a video's lines.
import type { ModelSession, VideoPipeline } from '../../contract/crd-types.generated.ts';

export function textSessions(): ModelSession[] {
  const base = (name: string, spec: Partial<ModelSession['spec']>): ModelSession => ({
    apiVersion: 'serving.vpo.dev/v1alpha1',
    kind: 'ModelSession',
    metadata: { name, namespace: 'default' },
    spec: {
      model: { uri: `file:///models/${name}.onnx` },
      input: { name: 'x', layout: 'NCHW', frames: 1, width: 320, height: 48 },
      batching: { maxBatchSize: 16 },
      executionProvider: 'cpu',
      profiles: [{ gpuProduct: 'cpu', points: [{ batchSize: 1, latencyMicros: 20000 }] }],
      ...spec,
    },
  });
  return [
    base('text-detector', {
      input: {
        name: 'x',
        layout: 'NCHW',
        frames: 4,
        width: 640,
        height: 352,
        mean: ['0.485'],
        std: ['0.229'],
      },
      output: { decoder: 'dbText', dbText: { threshold: '0.3', unclipRatio: '1.6', maxBoxes: 50 } },
    }),
    base('text-recognizer', {
      input: { name: 'x', layout: 'NCHW', frames: 1, width: 320, height: 48, resize: 'keepAspect' },
      output: { decoder: 'ctcText', ctcText: { dictionary: { uri: 'file:///models/keys.txt' } } },
    }),
  ];
}

export function textPipeline(): VideoPipeline {
  return {
    apiVersion: 'serving.vpo.dev/v1alpha1',
    kind: 'VideoPipeline',
    metadata: { name: 'video-text', namespace: 'default' },
    spec: {
      sampling: { frames: 4, width: 640, height: 352 },
      load: { videosPerSecond: '1' },
      latencySLO: { p99Ms: 20000 },
      stages: [
        { name: 'detect', sessionRef: { name: 'text-detector' }, fanOut: '6' },
        { name: 'read', sessionRef: { name: 'text-recognizer' }, inputs: ['detect'] },
        {
          name: 'collect',
          gather: { merge: 'textLines', minScore: '0.5' },
          inputs: ['read'],
          joinTimeoutMs: 30000,
        },
      ],
    },
  };
}
