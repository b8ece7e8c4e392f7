#!/usr/bin/env bash
# Packs what a bare GPU machine needs to run the surrogate benchmark's Node side (Dawn on the
# machine's Vulkan driver): this machine's node binary, the webgpu package (linux-x64 Dawn only),
# the workspace link to @webtune/gp and its built dist, and the Vulkan loader as Debian packages.
# Run it here, in the repo root; it writes .devkit/ and .gl/ (both git-ignored, about 32 MiB,
# under the device tool's 64 MiB). Then one device call runs device/run.sh: see README.md.
set -euo pipefail
cd "$(dirname "$0")/../../.."

npm run build --silent -w @webtune/gp
rm -rf .devkit
mkdir -p .devkit
xz -T0 -6 -c "$(readlink -f "$(command -v node)")" >.devkit/node.xz
tar -cJf .devkit/kit.tar.xz \
  --exclude='node_modules/webgpu/dist/darwin-*' \
  --exclude='node_modules/webgpu/dist/win32-*' \
  --exclude='node_modules/webgpu/dist/linux-arm64' \
  --exclude='node_modules/webgpu/build' \
  node_modules/webgpu node_modules/@webtune/gp packages/gp/dist

# The Vulkan loader, as the device tool's README describes (amd64 packages from Debian's apt).
if ! ls .gl/libvulkan1_*.deb >/dev/null 2>&1; then
  mkdir -p .gl /tmp/amd64/partial
  o='-oAPT::Architecture=amd64 -oAPT::Architectures=amd64 -oDir::State::Lists=/tmp/amd64'
  # shellcheck disable=SC2086
  apt-get $o update -qq
  # shellcheck disable=SC2086
  (cd .gl && apt-get $o download -qq libvulkan1)
fi
du -ch .devkit/* .gl/* | tail -n 1
