// Where a session's model file is on this machine. Model URIs name what a cluster mounts
// (`file:///models/scene.onnx`); a `modelRoot` prefixes absolute file paths, so with modelRoot
// `samples/video-classifier` that URI opens `samples/video-classifier/models/scene.onnx`
// (docs/conventions.md, "Paths").
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export function modelPath(uri: string, modelRoot?: string): string {
  let url: URL;
  try {
    url = new URL(uri);
  } catch {
    throw new Error(`model uri ${JSON.stringify(uri)} is not a URI`);
  }
  if (url.protocol !== 'file:') {
    throw new Error(
      `model uri ${uri}: only file:// models can be opened here (mount the model and use file://)`,
    );
  }
  const absolute = fileURLToPath(url);
  return modelRoot ? path.join(path.resolve(modelRoot), absolute) : absolute;
}
