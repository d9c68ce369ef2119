// The execution providers a ModelSession may name (crds/ executionProvider enum; a test checks the
// two agree). Add a provider here, in the CRD enum, and in runtime/inference/onnx-model.ts.
export const EXECUTION_PROVIDERS = ['cuda', 'webgpu', 'cpu'] as const;

export type ExecutionProvider = (typeof EXECUTION_PROVIDERS)[number];

export function isExecutionProvider(value: unknown): value is ExecutionProvider {
  return typeof value === 'string' && (EXECUTION_PROVIDERS as readonly string[]).includes(value);
}

/** "cuda, webgpu or cpu", for usage lines and errors. */
export const EXECUTION_PROVIDER_LIST = `${EXECUTION_PROVIDERS.slice(0, -1).join(', ')} or ${EXECUTION_PROVIDERS.at(-1)}`;

/**
 * The providers `vpo doctor` reports (API.md): the ones a ModelSession may name, and tensorrt,
 * which onnxruntime-node knows but vpo does not install (no ModelSession can ask for it).
 */
export const DIAGNOSED_PROVIDERS = ['cpu', 'cuda', 'tensorrt', 'webgpu'] as const;

export type DiagnosedProvider = (typeof DIAGNOSED_PROVIDERS)[number];
