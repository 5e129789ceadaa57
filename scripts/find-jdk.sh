# Sourced by ./sparselora4j and ./test.sh: exports JAVA_HOME as a JDK 25 or later.
# JAVA_HOME wins when it already points at 25+; otherwise /usr/lib/jvm is searched, then the java on PATH.
java_major() { "$1/bin/java" -version 2>&1 | awk -F'"' '/version/ {split($2, v, "."); print v[1]; exit}'; }
find_jdk() {
  if [[ -n "${JAVA_HOME:-}" && -x "$JAVA_HOME/bin/javac" ]] && (( $(java_major "$JAVA_HOME") >= 25 )); then
    echo "$JAVA_HOME"; return 0
  fi
  local d
  for d in /usr/lib/jvm/*; do
    if [[ -x "$d/bin/javac" ]] && (( $(java_major "$d") >= 25 )); then echo "$d"; return 0; fi
  done
  if command -v javac >/dev/null; then
    d="$(dirname "$(dirname "$(readlink -f "$(command -v javac)")")")"
    if (( $(java_major "$d") >= 25 )); then echo "$d"; return 0; fi
  fi
  return 1
}
JAVA_HOME="$(find_jdk)" || { echo "sparselora4j: no JDK 25 or later found; set JAVA_HOME to one" >&2; exit 1; }
export JAVA_HOME
