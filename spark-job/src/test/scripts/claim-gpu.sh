#!/usr/bin/env bash
# Spark worker GPU discovery script for several workers on ONE host (local-cluster mode, as gpu-spark.sh
# runs it): the workers run in one JVM and call the same script, and conf/getGpusResources.sh would hand
# every worker every GPU, so that all executors would share GPU 0. This script hands each call one GPU
# that no earlier call of the run has claimed (mkdir is atomic, so concurrent calls cannot get the same one):
#   {"name": "gpu", "addresses": ["1"]}
# E3SPARK_GPU_CLAIMS (required): the run's claim directory, emptied by the caller before the workers start.
# E3SPARK_GPU_ADDRESSES: the addresses to hand out, e.g. "0,1" (a CPU-only test); otherwise those
# E3SPARK_GPU_SOURCE (conf/getGpusResources.sh) reports.
set -euo pipefail
claims=${E3SPARK_GPU_CLAIMS:?claim-gpu.sh: E3SPARK_GPU_CLAIMS (the claim directory of this run) is not set}
if [ -n "${E3SPARK_GPU_ADDRESSES:-}" ]; then
  IFS=',' read -r -a all <<< "$E3SPARK_GPU_ADDRESSES"
else
  source=${E3SPARK_GPU_SOURCE:?claim-gpu.sh: set E3SPARK_GPU_SOURCE to conf/getGpusResources.sh or E3SPARK_GPU_ADDRESSES}
  mapfile -t all < <(bash "$source" | grep -o '"[0-9][0-9]*"' | tr -d '"')
fi
mkdir -p "$claims"
for a in "${all[@]}"; do
  if mkdir "$claims/gpu-$a" 2>/dev/null; then
    echo "{\"name\": \"gpu\", \"addresses\": [\"$a\"]}"
    exit 0
  fi
done
echo "claim-gpu.sh: no unclaimed GPU left for this worker (GPUs: ${all[*]:-none}; claimed: $(ls "$claims" | tr '\n' ' '))" >&2
echo '{"name": "gpu", "addresses": []}'
