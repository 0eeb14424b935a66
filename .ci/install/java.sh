#!/usr/bin/env bash
# Java family: tests/family_java.rs builds and tests the generated Maven projects with
# Maven and JDK 25 (which compiles every Java runtime at its --release, 8 to 25).
# The CI machine has Temurin 25 at /usr/lib/jvm/temurin-25-jdk-amd64 and Debian's Maven;
# this installs Maven if it is missing and checks the JDK. Gradle is not installed: no
# reachable registry carries a Gradle 9 distribution (services.gradle.org is unreachable, so
# the generated projects' wrapper cannot fetch one either; Debian's gradle is 4.4), so the
# tests check the Gradle variant without running it. The end-to-end test also needs
# aws-lambda-rie (rie.sh).
set -euo pipefail

if ! command -v mvn >/dev/null; then
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends maven
fi
jdk=${JAVA25_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}
if [ ! -x "$jdk/bin/javac" ]; then
  echo "java.sh: no JDK 25 at $jdk (set JAVA25_HOME)" >&2
  exit 1
fi
# Capture first: piping into head can close the pipe while Maven still writes (SIGPIPE).
version=$(JAVA_HOME=$jdk mvn --batch-mode --version)
printf '%s\n' "$version" | head -n 3
