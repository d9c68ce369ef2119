// The GPU product as NVIDIA's GPU feature discovery writes it into the node label
// nvidia.com/gpu.product, so a measured profile names the same product the planner reads from
// Nodes. GFD (github.com/NVIDIA/k8s-device-plugin, internal/lm/resource.go productLabel) takes
// NVML's device name, replaces every single space by '-' (strings.ReplaceAll, so two spaces make
// two dashes), joins the parts with '-': "<name>" for a full GPU, "<name>-MIG-<profile>" for a MIG
// device, and appends "-SHARED" when time-slicing replicates the GPU (and does not rename it).

export interface ProductLabelOptions {
  /** The MIG profile (e.g. "1g.10gb") when the device is a MIG instance. */
  migProfile?: string;
  /** Time-slicing shares the GPU under its own resource name. */
  shared?: boolean;
}

export function gpuProductLabel(nvmlName: string, options: ProductLabelOptions = {}): string {
  const parts = [nvmlName, ...(options.migProfile ? ['MIG', options.migProfile] : [])]
    .filter((p) => p !== '')
    .map((p) => p.replaceAll(' ', '-'));
  if (parts.length === 0) return '';
  if (options.shared) parts.push('SHARED');
  return parts.join('-');
}
