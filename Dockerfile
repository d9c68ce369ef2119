# syntax=docker/dockerfile:1
# One image for every vpo role: `vpo operator`, `vpo runtime --role ingest|backend`, and the CLI
# (`vpo plan`, `vpo run`, `vpo profile`, `vpo doctor`). Node >= 24 runs the TypeScript sources
# directly (type stripping), so there is no build step: the .ts files are the program.
#
#   docker build -t REGISTRY/vpo:0.1.0 .                                 (CPU: operator, ingest, cpu sessions)
#   docker build --build-arg VARIANT=cuda -t REGISTRY/vpo:0.1.0-cuda .   (+ the CUDA provider: cuda sessions)
#   scripts/build-image.sh [--variant cpu|cuda|both]   (no Docker engine: buildah, and a Debian base
#                                                      made with debootstrap, passed as BASE)
#
# VARIANT=cuda adds onnxruntime-gpu's CUDA provider (exactly onnxruntime-node's version) and the
# CUDA 13 user-space libraries, all from PyPI by scripts/cuda/setup-cuda.ts (the `npm run
# setup:cuda` of a checkout), under /opt/vpo/cuda/lib (about 1.8 GB; NVIDIA's licences in
# /opt/vpo/cuda/licenses). The driver (libcuda.so.1) is not in the image: the NVIDIA container
# toolkit mounts the node's driver into pods that request nvidia.com/gpu.
#
# Runs as uid 10001 with a read-only root filesystem in mind: the only writable paths are the
# volumes a pod mounts at /tmp and /var/lib/vpo/frames (the shared frame store).
ARG BASE=node:24-bookworm-slim
ARG VARIANT=cpu

FROM ${BASE} AS deps
WORKDIR /app
ENV ONNXRUNTIME_NODE_INSTALL=skip \
    npm_config_update_notifier=false \
    npm_config_fund=false \
    npm_config_audit=false
COPY package.json package-lock.json ./
# --ignore-scripts: the root postinstall generates sample models and videos (development only),
# and onnxruntime-node's install script fetches CUDA provider files from outside the npm registry
# (its CPU and WebGPU providers are in the package). The binaries for other platforms go.
# Behind a TLS-intercepting proxy, pass its CA bundle as a build secret (never baked in):
#   docker build --secret id=ca,src=/path/to/ca-bundle.crt .
RUN --mount=type=secret,id=ca,required=false \
    if [ -s /run/secrets/ca ]; then export NODE_EXTRA_CA_CERTS=/run/secrets/ca; fi \
 && npm ci --omit=dev --ignore-scripts \
 && npm cache clean --force \
 && platform="$(node -p 'process.platform + "/" + process.arch')" \
 && for dir in node_modules/onnxruntime-node/bin/napi-v*/*/*; do \
      case "$dir" in */"$platform") ;; *) rm -rf "$dir" ;; esac; \
    done

# The CUDA provider and libraries (VARIANT=cuda), from PyPI only: pip download of pinned,
# hash-checked wheels by the script a checkout runs as `npm run setup:cuda` (pip is needed in this
# stage alone). One stage for both variants: a stage chosen by a build argument is not resolved by
# every builder (buildah 1.28 is one). VPO_CACHE_DIR: where the wheels are kept; build-image.sh
# mounts the host's cache there, so a rebuild downloads nothing.
FROM deps AS provider
ARG VARIANT
ARG VPO_CACHE_DIR=/var/cache/vpo
COPY scripts/cuda/ /app/scripts/cuda/
COPY runtime/inference/provider-install.ts /app/runtime/inference/provider-install.ts
RUN --mount=type=secret,id=ca,required=false \
    mkdir -p /opt/vpo \
 && case "$VARIANT" in \
      cpu) ;; \
      cuda) \
        if [ -s /run/secrets/ca ]; then export PIP_CERT=/run/secrets/ca; fi \
        && if ! python3 -m pip --version >/dev/null 2>&1; then \
             apt-get update \
             && apt-get install -y --no-install-recommends python3-pip \
             && rm -rf /var/lib/apt/lists/*; \
           fi \
        && mkdir -p "$VPO_CACHE_DIR" \
        && VPO_CACHE_DIR="$VPO_CACHE_DIR" node scripts/cuda/setup-cuda.ts --prefix /opt/vpo/cuda ;; \
      *) echo "VARIANT must be cpu or cuda, got '$VARIANT'" >&2; exit 1 ;; \
    esac \
 && rm -rf /app/scripts /app/runtime

FROM ${BASE}
# ffmpeg decodes videos in the ingest role. The official node image lacks it; a base that already
# has it (scripts/image/make-base.sh) skips apt. Fails early on a base with Node < 24.
RUN node -e 'if (+process.versions.node.split(".")[0] < 24) { console.error(`vpo needs Node >= 24; the base has ${process.version}`); process.exit(1) }' \
 && if ! command -v ffmpeg >/dev/null; then \
      apt-get update \
      && apt-get install -y --no-install-recommends ffmpeg ca-certificates \
      && rm -rf /var/lib/apt/lists/*; \
    fi \
 && groupadd --system --gid 10001 vpo \
 && useradd --system --uid 10001 --gid 10001 --home-dir /nonexistent --no-create-home --shell /usr/sbin/nologin vpo \
 && mkdir -p /var/lib/vpo/frames \
 && chown 10001:10001 /var/lib/vpo/frames

WORKDIR /app
# Sources stay owned by root: the vpo user can read them, not change them. For VARIANT=cuda the
# binding's folder links the provider files in /opt/vpo/cuda/lib (vpo-cuda.json records them).
COPY --from=provider /app/node_modules /app/node_modules
COPY --from=provider /opt/vpo /opt/vpo
COPY . /app

# LD_LIBRARY_PATH: where the CUDA provider finds the CUDA libraries (set in both variants; the CPU
# image has no such folder, and nothing there looks for one).
ENV NODE_ENV=production \
    ONNXRUNTIME_NODE_INSTALL=skip \
    LD_LIBRARY_PATH=/opt/vpo/cuda/lib
USER 10001:10001
ENTRYPOINT ["node", "/app/bin/vpo.ts"]
CMD ["--help"]
