// Which image a runtime pod runs (pure). Two variants come from one Dockerfile: the CPU image
// (operator, ingest, sessions on cpu or webgpu) and the CUDA image, VARIANT=cuda, tagged
// `<tag>-cuda` (the CUDA provider and CUDA libraries, ~1.8 GB more). A backend group that hosts a
// cuda session runs the CUDA image; every other pod the CPU one.
import type { ExecutionProvider } from '../../contract/execution-providers.ts';
import type { RenderOptions } from './options.ts';

/** `repo:tag` → `repo:tag-cuda` (a bare `repo` is `repo:latest`); undefined for a digest. */
export function cudaImageOf(image: string): string | undefined {
  if (image.includes('@')) return undefined;
  const slash = image.lastIndexOf('/');
  const colon = image.lastIndexOf(':');
  return colon > slash ? `${image}-cuda` : `${image}:latest-cuda`;
}

/** The image of a pod whose sessions use `providers`; throws when a CUDA image cannot be named. */
export function runtimeImage(providers: readonly ExecutionProvider[], options: RenderOptions): string {
  if (!providers.includes('cuda')) return options.image;
  const image = options.cudaImage ?? cudaImageOf(options.image);
  if (!image)
    throw new Error(
      `a backend hosts a cuda session but no CUDA image is set: --image ${options.image} is a digest, so give --cuda-image (chart: runtime.cudaImage)`,
    );
  return image;
}
