#!/usr/bin/env bash
# GPU discovery script for Spark's resource scheduling (spark.executor.resource.gpu.discoveryScript).
# Prints the GPUs this executor may use as Spark's ResourceInformation JSON, e.g.
#   {"name": "gpu", "addresses": ["0", "1"]}
# Honors CUDA_VISIBLE_DEVICES when it lists plain ordinals (a container or scheduler that pinned GPUs);
# otherwise asks nvidia-smi. Prints an empty address list (and says why on stderr) when there is no GPU.
set -euo pipefail

addresses=()
if [ -n "${CUDA_VISIBLE_DEVICES:-}" ] && [[ "$CUDA_VISIBLE_DEVICES" =~ ^[0-9]+(,[0-9]+)*$ ]]; then
  IFS=',' read -r -a visible <<< "$CUDA_VISIBLE_DEVICES"
  # Inside the process the visible devices are renumbered 0..n-1.
  for i in "${!visible[@]}"; do addresses+=("$i"); done
elif command -v nvidia-smi >/dev/null 2>&1; then
  while IFS= read -r idx; do
    idx="${idx//[[:space:]]/}"
    [ -n "$idx" ] && addresses+=("$idx")
  done < <(nvidia-smi --query-gpu=index --format=csv,noheader 2>/dev/null || true)
else
  echo "getGpusResources.sh: no nvidia-smi and no CUDA_VISIBLE_DEVICES: reporting no GPUs" >&2
fi

json=""
for a in "${addresses[@]+"${addresses[@]}"}"; do
  json="${json:+$json, }\"$a\""
done
echo "{\"name\": \"gpu\", \"addresses\": [${json}]}"
