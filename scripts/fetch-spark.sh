#!/usr/bin/env bash
# Copies Apache Spark's jars (the distributed module's provided dependencies: spark-core_2.13 and what it needs) into
# distributed/target/spark-jars, where ./sparselora4j finds them for finetune --workers N. On a cluster, spark-submit
# provides Spark instead. Needs Maven and the registry it reaches.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
source "$root/scripts/find-jdk.sh"
out="$root/distributed/target/spark-jars"
tmp="$root/distributed/target/spark-jars.tmp"
rm -rf "$tmp"
(cd "$root" && mvn -q -B -pl distributed -am -DskipTests compile dependency:copy-dependencies -DincludeScope=provided -DexcludeGroupIds=org.sparselora4j -DoutputDirectory="$tmp" >&2)
rm -rf "$out"
mv "$tmp" "$out"
echo "Spark jars in $out ($(ls "$out" | wc -l) files)" >&2
