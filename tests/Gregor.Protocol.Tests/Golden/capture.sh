#!/usr/bin/env bash
# Re-captures the golden request frames of kcat, Confluent.Kafka and kafkajs.
#
#   tests/Gregor.Protocol.Tests/Golden/capture.sh                  # against the capture tool's mock broker
#   CAPTURE_PORT=19092 tests/Gregor.Protocol.Tests/Golden/capture.sh --target 127.0.0.1:9092
#        # through the recording proxy to a real broker; start that broker with
#        # --advertised-listener 127.0.0.1:19092 so clients come back through the proxy
#
# Needs: kcat (Debian), node + `npm ci` in tests/Gregor.Compatibility.Tests/js, the .NET SDK.
# Each client's frames go to Golden/<client>/<client>-<Api>-v<version>-<n>.bin, with
# CAPTURED.txt saying when, how and with which client version.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../../.." && pwd)
target=""
if [ "${1:-}" = "--target" ]; then target=$2; fi
port=${CAPTURE_PORT:-0}

dotnet build "$repo/tools/Gregor.Capture" -c Release -v q -nologo >/dev/null
tool="$repo/tools/Gregor.Capture/bin/Release/net10.0/gregor-capture.dll"
if [ ! -d "$repo/tests/Gregor.Compatibility.Tests/js/node_modules" ]; then
  (cd "$repo/tests/Gregor.Compatibility.Tests/js" && npm ci --no-audit --no-fund --loglevel=error)
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

start_capture() { # client
  rm -rf "${here:?}/$1"
  if [ -n "$target" ]; then
    dotnet "$tool" proxy --target "$target" --out "$here/$1" --client "$1" --port "$port" >"$work/out" 2>"$work/err" &
  else
    dotnet "$tool" mock --out "$here/$1" --client "$1" --port "$port" >"$work/out" 2>"$work/err" &
  fi
  capture_pid=$!
  for _ in $(seq 300); do
    if grep -q "listening on" "$work/out"; then break; fi
    sleep 0.1
  done
  bootstrap=$(sed -n 's/^capture: listening on //p' "$work/out")
  [ -n "$bootstrap" ] || { cat "$work/err"; echo "capture: tool did not start" >&2; exit 1; }
  echo "capture: $1 via $bootstrap"
}

stop_capture() { # client, client version, commands
  kill "$capture_pid"; wait "$capture_pid" 2>/dev/null || true
  {
    echo "client: $1 $2"
    echo "date: $(date -u +%Y-%m-%dT%H:%M:%SZ)"
    echo "broker: ${target:-gregor-capture mock (in-memory, advertises Kafka 4 version ranges)}"
    echo "commands:"
    printf '%s\n' "$3"
  } >"$here/$1/CAPTURED.txt"
}

# kcat (Debian, librdkafka 2.0.2)
start_capture kcat
kcat_cmds=""
run() { kcat_cmds+="  $*"$'\n'; "$@"; }
run timeout 20 kcat -b "$bootstrap" -X client.id=golden-kcat -L -t golden-kcat-none >/dev/null
for codec in none gzip snappy lz4 zstd; do
  printf 'k1:v1 hello %s\nk2:v2 hello %s\n' "$codec" "$codec" >"$work/in"
  kcat_cmds+="  # input lines: 'k1:v1 hello $codec', 'k2:v2 hello $codec'"$'\n'
  run timeout 20 kcat -b "$bootstrap" -X client.id=golden-kcat -P -t "golden-kcat-$codec" -z "$codec" -K: -H trace=abc -H app=golden -l "$work/in"
done
run timeout 20 kcat -b "$bootstrap" -X client.id=golden-kcat -C -t golden-kcat-gzip -o beginning -e -q >/dev/null
run timeout 30 kcat -b "$bootstrap" -X client.id=golden-kcat -X auto.commit.interval.ms=100 -G golden-kcat-group golden-kcat-none -o beginning -e -q >/dev/null
# a second member run resumes from the committed offsets (OffsetFetch)
run timeout 30 kcat -b "$bootstrap" -X client.id=golden-kcat -G golden-kcat-group golden-kcat-none -e -q >/dev/null
stop_capture kcat "$(kcat -V 2>&1 | sed -n 's/^Version \([0-9.]*\) .*\(librdkafka [0-9.]*\).*/\1 (\2, Debian)/p')" "$kcat_cmds"

# Confluent.Kafka 2.16.0 (NuGet, its own librdkafka 2.16.0)
start_capture confluent
dotnet "$tool" confluent --bootstrap "$bootstrap"
stop_capture confluent "Confluent.Kafka 2.16.0 (librdkafka 2.16.0 from librdkafka.redist)" \
  "  dotnet tools/Gregor.Capture/bin/Release/net10.0/gregor-capture.dll confluent --bootstrap $bootstrap  (tools/Gregor.Capture/Drivers/ConfluentDriver.cs)"

# kafkajs (npm)
start_capture kafkajs
KAFKAJS_NO_PARTITIONER_WARNING=1 node "$repo/tools/Gregor.Capture/js/capture-kafkajs.js" "$bootstrap"
stop_capture kafkajs "$(node -p "require('$repo/tests/Gregor.Compatibility.Tests/js/node_modules/kafkajs/package.json').version") (node $(node --version))" \
  "  node tools/Gregor.Capture/js/capture-kafkajs.js $bootstrap"

echo "capture: done; frames in $here/{kcat,confluent,kafkajs}"
