#!/usr/bin/env bash
# The Spark featurization job on the GPU machine (no JDK, Maven or network there), from the parts that
# bin/stage-gpu-spark writes to .gpu/spark/part-1..N. Run from the repository root:
#   bash spark-job/src/test/scripts/gpu-spark.sh MODE [MODE ...]
# Modes, run in the order given:
#   stage K    check part K's files (SHA-256, carried as .gpu/spark/part-K) and copy them into
#              $E3SPARK_SPARK_DIR (/tmp/e3spark-spark); unpacks the Java runtime when the part has it.
#              Idempotent; a part of another build first removes the staged files that build does not
#              share (so after a rebuild only the parts bin/stage-gpu-spark lists as changed need carrying).
#   verify     every file of the manifest there and intact; names the parts still to stage
#   local-gpu  FeaturizeJob on the bundled sample (Parquet output) on GPU 0, then featurize-bench in local[*]
#              on E3SPARK_STRUCTURES (10000) synthetic structures of 20-200 atoms: GPU 0, then the CPU, on
#              the same cached DataFrame
#   cluster2   featurize-bench on local-cluster[2,C,M]: two executor JVMs (started by in-process workers
#              from a SPARK_HOME at E3SPARK_SPARK_DIR/home, with the jlinked runtime), one GPU each through
#              Spark's resource scheduling; checks in the executor logs that each executor used its own GPU
#   cluster1   the same with one executor and one GPU
#   note       notebooks/2-gpu-at-scale.zpln's %spark paragraphs in local mode on GPU 0 (ZeppelinNotes)
# Every run mode prints structures/s and the share of task time inside the kernels (the job's
# accumulators); local-gpu also the driver's utilization meter (nvidia-smi) over each timed run. Logs: $OUT if set, else E3SPARK_SPARK_DIR/logs.
# Settings (environment): E3SPARK_STRUCTURES, E3SPARK_REPEAT (1: runs per backend), E3SPARK_BACKEND (cuda;
# cpu or auto to try it all on a machine without a GPU), E3SPARK_BACKENDS (local-gpu's bench: "cuda,cpu" by
# default; "cuda" alone for large GPU-only runs), E3SPARK_MODEL (local-gpu's bench: featurizer-small or -medium),
# E3SPARK_BENCH_CONF (one more spark.KEY=VALUE for local-gpu's bench, e.g. spark.e3spark.gpu.concurrentTasks=8),
# E3SPARK_LOCAL_MASTER (local-gpu's bench master, local[*]), E3SPARK_PARTITIONS (its partitions: 2 x the cores), E3SPARK_GPU_ADDRESSES (e.g. "0,1": the addresses
# the cluster modes hand out instead of asking nvidia-smi; for such tests), E3SPARK_EXECUTOR_CORES,
# E3SPARK_EXECUTOR_MEMORY_MB, E3SPARK_DRIVER_MEMORY, E3SPARK_MODE_TIMEOUT (seconds per run mode, 480), E3SPARK_JFR
# (set: a Flight Recorder profile of each driver JVM, next to its log).
set -uo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../../../.." && pwd)
cd "$root" || exit 1
base=${E3SPARK_SPARK_DIR:-/tmp/e3spark-spark}
parts=${E3SPARK_PARTS_DIR:-$root/.gpu/spark}
logs=${OUT:-$base/logs}
structures=${E3SPARK_STRUCTURES:-10000}
repeat=${E3SPARK_REPEAT:-1}
backend=${E3SPARK_BACKEND:-cuda}
mode_timeout=${E3SPARK_MODE_TIMEOUT:-480}
mkdir -p "$logs" "$base"
. "$root/gpu-kernels/src/test/scripts/gpu-util.sh"
summary=()
rc=0

say() { echo "gpu-spark: $*"; }
fail() { echo "gpu-spark: FAIL: $*" >&2; summary+=("FAIL: $*"); rc=1; }

# ---- staging ---------------------------------------------------------------------------------------
manifest_lines() { grep -v '^#' "$1"; }

stage() {
  local k=$1 part="$parts/part-$1" list n=0 bytes=0
  if [ ! -f "$part/manifest.tsv" ]; then
    fail "stage $k: $part/manifest.tsv is not here; carry \".gpu/spark/part-$k\" with this call"
    return 1
  fi
  if [ -f "$base/manifest.tsv" ] && [ "$(sha256sum < "$base/manifest.tsv")" != "$(sha256sum < "$part/manifest.tsv")" ]; then
    # another build: keep the files it shares with this one (same path and SHA-256; Spark's jars, the
    # runtime), drop the rest, so that a rebuilt application needs only its own parts carried again
    local kept=0 dropped=0 p sha size path
    while IFS=$'\t' read -r p sha size path; do
      [ -f "$base/$path" ] || continue
      if grep -qP "^[0-9]+\t$sha\t$size\t\Q$path\E$" <(manifest_lines "$part/manifest.tsv"); then
        kept=$((kept + 1))
      else
        rm -f "$base/$path"; dropped=$((dropped + 1))
        [ "$path" = jre.tar.gz ] && rm -rf "$base/jre"
      fi
    done < <(manifest_lines "$base/manifest.tsv")
    cp "$part/manifest.tsv" "$base/manifest.tsv"
    say "stage $k: $base held another build: kept $kept files it shares with this one, removed $dropped"
  fi
  list=$(mktemp)
  while IFS=$'\t' read -r p sha size path; do
    [ "$p" = "$k" ] || continue
    [ -f "$part/$path" ] || { fail "stage $k: the part lacks $path"; rm -f "$list"; return 1; }
    printf '%s  %s\n' "$sha" "$part/$path" >> "$list"
    n=$((n + 1)); bytes=$((bytes + size))
  done < <(manifest_lines "$part/manifest.tsv")
  if ! sha256sum -c --quiet "$list" >&2; then
    fail "stage $k: files of the carried part do not match the manifest (above)"; rm -f "$list"; return 1
  fi
  rm -f "$list"
  cp -r "$part/." "$base/"
  if [ -f "$part/jre.tar.gz" ]; then
    rm -rf "$base/jre" && tar xzf "$base/jre.tar.gz" -C "$base" || { fail "stage $k: cannot unpack jre.tar.gz"; return 1; }
    "$base/jre/bin/java" -version 2>&1 | head -n1 | sed 's/^/  runtime: /'
  fi
  say "stage $k: $n files, $bytes bytes checked and copied to $base"
}

# Prints what is missing or damaged; returns 1 then.
verify() {
  local list missing=() bad total=0 n=0 nparts
  if [ ! -f "$base/manifest.tsv" ]; then
    fail "verify: nothing staged in $base (stage parts 1..N first, each call within 30 s of the last)"
    return 1
  fi
  nparts=$(manifest_lines "$base/manifest.tsv" | cut -f1 | sort -un | tail -n1)
  list=$(mktemp)
  while IFS=$'\t' read -r p sha size path; do
    n=$((n + 1)); total=$((total + size))
    if [ -f "$base/$path" ]; then
      printf '%s  %s\n' "$sha" "$base/$path" >> "$list"
    else
      missing+=("$p")
    fi
  done < <(manifest_lines "$base/manifest.tsv")
  bad=$(sha256sum -c --quiet "$list" 2>/dev/null | sed 's/: FAILED.*//')
  rm -f "$list"
  local ok=1
  if [ ${#missing[@]} -gt 0 ]; then
    local ps
    ps=$(printf '%s\n' "${missing[@]}" | sort -n | uniq -c | awk '{printf " part %s (%s files)", $2, $1}')
    fail "verify: missing from $base:$ps; run \"stage K\" for them"
    ok=0
  fi
  if [ -n "$bad" ]; then
    fail "verify: damaged (SHA-256 differs): $(echo "$bad" | tr '\n' ' ')"
    ok=0
  fi
  if [ ! -x "$base/jre/bin/java" ]; then
    fail "verify: the Java runtime is not unpacked in $base/jre (stage the part with jre.tar.gz)"
    ok=0
  fi
  [ $ok = 1 ] || return 1
  say "verify: all $n files ($total bytes) of $nparts parts present and intact in $base"
  verified=1
}

# ---- running ---------------------------------------------------------------------------------------
spark_flags=(-XX:+IgnoreUnrecognizedVMOptions --add-modules=jdk.incubator.vector
  --add-opens=java.base/java.lang=ALL-UNNAMED --add-opens=java.base/java.lang.invoke=ALL-UNNAMED
  --add-opens=java.base/java.lang.reflect=ALL-UNNAMED --add-opens=java.base/java.io=ALL-UNNAMED
  --add-opens=java.base/java.net=ALL-UNNAMED --add-opens=java.base/java.nio=ALL-UNNAMED
  --add-opens=java.base/java.util=ALL-UNNAMED --add-opens=java.base/java.util.concurrent=ALL-UNNAMED
  --add-opens=java.base/java.util.concurrent.atomic=ALL-UNNAMED --add-opens=java.base/jdk.internal.ref=ALL-UNNAMED
  --add-opens=java.base/sun.nio.ch=ALL-UNNAMED --add-opens=java.base/sun.nio.cs=ALL-UNNAMED
  --add-opens=java.base/sun.security.action=ALL-UNNAMED --add-opens=java.base/sun.util.calendar=ALL-UNNAMED
  --add-opens=java.security.jgss/sun.security.krb5=ALL-UNNAMED -Dio.netty.tryReflectionSetAccessible=true
  -Dio.netty.allocator.type=pooled -Dio.netty.handler.ssl.defaultEndpointVerificationAlgorithm=NONE
  --sun-misc-unsafe-memory-access=allow --enable-native-access=ALL-UNNAMED)
# JVM settings the driver and the executors share: logging, the JCuda driver library (pre-extracted, so
# that executor JVMs never extract it concurrently), a private temporary and kernel cache directory.
common_props="-Dlog4j2.configurationFile=$root/conf/log4j2.properties -Djava.library.path=$base/app/native \
-Djava.io.tmpdir=$base/tmp -De3spark.kernel.cache.dir=$base/kernel-cache"
mem_mb=$(awk '/MemTotal/ {print int($2 / 1024)}' /proc/meminfo)
cores=$(nproc)
driver_mem=${E3SPARK_DRIVER_MEMORY:-$((mem_mb / 4 > 24576 ? 24576 : mem_mb / 4))m}
prepared=0
verified=0

prepare() {
  [ $prepared = 1 ] && return 0
  [ $verified = 1 ] || verify || return 1
  export JAVA_HOME="$base/jre" SPARK_HOME="$base/home" SPARK_SCALA_VERSION=2.13
  # one host: bind everything to loopback (the machine's own name may not resolve)
  export SPARK_LOCAL_IP=${SPARK_LOCAL_IP:-127.0.0.1}
  mkdir -p "$base/tmp" "$base/run" && mkdir -p -m 700 "$base/kernel-cache"
  cp spark-job/src/test/scripts/claim-gpu.sh "$base/run/claim-gpu.sh" && chmod +x "$base/run/claim-gpu.sh"
  if command -v nvidia-smi >/dev/null; then
    nvidia-smi --query-gpu=index,name,driver_version,memory.total --format=csv,noheader | sed 's/^/  gpu /'
  else
    say "no nvidia-smi on this machine"
  fi
  say "runtime $("$JAVA_HOME/bin/java" -version 2>&1 | head -n1); $cores cores, $mem_mb MB; driver heap $driver_mem"
  prepared=1
}

# java_run LOG CLASSPATH MAIN ARGS...: the driver JVM, output to the terminal and $logs/LOG.log
java_run() {
  local log=$1 cp=$2; shift 2
  # shellcheck disable=SC2086
  local jfr=()
  [ -n "${E3SPARK_JFR:-}" ] && jfr=(-XX:StartFlightRecording=filename="$logs/$log.jfr",settings=default)
  timeout --kill-after=20 "$mode_timeout" "$JAVA_HOME/bin/java" -Xmx"$driver_mem" "${jfr[@]}" "${spark_flags[@]}" $common_props \
    -Dspark.ui.enabled=false -Dspark.ui.showConsoleProgress=false -cp "$cp" "$@" 2>&1 | tee "$logs/$log.log"
  local r=${PIPESTATUS[0]}
  [ "$r" = 124 ] && say "$log: stopped after $mode_timeout s (E3SPARK_MODE_TIMEOUT)"
  return "$r"
}

app_cp="$base/home/jars/*:$base/app/e3spark-spark-job-shaded.jar:$base/app/e3spark-cli.jar"

# Lines of featurize-bench output worth repeating at the end; warns when a GPU run put batches on the CPU.
bench_summary() {
  local mode=$1 line
  while IFS= read -r line; do
    summary+=("$mode: $line")
    if [[ "$line" == *"backend cuda"* ]]; then
      local batches gpu
      batches=$(sed -n 's/.*[,;] \([0-9]*\) batches;.*/\1/p' <<< "$line")
      gpu=$(sed -n 's/.*GPU batches \([0-9]*\).*/\1/p' <<< "$line")
      [ -n "$batches" ] && [ "$batches" = "$gpu" ] || fail "$mode: only ${gpu:-?} of ${batches:-?} batches ran on a GPU"
    fi
  done < <(grep -E '^(spark .*structures/s|best structures/s)' "$logs/$mode.log")
}

local_gpu() {
  prepare || return 1
  local backends=$backend
  [ "$backend" != cpu ] && backends="$backend,cpu"
  backends=${E3SPARK_BACKENDS:-$backends}
  say "local-gpu: FeaturizeJob on the bundled sample, Parquet output, backend $backend, spark.e3spark.gpu.device=0"
  rm -rf "$base/run/sample-features"
  if java_run local-gpu-job "$app_cp" -Dspark.master="local[*]" org.e3spark.cli.Main featurize --input @sample \
      --output "$base/run/sample-features" --backend "$backend" --conf spark.e3spark.gpu.device=0; then
    summary+=("local-gpu: job on @sample: $(grep -E '^\s+\|\s+[0-9]+ \|' "$logs/local-gpu-job.log" | head -n1 | tr -s ' ')")
    summary+=("local-gpu: job: $(grep -o 'kernels on [^,]*' "$logs/local-gpu-job.log" | head -n1)")
  else
    fail "local-gpu: FeaturizeJob on the sample failed (log local-gpu-job.log)"
  fi
  say "local-gpu: featurize-bench, $structures structures, local[*], backends $backends"
  gpu_util_start "$base/run/util.txt"
  java_run local-gpu "$app_cp" org.e3spark.cli.Main featurize-bench --structures "$structures" --skip-library \
      --master "${E3SPARK_LOCAL_MASTER:-local[*]}" --backends "$backends" --repeat "$repeat" --model "${E3SPARK_MODEL:-featurizer-small}" \
      --conf spark.e3spark.gpu.device=0 ${E3SPARK_BENCH_CONF:+--conf "$E3SPARK_BENCH_CONF"} \
      ${E3SPARK_PARTITIONS:+--partitions "$E3SPARK_PARTITIONS"}
  local r=$?
  gpu_util_stop
  if [ "$r" = 0 ]; then
    bench_summary local-gpu
    # the driver's own utilization meter over each run's window, in the order of the runs above
    local util
    util=$(gpu_util_report "$base/run/util.txt" "$logs/local-gpu.log")
    echo "$util" | tee -a "$logs/local-gpu.log"
    while IFS= read -r line; do summary+=("local-gpu: run window:$line"); done <<< "$util"
    while IFS= read -r line; do summary+=("local-gpu: $line"); done \
      < <(grep -o 'executor tasks run on .*' "$logs/local-gpu.log" | sort -u)
  else
    fail "local-gpu: featurize-bench failed (log local-gpu.log)"
  fi
}

# cluster N: local-cluster with N workers/executors, one GPU each
cluster() {
  prepare || return 1
  local n=$1 mode="cluster$1" c m amount
  # cores per executor: a power of two (so that 1/C is an exact task GPU share), half the machine at most,
  # the same for cluster1 and cluster2
  c=${E3SPARK_EXECUTOR_CORES:-1}
  if [ -z "${E3SPARK_EXECUTOR_CORES:-}" ]; then
    while [ $((c * 2)) -le $((cores / 2)) ]; do c=$((c * 2)); done
  fi
  m=${E3SPARK_EXECUTOR_MEMORY_MB:-$((mem_mb / 6 > 24576 ? 24576 : mem_mb / 6))}
  amount=$(awk -v c="$c" 'BEGIN { printf "%.10g", 1 / c }')
  local claims="$base/run/claims-$mode"
  rm -rf "$claims" "$SPARK_HOME/work"
  export E3SPARK_GPU_CLAIMS="$claims" E3SPARK_GPU_SOURCE="$root/conf/getGpusResources.sh"
  say "$mode: local-cluster[$n,$c,$m]: $n executor(s) of $c cores and $m MB, spark.executor.resource.gpu.amount=1," \
    "spark.task.resource.gpu.amount=$amount, workers' GPUs from claim-gpu.sh${E3SPARK_GPU_ADDRESSES:+ (addresses $E3SPARK_GPU_ADDRESSES)}"
  # the first job (caching the dataset) waits for every executor, so that the cached partitions, and with
  # them the featurize tasks, spread over all of them
  local r=0
  java_run "$mode" "$app_cp" org.e3spark.cli.Main featurize-bench --structures "$structures" --skip-library \
    --master "local-cluster[$n,$c,$m]" --backends "$backend" --repeat "$repeat" \
    --conf spark.executor.cores="$c" --conf spark.executor.memory="${m}m" \
    --conf spark.scheduler.minRegisteredResourcesRatio=1.0 --conf spark.scheduler.maxRegisteredResourcesWaitingTime=120s \
    --conf spark.worker.resource.gpu.amount=1 --conf spark.worker.resource.gpu.discoveryScript="$base/run/claim-gpu.sh" \
    --conf spark.executor.resource.gpu.amount=1 --conf spark.task.resource.gpu.amount="$amount" \
    --conf spark.executor.extraClassPath="$base/app/e3spark-spark-job-shaded.jar" \
    --conf spark.executor.extraJavaOptions="$common_props --enable-native-access=ALL-UNNAMED --sun-misc-unsafe-memory-access=allow" \
    || r=$?
  if [ "$r" = 0 ]; then bench_summary "$mode"; else fail "$mode: featurize-bench failed (log $mode.log)"; fi
  # the executors' logs: which java started them, and the device each one's tasks used
  local dir e java devices=() addrs=()
  for dir in "$SPARK_HOME"/work/app-*/*/; do
    [ -f "$dir/stderr" ] || continue
    e=$(basename "$dir")
    cp "$dir/stderr" "$logs/$mode-executor-$e.stderr"
    java=$(sed -n 's/^Spark Executor Command: "\([^"]*\)".*/\1/p' "$dir/stderr" | head -n1)
    local dev
    dev=$(grep -o 'executor tasks run on .*' "$dir/stderr" | sort -u | tr '\n' ';')
    say "$mode: executor $e: java $java; ${dev:-no device line (no task ran?)}"
    summary+=("$mode: executor $e: ${dev:-no device line}")
    [ "$java" = "$JAVA_HOME/bin/java" ] || fail "$mode: executor $e was not started with the jlinked runtime ($java)"
    devices+=("$e")
    local a
    a=$(grep -o 'task resource gpu address [0-9]*' "$dir/stderr" | awk '{print $NF}' | sort -u | tr '\n' ' ')
    addrs+=("${a% }")
  done
  if [ ${#devices[@]} != "$n" ]; then
    fail "$mode: expected $n executors, found logs of ${#devices[@]} under $SPARK_HOME/work"
  elif [ "$backend" = cpu ]; then
    summary+=("$mode: backend cpu: GPU addresses not checked")
  else
    # one address per executor, all different
    local joined
    joined=$(printf '%s\n' "${addrs[@]}")
    if ! grep -q ' ' <<< "$joined" && ! grep -qx '' <<< "$joined" && [ "$(sort -u <<< "$joined" | wc -l)" = "$n" ]; then
      summary+=("$mode: each executor on its own GPU (executor=address): $(paste -d= <(printf '%s\n' "${devices[@]}") <(echo "$joined") | tr '\n' ' ')")
    else
      fail "$mode: executors and GPU addresses are not one-to-one: executors ${devices[*]}, addresses [${addrs[*]}]"
    fi
  fi
}

note() {
  prepare || return 1
  say "note: notebooks/2-gpu-at-scale.zpln in local[*], spark.e3spark.gpu.device=0"
  java_run note "$app_cp:$base/note/*" org.e3spark.spark.ZeppelinNotes notebooks/2-gpu-at-scale.zpln \
    --master "local[*]" --gpu-device 0
  local r=$?
  while IFS= read -r line; do summary+=("note: $line"); done \
    < <(grep -E '^(cpu |cuda |speed-up|     kernel|==== )' "$logs/note.log"; grep -o 'executor tasks run on .*' "$logs/note.log" | sort -u)
  [ "$r" = 0 ] || fail "note: the note did not run through (log note.log)"
}

[ $# -gt 0 ] || { sed -n '2,26p' "${BASH_SOURCE[0]}"; exit 2; }
while [ $# -gt 0 ]; do
  case "$1" in
    stage)
      [[ "${2:-}" =~ ^[0-9]+$ ]] || { fail "stage needs a part number"; break; }
      stage "$2" || break
      shift 2; continue ;;
    verify) verify || break ;;
    local-gpu) local_gpu ;;
    cluster1) cluster 1 ;;
    cluster2) cluster 2 ;;
    note) note ;;
    *) fail "unknown mode '$1' (stage K, verify, local-gpu, cluster1, cluster2, note)"; break ;;
  esac
  shift
done
if [ ${#summary[@]} -gt 0 ]; then
  echo
  echo "==== gpu-spark summary"
  printf '  %s\n' "${summary[@]}" | tee "$logs/summary.txt"
fi
exit $rc
