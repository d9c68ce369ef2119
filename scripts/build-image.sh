#!/usr/bin/env bash
# Builds the vpo image from ./Dockerfile with buildah, without a Docker engine or a registry to pull
# from: the base (Debian bookworm minbase + ffmpeg + Node from the npm registry) is made locally by
# scripts/image/make-base.sh and passed as the Dockerfile's BASE. Then smoke-tests the image's
# entrypoint (`vpo --version`, `vpo plan -f samples/video-classifier`) as uid 10001 on a read-only
# root filesystem: with podman when this machine can run containers, else by chroot into the
# mounted image. With a Docker engine, `docker build .` builds the same image from node:24-bookworm-slim.
#
#   scripts/build-image.sh [--tag IMAGE] [--base IMAGE] [--no-smoke]
#                          [--archive FILE.tar]   also write a docker-archive (docker/podman load, kind load)
#                          [--push DEST]          buildah push, e.g. docker://registry.example.com/vpo:0.1.0
#
# Storage (vfs driver, chroot isolation: no overlayfs, user namespaces or cgroups needed) and the
# base are cached under ${VPO_CACHE_DIR:-~/.cache/vpo}/image.
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
version="$(sed -n 's/^ *"version": *"\([^"]*\)".*/\1/p' "$repo/package.json" | head -n 1)"
tag="localhost/vpo:${version}"
base=""
smoke=true
archive=""
push=""
while [[ $# -gt 0 ]]; do
	case "$1" in
	--tag) tag="$2"; shift 2 ;;
	--base) base="$2"; shift 2 ;;
	--no-smoke) smoke=false; shift ;;
	--archive) archive="$2"; shift 2 ;;
	--push) push="$2"; shift 2 ;;
	-h | --help) sed -n '2,15p' "$0"; exit 0 ;;
	*) echo "build-image.sh: unknown argument $1" >&2; exit 2 ;;
	esac
done

command -v buildah >/dev/null || {
	echo "build-image.sh: buildah not found (apt-get install buildah), or use: docker build -t ${tag} ${repo}" >&2
	exit 1
}
cache="${VPO_CACHE_DIR:-$HOME/.cache/vpo}/image"
mkdir -p "$cache"
# One storage for buildah and podman, so podman sees what buildah built.
storage=(--root "$cache/storage" --runroot "$cache/run" --storage-driver vfs)
bh() { buildah "${storage[@]}" "$@"; }
log() { echo "build-image.sh: $*" >&2; }
total_start=$SECONDS

# 1. The base image: made with debootstrap once, imported into the storage once.
if [[ -z "$base" ]]; then
	tarball="$("$repo/scripts/image/make-base.sh" | tail -n 1)"
	base="localhost/vpo-base:$(basename "$tarball" .tar)"
	if ! bh inspect --type image "$base" >/dev/null 2>&1; then
		log "importing ${tarball} as ${base}"
		ctr="$(bh from --pull=never scratch)"
		mnt="$(bh mount "$ctr")"
		tar --numeric-owner --xattrs -xf "$tarball" -C "$mnt"
		bh umount "$ctr" >/dev/null
		bh config --env PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
			--cmd '["node"]' --os linux --arch amd64 "$ctr"
		bh commit --rm "$ctr" "$base" >/dev/null
	fi
fi

# 2. The image, from the same Dockerfile users build with docker/podman.
log "building ${tag} from ${base}"
start=$SECONDS
# A CA bundle for npm behind a TLS-intercepting proxy (this machine has one): a build secret, so it
# never lands in a layer. VPO_BUILD_CA, else the NODE_EXTRA_CA_CERTS the host's Node uses.
ca="${VPO_BUILD_CA:-${NODE_EXTRA_CA_CERTS:-}}"
secret=()
if [[ -n "$ca" && -s "$ca" ]]; then secret=(--secret "id=ca,src=${ca}"); fi
bh bud --isolation chroot --layers --pull=never --build-arg "BASE=${base}" "${secret[@]}" \
	--tag "$tag" --file "$repo/Dockerfile" "$repo" >&2
log "built ${tag} in $((SECONDS - start))s"
bh rmi --prune >/dev/null 2>&1 || true # earlier builds' untagged images (vfs keeps full copies)
bh images --format '{{.Name}}:{{.Tag}} {{.Size}}' "$tag" >&2

# 3. Smoke test: the entrypoint as the image runs it.
if $smoke; then "$repo/scripts/image/smoke.sh" "$tag" "${storage[@]}"; fi

if [[ -n "$archive" ]]; then
	rm -f "$archive"
	bh push "$tag" "docker-archive:${archive}:${tag}" >&2
	log "wrote $(du -h "$archive" | cut -f1) ${archive}"
fi
if [[ -n "$push" ]]; then bh push "$tag" "$push" >&2; fi
log "done in $((SECONDS - total_start))s"
echo "$tag"
