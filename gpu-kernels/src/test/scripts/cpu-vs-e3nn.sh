#!/bin/bash
# Issue 17's side-by-side CPU bench: e3nn 0.6.0's o3.TensorProduct (torch, torch.set_num_threads(T)) and
# e3spark's `bench --backends cpu` on the same problems, float32, batch and cores, then the ratio table.
# Each thread count T pins both to the same T cores (taskset -c 0..T-1, when taskset exists); e3spark's
# parallel loops get T threads (the calling thread plus a common pool of T-1).
#   E3SPARK_MAIN  command prefix that runs org.e3spark.cli.Main (default: bin/e3spark; gpu-run.sh sets
#                 the staged runtime's java -cp ... org.e3spark.cli.Main)
#   CPU_THREADS   thread counts (default "2 4 8 16")   CPU_BATCH (default 2000)   CPU_REPEAT (default 7)
#   CPU_PROBLEMS  (default mace-large,mace-medium,nequip-lips,DiffDock-L=2,tetris-poly-2)
#   PYTHON        (default python3)   OUT  folder for the logs (default /tmp)
set -o pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
out=${OUT:-/tmp}
threads=${CPU_THREADS:-2 4 8 16}
batch=${CPU_BATCH:-2000}
repeat=${CPU_REPEAT:-7}
problems=${CPU_PROBLEMS:-mace-large,mace-medium,nequip-lips,DiffDock-L=2,tetris-poly-2}
py=${PYTHON:-python3}
read -r -a main <<< "${E3SPARK_MAIN:-bin/e3spark}"
cores=$(nproc)
echo "# cpu-vs-e3nn: $cores cores; $(lscpu 2>/dev/null | grep -m1 'Model name' | sed 's/  */ /g')"
rc=0
: > "$out/cpu-e3nn.log"
logs=()
for t in $threads; do
  if [ "$t" -gt "$cores" ]; then echo "# skip $t threads: only $cores cores"; continue; fi
  pin=()
  command -v taskset >/dev/null && pin=(taskset -c "0-$((t - 1))")
  echo "== $t threads: e3nn"
  OMP_NUM_THREADS=$t MKL_NUM_THREADS=$t "${pin[@]}" "$py" "$here/cpu_vs_e3nn.py" bench --threads "$t" --batch "$batch" \
    --repeat "$repeat" --problems "$problems" 2>&1 | tee -a "$out/cpu-e3nn.log" || rc=1
  echo "== $t threads: e3spark"
  par=$((t - 1)); [ "$par" -lt 1 ] && par=1
  log="$out/cpu-e3spark-t$t.log"
  echo "# threads $t" > "$log"
  pool=-Djava.util.concurrent.ForkJoinPool.common.parallelism=$par
  if [ -n "${E3SPARK_MAIN:-}" ]; then
    run=("${pin[@]}" "${main[0]}" "$pool" "${main[@]:1}")
  else
    run=(env "E3SPARK_JAVA_OPTS=-Xms4g -Xmx12g -XX:+AlwaysPreTouch $pool" "${pin[@]}" "${main[@]}")
  fi
  "${run[@]}" bench --backends cpu --dtypes f32 --directions forward,backward --batch "$batch" --repeat "$repeat" \
    --problems "$problems" 2>&1 | grep -v INFO | tee -a "$log" || rc=1
  logs+=("$log")
done
echo "== ratios (e3spark / e3nn rows/s; >1: e3spark faster)"
"$py" "$here/cpu_vs_e3nn.py" table "$out/cpu-e3nn.log" "${logs[@]}" | tee "$out/cpu-vs-e3nn.md" || rc=1
exit $rc
