#!/usr/bin/env bash
# Checks the guide's PyTorch export (docs/guide.md, section 6) end to end, from the repository root:
#   1. saves the guide's ```python block as export_e3nn_weights.py and runs it on a config (the line the guide shows);
#   2. docs/scripts/e3nn_reference.py evaluates its e3nn modules with the exported weights on fixed inputs;
#   3. org.e3spark.cli.WeightsExportCheck loads the file, featurizes the bundled sample (on the GPU if there
#      is one) and recomputes every o3.Linear, radial MLP and convolution tensor product with e3spark's layers.
# Needs python3 with torch and e3nn, and a Java runtime with e3spark's classes: JAVA and CP if set, else the
# GPU machine's staged run (.gpu/jre, .gpu/run from bin/stage-gpu-run), else a build (JAVA_HOME, cli/target
# as bin/e3spark builds it).
#   bash docs/scripts/check-weights-export.sh [CONFIG.json]      (default conf/featurizer-small.json)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
config=${1:-conf/featurizer-small.json}
out=${OUT:-}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

if [ -z "${JAVA:-}" ]; then
  if [ -x .gpu/jre/bin/java ] && [ -d .gpu/run/model-classes ]; then
    JAVA=.gpu/jre/bin/java
    CP=".gpu/run/lib/*:.gpu/run/classes:.gpu/run/arrow-bridge-classes:.gpu/run/model-classes:.gpu/run/cli-classes"
  elif [ -n "${JAVA_HOME:-}" ] && [ -f cli/target/e3spark-cli-0.1.0-SNAPSHOT.jar ]; then
    JAVA="$JAVA_HOME/bin/java"
    CP="cli/target/lib/*:cli/target/e3spark-cli-0.1.0-SNAPSHOT.jar"
  else
    echo "check-weights-export: no Java runtime with e3spark's classes: set JAVA and CP, stage .gpu/ (bin/stage-gpu-run)," \
      "or build with a JDK (bin/e3spark test -DskipTests) and set JAVA_HOME" >&2
    exit 2
  fi
fi
python3 -c 'import torch, e3nn' || { echo "check-weights-export: python3 cannot import torch and e3nn" >&2; exit 2; }

blocks=$(grep -c '^```python$' docs/guide.md || true)
[ "$blocks" = 1 ] || { echo "check-weights-export: docs/guide.md has $blocks python blocks, expected 1" >&2; exit 2; }
awk '/^```python$/ {on = 1; next} /^```$/ {on = 0} on' docs/guide.md > "$tmp/export_e3nn_weights.py"

echo "== the guide's export script on $config"
python3 "$tmp/export_e3nn_weights.py" "$config" "$tmp/e3nn-weights.safetensors"
echo "== e3nn evaluates the exported modules"
python3 docs/scripts/e3nn_reference.py "$tmp" "$config" "$tmp/e3nn-weights.safetensors" "$tmp/e3nn-reference.json"
echo "== e3spark loads the weights and recomputes"
rc=0
"$JAVA" --enable-native-access=ALL-UNNAMED -Xss4m -cp "$CP" org.e3spark.cli.WeightsExportCheck \
  "$config" "$tmp/e3nn-weights.safetensors" "$tmp/e3nn-reference.json" || rc=$?
if [ -n "$out" ]; then
  cp "$tmp/e3nn-weights.safetensors" "$tmp/e3nn-reference.json" "$out/"
fi
exit $rc
