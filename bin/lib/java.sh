# Sourced by bin/e3spark and .ci/run: finds a JDK >= 25 and Maven, or says exactly what to install.
# Order: $E3SPARK_JAVA_HOME, $JAVA_HOME, the java on PATH, then the usual install folders.

e3spark_java_major() {
  # prints the feature version of the JDK at $1 (e.g. 25), or nothing
  local v
  v=$("$1/bin/java" -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java\.specification\.version = //p' | head -n1)
  case "$v" in 1.*) v=${v#1.} ;; esac
  echo "${v%%.*}"
}

e3spark_find_jdk() {
  local candidates=() c major
  [ -n "${E3SPARK_JAVA_HOME:-}" ] && candidates+=("$E3SPARK_JAVA_HOME")
  [ -n "${JAVA_HOME:-}" ] && candidates+=("$JAVA_HOME")
  if command -v javac >/dev/null 2>&1; then
    candidates+=("$(dirname "$(dirname "$(readlink -f "$(command -v javac)")")")")
  fi
  for c in /usr/lib/jvm/* /opt/java/* /opt/jdk* /usr/local/jdk* "$HOME"/.sdkman/candidates/java/* "$HOME"/.jdks/*; do
    [ -d "$c" ] && candidates+=("$c")
  done
  for c in "${candidates[@]}"; do
    [ -x "$c/bin/java" ] && [ -x "$c/bin/javac" ] || continue
    major=$(e3spark_java_major "$c")
    if [ -n "$major" ] && [ "$major" -ge 25 ] 2>/dev/null; then
      echo "$c"
      return 0
    fi
  done
  return 1
}

e3spark_setup_build_env() {
  if ! E3SPARK_JDK=$(e3spark_find_jdk); then
    cat >&2 <<'MSG'
e3spark needs a JDK 25 or newer and found none (looked at $E3SPARK_JAVA_HOME, $JAVA_HOME, the javac on
PATH, /usr/lib/jvm/*, /opt/java/*, ~/.sdkman/candidates/java/*).
Install one, e.g. Eclipse Temurin 25 (https://adoptium.net) or your distribution's openjdk-25-jdk,
then run again, or point E3SPARK_JAVA_HOME at it.
MSG
    return 1
  fi
  export JAVA_HOME="$E3SPARK_JDK"
  export PATH="$JAVA_HOME/bin:$PATH"
  if ! command -v mvn >/dev/null 2>&1; then
    echo "e3spark needs Apache Maven 3.8.7 or newer on the PATH (Debian/Ubuntu: apt-get install maven)." >&2
    return 1
  fi
  # Maven's own Guava calls sun.misc.Unsafe; Java 25 warns unless this is allowed.
  export MAVEN_OPTS="${MAVEN_OPTS:-} --sun-misc-unsafe-memory-access=allow"
}
