#!/usr/bin/env bash
# Builds the Kafka-protocol mock broker launcher from source against Debian's librdkafka-dev.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
out="$here/../../.cache/bin"
mkdir -p "$out"
if [ ! -f /usr/include/librdkafka/rdkafka_mock.h ]; then
  echo "librdkafka-dev is missing: apt-get install -y librdkafka-dev" >&2
  exit 1
fi
if [ "$out/kafka-mock" -nt "$here/kafka-mock.c" ] 2>/dev/null; then exit 0; fi
gcc -O2 -Wall -Wextra -Werror -std=c11 -o "$out/kafka-mock.tmp" "$here/kafka-mock.c" -lrdkafka
mv "$out/kafka-mock.tmp" "$out/kafka-mock"
echo "built $out/kafka-mock"
