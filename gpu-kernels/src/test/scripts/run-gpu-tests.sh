#!/bin/bash
# Staged as .gpu/cuda/run-gpu-tests.sh with lib/ (jcuda, driver-only jcuda-natives, slf4j, junit-platform-console-standalone 1.13.4), classes/ and test-classes/ beside it.
# Runs the gpu-tagged tests of org.e3spark.kernels; fails if any was skipped or aborted.
set -o pipefail
cd "$(dirname "$0")/../.."
OUTDIR=${OUT:-/tmp}
mkdir -p /tmp/e3spark-gpu-test
nvidia-smi --query-gpu=name,driver_version --format=csv,noheader || true
E3SPARK_REQUIRE_GPU=1 .gpu/jre/bin/java --enable-native-access=ALL-UNNAMED -Xss4m \
  -Djava.io.tmpdir=/tmp/e3spark-gpu-test -Dorg.slf4j.simpleLogger.defaultLogLevel=info \
  -cp '.gpu/cuda/lib/*:.gpu/cuda/classes:.gpu/cuda/test-classes' \
  org.junit.platform.console.ConsoleLauncher execute --disable-banner --details=tree \
  --select-package org.e3spark.kernels --include-tag gpu --fail-if-no-tests 2>&1 | tee "$OUTDIR/gpu-tests.log"
rc=$?
ls /tmp/e3spark-gpu-test/e3spark-failed-kernels 2>/dev/null
if ! grep -qE '\[ +0 tests skipped' "$OUTDIR/gpu-tests.log" || ! grep -qE '\[ +0 containers skipped' "$OUTDIR/gpu-tests.log" \
   || ! grep -qE '\[ +0 tests aborted' "$OUTDIR/gpu-tests.log"; then
  echo "FAIL: a GPU test was skipped or aborted on the GPU machine"; exit 3
fi
exit $rc
