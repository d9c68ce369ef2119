#!/usr/bin/env bash
# The prepared GPU check (docs/gpu-check.md): on an NVIDIA machine without network, in one go
# within 8 minutes, `vpo doctor`; `vpo profile` at batches 1-64 on cuda (and webgpu through Dawn)
# for the benchmark and PP-OCR models; the batching-efficiency benchmark on the GPU; figures in
# bench/results/gpu-DATE.md and, when the runner sets one, $OUT.
# What it needs besides this checkout comes as .gpu-check/parts/ (scripts/gpu-check/pack.sh):
# assembled, checked against MANIFEST's sha256 and unpacked once into .gpu-check/root; the
# checkout then uses the bundle's Node and node_modules. Without an NVIDIA driver, or with
# --dry-run, it runs what this machine can and says what is missing.
#
#   scripts/gpu-check.sh [--dry-run] [--budget-s 420] [--out DIR]
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$repo"
parts=.gpu-check/parts
root=.gpu-check/root
log() { echo "gpu-check.sh: $*" >&2; }
bundle_args=()

if [[ -s "$parts/MANIFEST" ]]; then
	want="$(awk '$1 == "parts" {print $2}' "$parts/MANIFEST")"
	sha="$(awk '$1 == "sha256" {print $2}' "$parts/MANIFEST")"
	have="$(find "$parts" -name 'bundle.tar.xz.part*' | wc -l)"
	if [[ "$have" -lt "$want" ]]; then
		log "only ${have} of ${want} parts in ${parts}: bring the others (one transfer each), then run again"
		exit 1
	fi
	if [[ ! -s "$root/.sha256" || "$(cat "$root/.sha256")" != "$sha" ]]; then
		log "assembling ${want} parts"
		cat "$parts"/bundle.tar.xz.part* >.gpu-check/bundle.tar.xz
		got="$(sha256sum .gpu-check/bundle.tar.xz | cut -d' ' -f1)"
		if [[ "$got" != "$sha" ]]; then
			log "the assembled bundle's sha256 is ${got}, MANIFEST says ${sha}: a part is damaged; bring the parts again"
			rm -f .gpu-check/bundle.tar.xz
			exit 1
		fi
		rm -rf "$root" && mkdir -p "$root"
		tar -xJf .gpu-check/bundle.tar.xz -C "$root"
		rm -f .gpu-check/bundle.tar.xz
		echo "$sha" >"$root/.sha256"
	fi
	# The sources import node_modules/: the bundle's, when the checkout has none of its own.
	[[ -e node_modules ]] || ln -s .gpu-check/root/node_modules node_modules
	node="$root/node/node"
	bundle_args=(--bundle "$root")
elif [[ -x node_modules/node/bin/node ]]; then
	node=node_modules/node/bin/node # a development checkout: a dry run
	log "no bundle in ${parts}: a dry run with this checkout's Node"
else
	log "no bundle in ${parts} and no node_modules: run scripts/gpu-check/pack.sh on a machine with the package registries and bring .gpu-check/parts/ here"
	exit 1
fi
exec "$node" scripts/gpu-check/check.ts "${bundle_args[@]}" "$@"
