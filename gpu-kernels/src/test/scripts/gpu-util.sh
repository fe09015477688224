# Sourced by gpu-run.sh and gpu-spark.sh. The GPU's busy share as the driver itself meters it
# (nvidia-smi utilization.gpu: the percentage of each sample period in which at least one kernel ran),
# sampled every 0.1 s while a bench runs, then averaged over each "timed window (epoch s): START END"
# line the bench printed. An outside check on the benches' own CUDA-event clocks. The driver's sample
# period is 1/6 s to 1 s, so windows of a few seconds give rough figures; the first 0.2 s are skipped
# (the meter still shows the time before the window).

# gpu_util_start FILE: starts the sampler ("epoch-seconds percent" lines); no-op without nvidia-smi
gpu_util_start() {
  gpu_util_pid=
  command -v nvidia-smi >/dev/null || return 0
  (
    while u=$(nvidia-smi --query-gpu=utilization.gpu --format=csv,noheader,nounits -i "${E3SPARK_UTIL_GPU:-0}" 2>/dev/null); do
      echo "$(date +%s.%N) $u"
      sleep 0.1
    done
  ) > "$1" &
  gpu_util_pid=$!
}

gpu_util_stop() {
  [ -n "${gpu_util_pid:-}" ] || return 0
  kill "$gpu_util_pid" 2>/dev/null
  wait "$gpu_util_pid" 2>/dev/null
  gpu_util_pid=
}

# gpu_util_report SAMPLES LOG: one line per timed window of LOG, in order
gpu_util_report() {
  [ -s "$1" ] || { echo "  nvidia-smi utilization: no samples"; return 0; }
  local a b
  while read -r a b; do
    awk -v a="$a" -v b="$b" '
      $1 > a + 0.2 && $1 <= b { s += $2; n++ }
      END {
        if (n) printf "  nvidia-smi utilization.gpu over the timed window (%.1f s): mean %.0f%% of %d samples\n", b - a, s / n, n
        else printf "  nvidia-smi utilization.gpu: no samples inside the timed window (%.1f s)\n", b - a
      }' "$1"
  done < <(sed -n 's/.*timed window (epoch s): \([0-9.]*\) \([0-9.]*\).*/\1 \2/p' "$2")
}
