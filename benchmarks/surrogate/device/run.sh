#!/usr/bin/env bash
# Runs on a bare GPU machine, in the repo root, from the kit pack.sh made (carried as .devkit and
# .gl): unpacks Node, the webgpu package and @webtune/gp, points Dawn at the NVIDIA Vulkan driver
# when there is one, and runs the surrogate benchmark's Node side unattended. Everything it
# writes (result.json, result.md, chart.svg, log.txt) goes to $OUT. Extra arguments go to
# run.mjs. CPU_BUDGET (s, default 240) caps the CPU side; DEADLINE (s, default 480) stops
# starting new cells so the results come back inside the device's 10-minute command limit.
set -uo pipefail
OUT=${OUT:-benchmarks/out/device}
mkdir -p "$OUT"

main() {
  if ! ldconfig -p | grep -q 'libvulkan\.so\.1 '; then
    for f in .gl/*.deb; do dpkg -x "$f" /; done
    ldconfig
  fi
  mkdir -p /tmp/webtune-node/bin
  xz -dc .devkit/node.xz >/tmp/webtune-node/bin/node
  chmod +x /tmp/webtune-node/bin/node
  export PATH=/tmp/webtune-node/bin:$PATH
  tar -xJf .devkit/kit.tar.xz

  local icd=/usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json
  if [ -f "$icd" ] && [ -z "${VK_DRIVER_FILES:-}${VK_ICD_FILENAMES:-}" ]; then
    export VK_DRIVER_FILES=$icd
  fi
  echo "node $(command -v node) $(node -v); $(nvidia-smi -L 2>/dev/null || echo 'no nvidia-smi')"
  # run.mjs rewrites result.{json,md} and chart.svg after every cell: a run cut short still
  # leaves what it measured in $OUT.
  node benchmarks/surrogate/run.mjs --node-only --out "$OUT" \
    --cpu-budget "${CPU_BUDGET:-240}" --deadline "${DEADLINE:-480}" "$@"
}

# A pipeline, not exec > >(tee …): the script waits for tee, so the log's end is not lost.
main "$@" 2>&1 | tee "$OUT/log.txt"
exit "${PIPESTATUS[0]}"
