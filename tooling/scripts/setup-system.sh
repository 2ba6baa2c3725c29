#!/usr/bin/env bash
# System packages the test suite uses, installed the same way on CI and on a
# fresh machine. Fail-soft: a backend whose packages are missing is reported
# unavailable with its reason and its tests are skipped, never passed.
set -uo pipefail
# WebGPU in Node (Dawn) without a GPU: Mesa's EGL and OpenGL ES (llvmpipe).
# The shared suite in a browser: Debian's headless-capable Chromium (driven by playwright-core).
packages=(libegl1 libegl-mesa0 libgles2 libgl1-mesa-dri chromium)
missing=()
for package in "${packages[@]}"; do
  # `dpkg -s` succeeds for a removed package whose config files remain; ask for "installed".
  [ "$(dpkg-query -W -f='${Status}' "$package" 2>/dev/null)" = "install ok installed" ] || missing+=("$package")
done
if [ "${#missing[@]}" -gt 0 ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "setup-system: installing ${missing[*]}" >&2
    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}") >/dev/null 2>&1 \
      || echo "setup-system: warning: could not install ${missing[*]}; the webgpu backend and the Chromium suite will say why they are unavailable" >&2
  else
    echo "setup-system: warning: missing ${missing[*]} (needs root and apt-get); the webgpu backend and the Chromium suite will say why they are unavailable" >&2
  fi
fi
exit 0
