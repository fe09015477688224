#!/bin/bash
# Ahead-of-time kernel bundles on the GPU machine (issue 21), from the repository root after bin/stage-gpu-run,
# called as "bash .gpu/run/gpu-run.sh bundle [STEP ...]" (which runs this file; no step: all four, in order):
#   jit     JIT pass: prewarm + the tensor-product, convolution and featurizer GPU tests with NVRTC, recording
#           every kernel they ask for (-De3spark.kernels.record) into a fresh kernel cache
#   build   a real sm_90 bundle: the recorded kernels, featurizer-small's (f32, f64) and the two problems of the
#           first-batch timing (bin/e3spark kernels bundle; the JIT pass's cache is reused: a bundle entry's key
#           is that cache's key), then listed; and a multi-architecture bundle (sm_80,sm_90,sm_100) of
#           featurizer-small built twice (cross-compiling time, byte-identical rebuild)
#   only    bundle pass: the same GPU tests with NVRTC made unavailable (-De3spark.nvrtc.library=/nonexistent and
#           -De3spark.nvrtc.disabled=true: libnvrtc.so.13 on the loader path would otherwise still be found), an
#           empty kernel cache and only the bundle; fails unless they pass, NVRTC was never loaded, no kernel was
#           missing from or refused by the bundle and nothing was compiled into the cache
#   timing  time to first batch of a fresh JVM: cold (no bundle, empty cache, NVRTC), warm disk cache, and
#           bundle only (no NVRTC, empty cache), for featurizer-small f32 and the tensor products of issue 21
#           (mace-large f32, nequip-revmd17-benzene f64)
# Steps share /tmp/e3spark-bundle, so they may be run in separate calls on one machine (each under 10 minutes).
# Logs go to $OUT (the device tool brings them back): gpu-bundle-*.log, gpu-bundle-list.txt, first-batch.txt.
set -o pipefail
OUTDIR=${OUT:-/tmp}
S=.gpu/run
CP="$S/lib/*:$S/classes:$S/test-classes:$S/cli-classes:$S/arrow-bridge-classes:$S/model-classes:$S/model-test-classes"
JAVA=(.gpu/jre/bin/java --enable-native-access=ALL-UNNAMED -Xss4m -Djava.io.tmpdir=/tmp/e3spark-gpu
      -De3spark.golden.dir=$S/golden -Dorg.slf4j.simpleLogger.defaultLogLevel=info)
W=/tmp/e3spark-bundle
steps=("$@")
[ $# = 0 ] && steps=(jit build only timing)
step() { for x in "${steps[@]}"; do [ "$x" = "$1" ] && return 0; done; return 1; }
mkdir -p /tmp/e3spark-gpu
if step jit; then rm -rf "$W"; fi
mkdir -p "$W" && chmod 700 "$W"
export E3SPARK_REQUIRE_GPU=1
TESTS=(--select-class org.e3spark.kernels.cuda.CudaTensorProductGpuTest
       --select-class org.e3spark.kernels.cuda.CudaTensorProductConvGpuTest
       --select-package org.e3spark.model --include-tag gpu)
NO_NVRTC=(-De3spark.nvrtc.library=/nonexistent -De3spark.nvrtc.disabled=true)
rc=0
gpu_tests() { # log, extra java options...
  local log=$1; shift
  "${JAVA[@]}" "$@" -cp "$CP" org.junit.platform.console.ConsoleLauncher execute --disable-banner --details=summary \
    --details-theme=ascii "${TESTS[@]}" --fail-if-no-tests 2>&1 | tee "$log" | grep -vE "^\[main\] INFO|^$" | tail -25
  local trc=${PIPESTATUS[0]}
  if [ "$trc" != 0 ]; then echo "FAIL: GPU tests ($log) exited $trc"; rc=1; fi
  if ! grep -qE '\[ +0 tests skipped' "$log" || ! grep -qE '\[ +0 tests aborted' "$log"; then
    echo "FAIL: a GPU test was skipped or aborted ($log)"; rc=3
  fi
}
nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader || true

if step jit; then
echo "== jit: JIT pass, recording kernels"
t=$SECONDS
JIT=(-De3spark.kernel.cache.dir=$W/cache-jit -De3spark.kernels.record=$W/recorded)
"${JAVA[@]}" "${JIT[@]}" -cp "$CP" org.e3spark.kernels.cuda.KernelPrewarm 16 2>&1 | tee "$OUTDIR/gpu-bundle-prewarm.log" \
  | grep prewarm || rc=1
gpu_tests "$OUTDIR/gpu-bundle-jit.log" "${JIT[@]}"
echo "JIT pass: $((SECONDS - t)) s, $(ls $W/recorded | wc -l) kernels recorded"
fi

if step build; then
echo "== build: bundles"
[ -d $W/recorded ] || { echo "no recorded kernels (no jit step on this machine): bundling the named model and problems only"; mkdir -p $W/recorded; }
t=$SECONDS
"${JAVA[@]}" -De3spark.kernel.cache.dir=$W/cache-jit -cp "$CP" org.e3spark.cli.Main kernels bundle --recorded $W/recorded \
  --model conf/featurizer-small.json --problems mace-large,nequip-revmd17-benzene --arch sm_90 --dtypes f32,f64 \
  --threads 16 --output $W/kernels-sm90.jar 2>&1 | tee "$OUTDIR/gpu-bundle-build.log" | grep -v INFO || rc=1
echo "sm_90 bundle: $((SECONDS - t)) s (JIT pass's cache reused)"
for jar in kernels-multi.jar kernels-multi-again.jar; do
  rm -rf $W/cache-multi && mkdir -m 700 $W/cache-multi
  t=$SECONDS
  "${JAVA[@]}" -De3spark.kernel.cache.dir=$W/cache-multi -cp "$CP" org.e3spark.cli.Main kernels bundle \
    --model conf/featurizer-small.json --arch sm_80,sm_90,sm_100 --dtypes f32,f64 --threads 16 --output $W/$jar 2>&1 \
    | tee -a "$OUTDIR/gpu-bundle-build.log" | grep -v INFO || rc=1
  echo "$jar: $((SECONDS - t)) s from an empty cache"
done
if cmp -s $W/kernels-multi.jar $W/kernels-multi-again.jar; then echo "multi-arch bundle rebuilt byte-identical";
else echo "FAIL: rebuilt bundle differs"; rc=1; fi
"${JAVA[@]}" -cp "$CP" org.e3spark.cli.Main kernels list --bundle $W/kernels-sm90.jar > "$OUTDIR/gpu-bundle-list.txt" 2>&1 || rc=1
head -8 "$OUTDIR/gpu-bundle-list.txt"; ls -l $W/*.jar
fi

if step only; then
echo "== only: bundle pass: no NVRTC, empty kernel cache, kernels from $W/kernels-sm90.jar only"
[ -f $W/kernels-sm90.jar ] || { echo "FAIL: no bundle: run the build step first"; exit 1; }
rm -rf $W/cache-empty && mkdir -m 700 $W/cache-empty
gpu_tests "$OUTDIR/gpu-bundle-only.log" "${NO_NVRTC[@]}" -De3spark.kernel.cache.dir=$W/cache-empty \
  -De3spark.kernels.bundle=$W/kernels-sm90.jar
grep -E "KernelBundles - kernel bundle .*kernels for" "$OUTDIR/gpu-bundle-only.log" | head -2
if grep -qE "Nvrtc - NVRTC [0-9]" "$OUTDIR/gpu-bundle-only.log"; then echo "FAIL: NVRTC was loaded in the bundle pass"; rc=1; fi
BAD="KernelBundles - .*(is in no kernel bundle|have no kernels for|refused|did not load)"
if grep -qE "$BAD" "$OUTDIR/gpu-bundle-only.log"; then
  echo "FAIL: kernels missing from or refused by the bundle:"; grep -E "$BAD" "$OUTDIR/gpu-bundle-only.log" | head -5; rc=1
fi
n=$(find $W/cache-empty -name '*.cubin' | wc -l)
[ "$n" = 0 ] || { echo "FAIL: $n kernels were compiled into the cache in the bundle pass"; rc=1; }
fi

if step timing; then
echo "== timing: time to first batch of a fresh JVM"
[ -f $W/kernels-sm90.jar ] || { echo "FAIL: no bundle: run the build step first"; exit 1; }
: > "$OUTDIR/first-batch.txt"
for spec in "featurizer featurizer-small float32 2000" "tp mace-large float32 2000" "tp nequip-revmd17-benzene float64 2000"; do
  for mode in cold warm bundle; do
    case $mode in
      cold) rm -rf $W/cache-cold && mkdir -m 700 $W/cache-cold; opts=(-De3spark.kernel.cache.dir=$W/cache-cold) ;;
      warm) opts=(-De3spark.kernel.cache.dir=$W/cache-cold) ;; # the disk cache the cold run filled
      bundle) rm -rf $W/cache-b && mkdir -m 700 $W/cache-b
              opts=("${NO_NVRTC[@]}" -De3spark.kernel.cache.dir=$W/cache-b -De3spark.kernels.bundle=$W/kernels-sm90.jar) ;;
    esac
    line=$("${JAVA[@]}" -Xmx16g "${opts[@]}" -cp "$CP" org.e3spark.model.FirstBatchTiming $spec 2>"$W/fb.err" | grep first-batch)
    [ -n "$line" ] || { echo "FAIL: first-batch $spec $mode"; tail -5 "$W/fb.err"; rc=1; }
    echo "$mode: $line" | tee -a "$OUTDIR/first-batch.txt"
  done
done
fi
exit $rc
