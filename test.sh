#!/usr/bin/env bash
# The test command: builds every module and runs its tests on JDK 25 (found as ./sparselora4j finds it).
# Extra arguments go to Maven; `./test.sh -Pall` also runs the tests tagged "slow".
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
source "$root/scripts/find-jdk.sh"
cd "$root"
export MAVEN_OPTS="${MAVEN_OPTS:-} --sun-misc-unsafe-memory-access=allow"
exec mvn -B -ntp -Dstyle.color=never verify "$@"
