#!/bin/bash
# Runs on the GPU machine from the repository root, staged by bin/stage-gpu-run:
#   bash .gpu/run/gpu-run.sh tests   prewarm the kernel cache in parallel, then every gpu-tagged test
#                                    (fails if any is skipped or aborted)
#   bash .gpu/run/gpu-run.sh bench   the CUDA benchmark table (batch 50,000, both dtypes, all directions)
#   bash .gpu/run/gpu-run.sh conv    the fused-convolution benchmark (conv-mace-large); extra arguments
#                                    after "conv" go to conv-bench (e.g. --bytes-per-warp 4096,8192)
#   bash .gpu/run/gpu-run.sh featurize  the featurizer (library path, no Spark) on CUDA and the CPU, small and
#                                    medium models (FEATURIZE_RUNS="backend:threads:config:structures[:path[:atoms]] ...",
#                                    path: empty = radius graphs searched on the GPU, graph-host = host graphs
#                                    uploaded, dense-host = host graphs and host dense stages; atoms per batch)
#   bash .gpu/run/gpu-run.sh model-tests  only the featurizer's GPU tests (no prewarm)
#   bash .gpu/run/gpu-run.sh sc      the symmetric contraction: prewarm its kernels, its GPU tests (fails if any
#                                    is skipped or aborted), then sc-bench on CUDA (both shapes, f32 and f64, all
#                                    directions, 30 events) and on the CPU (16 threads, 3 runs); the halves alone:
#                                    sc-tests (prewarm + tests), sc-bench (prewarm + both benchmarks)
#   bash .gpu/run/gpu-run.sh two-gpu   only the two-device test (on a machine with two GPUs)
#   bash .gpu/run/gpu-run.sh bundle  ahead-of-time kernel bundles: build an sm_90 bundle, run the tensor-product
#                                    and featurizer GPU tests from it alone (no NVRTC), time a fresh JVM's first
#                                    batch with and without it (gpu-bundle.sh; words after "bundle" pick its steps:
#                                    jit build only timing, e.g. "bundle jit build" then "bundle only timing")
#   bash .gpu/run/gpu-run.sh cpu     issue 17's CPU side by side: e3nn 0.6.0 (torch) and e3spark's CPU engine on the
#                                    same problems, f32, batch 2,000, pinned to the same 2/4/8/16 cores, ratio table
#                                    (cpu-vs-e3nn.sh; CPU_THREADS, CPU_BATCH, CPU_PROBLEMS, PYTHON override)
#   bash .gpu/run/gpu-run.sh all     tests and bench
# Several may be named: "tests conv" runs the tests, then the convolution benchmark.
set -o pipefail
words=()
conv_args=()
bundle_args=()
seen_conv=0
seen_bundle=0
for a in "${@:-all}"; do
  if [ $seen_conv = 1 ]; then conv_args+=("$a"); elif [ $seen_bundle = 1 ]; then bundle_args+=("$a"); else words+=("$a"); fi
  [ "$a" = conv ] && seen_conv=1
  [ "$a" = bundle ] && seen_bundle=1
done
has() { for w in "${words[@]}"; do [ "$w" = "$1" ] && return 0; done; return 1; }
OUTDIR=${OUT:-/tmp}
S=.gpu/run
CP="$S/lib/*:$S/classes:$S/test-classes:$S/cli-classes:$S/arrow-bridge-classes:$S/model-classes:$S/model-test-classes"
JAVA=(.gpu/jre/bin/java --enable-native-access=ALL-UNNAMED -Xss4m -Djava.io.tmpdir=/tmp/e3spark-gpu
      -De3spark.golden.dir=$S/golden -Dorg.slf4j.simpleLogger.defaultLogLevel=info)
mkdir -p /tmp/e3spark-gpu
. "$(dirname "${BASH_SOURCE[0]}")/gpu-util.sh"
export E3SPARK_REQUIRE_GPU=1
nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader || true
rc=0
if has tests || has all || has bench || has conv; then
  "${JAVA[@]}" -cp "$CP" org.e3spark.kernels.cuda.KernelPrewarm 16 2>&1 | tee "$OUTDIR/prewarm.log" | grep prewarm || rc=1
fi
if has tests || has all; then
  "${JAVA[@]}" -cp "$CP" org.junit.platform.console.ConsoleLauncher execute --disable-banner --details=summary \
    --details-theme=ascii --select-package org.e3spark.kernels --select-package org.e3spark.model --include-tag gpu \
    --fail-if-no-tests \
    2>&1 | tee "$OUTDIR/gpu-tests.log" | grep -vE "^\[main\] INFO|^$" | tail -60
  trc=${PIPESTATUS[0]}
  [ "$trc" = 0 ] || rc=$trc
  if ! grep -qE '\[ +0 tests skipped' "$OUTDIR/gpu-tests.log" || ! grep -qE '\[ +0 tests aborted' "$OUTDIR/gpu-tests.log"; then
    echo "FAIL: a GPU test was skipped or aborted on the GPU machine"; rc=3
  fi
fi
if has bench || has all; then
  "${JAVA[@]}" -Xmx40g -cp "$CP" org.e3spark.cli.Main bench --backends cuda --batch 50000 --dtypes f32,f64 \
    --directions forward,backward,double-backward --repeat 30 2>&1 | tee "$OUTDIR/bench.log" | grep -v "INFO" || rc=1
fi
if has conv; then
  "${JAVA[@]}" -Xmx16g -cp "$CP" org.e3spark.cli.Main conv-bench "${conv_args[@]}" 2>&1 | tee "$OUTDIR/conv-bench.log" \
    | grep -v "INFO" || rc=1
fi
if has two-gpu; then
  nvidia-smi -L
  "${JAVA[@]}" -cp "$CP" org.junit.platform.console.ConsoleLauncher execute --disable-banner --details=summary \
    --details-theme=ascii --select-class org.e3spark.kernels.cuda.TwoDeviceGpuTest --fail-if-no-tests \
    2>&1 | tee "$OUTDIR/two-gpu.log" | grep -vE "^\[main\] INFO|^$" | tail -30
  trc=${PIPESTATUS[0]}
  [ "$trc" = 0 ] || rc=$trc
  grep -qE '\[ +0 tests skipped' "$OUTDIR/two-gpu.log" || { echo "FAIL: the two-device test was skipped"; rc=3; }
fi
if has featurize; then
  # Each run: backend:threads:config:structures[:path[:atoms per batch]].
  for spec in ${FEATURIZE_RUNS:-cuda:16:featurizer-small:20000 cuda:16:featurizer-small:20000:graph-host \
      cpu:16:featurizer-small:2000 cuda:16:featurizer-medium:20000 cpu:16:featurizer-medium:100}; do
    IFS=: read -r backend threads config n path atoms <<< "$spec"
    extra=()
    [ "$path" = graph-host ] && extra=(-De3spark.featurizer.deviceGraph=false)
    [ "$path" = dense-host ] && extra=(-De3spark.featurizer.device=false)
    echo "== FeaturizerBench $spec"
    # a committed, pre-touched heap: a throughput run should not time the OS faulting in fresh heap pages
    # (measured: the same 405 result conversions take 0.05 s on a touched heap, 0.2-1.6 s on a growing one)
    [ "$backend" = cuda ] && gpu_util_start /tmp/e3spark-gpu/util.txt
    "${JAVA[@]}" -Xms8g -Xmx8g -XX:+AlwaysPreTouch "${extra[@]}" -cp "$CP" org.e3spark.cli.FeaturizerBench "$n" \
      "$backend" float32 "$threads" \
      "$config" "${atoms:-4096}" 2>&1 | tee /tmp/e3spark-gpu/run.log | grep -v "INFO" || rc=1
    cat /tmp/e3spark-gpu/run.log >> "$OUTDIR/featurize.log"
    if [ "$backend" = cuda ]; then
      gpu_util_stop
      gpu_util_report /tmp/e3spark-gpu/util.txt /tmp/e3spark-gpu/run.log | tee -a "$OUTDIR/featurize.log"
    fi
  done
fi
if has sc || has sc-tests || has sc-bench; then
  "${JAVA[@]}" -cp "$CP" org.e3spark.kernels.cuda.KernelPrewarm 16 sc 2>&1 | tee "$OUTDIR/sc-prewarm.log" | grep prewarm || rc=1
fi
if has sc || has sc-tests; then
  "${JAVA[@]}" -Xmx40g -cp "$CP" org.junit.platform.console.ConsoleLauncher execute --disable-banner --details=summary \
    --details-theme=ascii --select-class org.e3spark.kernels.cuda.CudaSymmetricContractionGpuTest --fail-if-no-tests \
    2>&1 | tee "$OUTDIR/sc-gpu-tests.log" | grep -vE "^\[main\] INFO|^$" | tail -60
  trc=${PIPESTATUS[0]}
  [ "$trc" = 0 ] || rc=$trc
  if ! grep -qE '\[ +0 tests skipped' "$OUTDIR/sc-gpu-tests.log" || ! grep -qE '\[ +0 tests aborted' "$OUTDIR/sc-gpu-tests.log"; then
    echo "FAIL: a symmetric-contraction GPU test was skipped or aborted on the GPU machine"; rc=3
  fi
fi
if has sc || has sc-bench; then
  "${JAVA[@]}" -Xmx40g -cp "$CP" org.e3spark.cli.Main sc-bench --backends cuda --dtypes f32,f64 \
    --directions forward,backward,double-backward --repeat 30 2>&1 | tee "$OUTDIR/sc-bench.log" | grep -v "INFO" || rc=1
  "${JAVA[@]}" -Xmx40g -cp "$CP" org.e3spark.cli.Main sc-bench --backends cpu --dtypes f32,f64 \
    --directions forward,backward,double-backward --repeat 3 --threads 16 2>&1 | tee -a "$OUTDIR/sc-bench.log" \
    | grep -v "INFO" || rc=1
fi
if has cpu; then
  E3SPARK_MAIN="${JAVA[*]} -Xms8g -Xmx16g -XX:+AlwaysPreTouch -cp $CP org.e3spark.cli.Main" \
    OUT="$OUTDIR" bash "$(dirname "${BASH_SOURCE[0]}")/cpu-vs-e3nn.sh" || rc=1
fi
if has model-tests; then
  "${JAVA[@]}" -cp "$CP" org.junit.platform.console.ConsoleLauncher execute --disable-banner --details=summary \
    --details-theme=ascii --select-package org.e3spark.model --include-tag gpu --fail-if-no-tests \
    2>&1 | tee "$OUTDIR/model-gpu-tests.log" | grep -vE "^\[main\] INFO|^$" | tail -60
  trc=${PIPESTATUS[0]}
  [ "$trc" = 0 ] || rc=$trc
  grep -qE '\[ +0 tests skipped' "$OUTDIR/model-gpu-tests.log" || { echo "FAIL: a featurizer GPU test was skipped"; rc=3; }
fi
if has bundle; then
  bash "$(dirname "${BASH_SOURCE[0]}")/gpu-bundle.sh" "${bundle_args[@]}" || rc=1
fi
exit $rc
