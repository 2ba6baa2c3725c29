#!/usr/bin/env bash
# Makes @tensorflow/tfjs-node work without its install-time download.
#
# tfjs-node's install script fetches libtensorflow from a host that firewalled
# machines (like ClickTune's CI) cannot reach. The official `tensorflow-cpu`
# wheels on PyPI carry the same TensorFlow C API: from 2.12 on in
# `libtensorflow_cc.so.2` (beside `libtensorflow_framework.so.2`, headers under
# `include/`), with no Python dependency. This script downloads such a wheel
# with pip (nothing is installed into Python), extracts the C library and
# headers into a cache, and builds tfjs-node's native addon against them with
# node-gyp and the local Node headers. It is the offline recipe for users
# behind a firewall too:   bash tooling/scripts/build-tfjs-node.sh
#
# Environment: TENSORFLOW_VERSION (default 2.15.1), CLICKTUNE_TENSORFLOW_CACHE.
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
version="${TENSORFLOW_VERSION:-2.15.1}"
cache="${CLICKTUNE_TENSORFLOW_CACHE:-$root/node_modules/.cache/clicktune-libtensorflow/$version}"
say() { printf 'build-tfjs-node: %s\n' "$*" >&2; }

tfjs_node="$(cd "$root/packages/backend-node" && node -e "console.log(require('path').dirname(require.resolve('@tensorflow/tfjs-node/package.json')))")"
napi="$(node -p 'process.versions.napi')"
napi=$(( napi > 8 ? 8 : napi ))
binding="$tfjs_node/lib/napi-v$napi/tfjs_binding.node"

if [ -f "$binding" ] && (cd "$root/packages/backend-node" && TF_CPP_MIN_LOG_LEVEL=2 node -e "require('@tensorflow/tfjs-node')" >/dev/null 2>&1); then
  say "tfjs-node already loads ($binding)"
  exit 0
fi

if [ ! -f "$cache/lib/libtensorflow_cc.so.2" ]; then
  work="$(mktemp -d)"
  trap 'rm -rf "$work"' EXIT
  say "downloading tensorflow-cpu $version (wheel, for its C library) …"
  python3 -m pip download --quiet --no-deps --only-binary=:all: --python-version 3.11 \
    --platform manylinux_2_17_x86_64 "tensorflow-cpu==$version" -d "$work"
  wheel="$(ls "$work"/tensorflow_cpu-*.whl)"
  say "extracting libtensorflow_cc.so.2, libtensorflow_framework.so.2 and the C headers …"
  python3 - "$wheel" "$work/x" <<'PY'
import sys, zipfile
wheel, out = sys.argv[1], sys.argv[2]
with zipfile.ZipFile(wheel) as archive:
    for name in archive.namelist():
        if name in ('tensorflow/libtensorflow_cc.so.2', 'tensorflow/libtensorflow_framework.so.2') or name.startswith(('tensorflow/include/tensorflow/c/', 'tensorflow/include/tensorflow/core/platform/', 'tensorflow/include/tsl/')):
            archive.extract(name, out)
PY
  mkdir -p "$cache/lib" "$cache/include"
  mv "$work/x/tensorflow/libtensorflow_cc.so.2" "$work/x/tensorflow/libtensorflow_framework.so.2" "$cache/lib/"
  cp -a "$work/x/tensorflow/include/tensorflow" "$work/x/tensorflow/include/tsl" "$cache/include/"
fi

say "linking $cache into tfjs-node's deps/ …"
mkdir -p "$tfjs_node/deps/lib"
ln -sfn "$cache/include" "$tfjs_node/deps/include"
ln -sf "$cache/lib/libtensorflow_cc.so.2" "$tfjs_node/deps/lib/libtensorflow_cc.so.2"
ln -sf "$cache/lib/libtensorflow_framework.so.2" "$tfjs_node/deps/lib/libtensorflow_framework.so.2"
ln -sf "$cache/lib/libtensorflow_cc.so.2" "$tfjs_node/deps/lib/libtensorflow.so"
ln -sf "$cache/lib/libtensorflow_framework.so.2" "$tfjs_node/deps/lib/libtensorflow_framework.so"

node_dir="$(dirname "$(dirname "$(readlink -f "$(command -v node)")")")"
[ -f "$node_dir/include/node/node_api.h" ] || node_dir=/usr
[ -f "$node_dir/include/node/node_api.h" ] || { say "no Node headers (include/node/node_api.h) next to node or in /usr"; exit 1; }
gyp="$(dirname "$(readlink -f "$(command -v npm)")")/../node_modules/node-gyp/bin/node-gyp.js"
say "building the addon (node-gyp, N-API $napi, headers from $node_dir/include/node) …"
log="$(mktemp)"
if ! (cd "$tfjs_node" && node "$gyp" rebuild --nodedir="$node_dir" --napi_build_version="$napi" --module_name=tfjs_binding --module_path="lib/napi-v$napi" >"$log" 2>&1); then
  cat "$log" >&2
  say "node-gyp failed (log above)"
  exit 1
fi
mkdir -p "$(dirname "$binding")"
cp "$tfjs_node/build/Release/tfjs_binding.node" "$binding"

(cd "$root/packages/backend-node" && TF_CPP_MIN_LOG_LEVEL=2 node -e "
const tf = require('@tensorflow/tfjs-node');
const product = tf.matMul(tf.tensor2d([[1, 2], [3, 4]]), tf.tensor2d([[1, 0], [0, 1]])).dataSync();
if (product.join() !== '1,2,3,4') throw new Error('wrong product ' + product.join());
") && say "tfjs-node works (TensorFlow $version C library, addon $binding)"
