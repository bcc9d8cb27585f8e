#!/usr/bin/env bash
# Load benchmark of `oda-ledger serve` on loopback with wrk (Debian package `wrk`).
#
# Builds oda-ledger in release mode, creates a ledger in a temporary directory, imports the UNDP
# IATI excerpt (real Lao projects, which raise red flags), adds users, starts the server (durable:
# synchronous=FULL, the default) and measures with 1, 16 and 64 connections:
#   health    GET /v1/health                     (no token, one SQLite read: the server's own floor)
#   project   GET /v1/projects/{id}              (the project state from the live projection)
#   flags     GET /v1/flags?severity=high&limit=20
#   append    POST /v1/events, one validated ProjectProposed per request, acknowledged when durable
# Each configuration runs RUNS times (default 3) for DURATION seconds (default 5); the median run
# (by requests/s) is reported. Beside wrk's figures, every run reports the server process's own CPU
# time per request (user + system, from /proc/PID/stat, in microseconds): on a shared machine
# requests/s swing with the neighbours' load, the server's CPU per request much less. Append runs
# also report how many requests the group commit put in one transaction on average.
# Prints one JSON object on standard output; progress on stderr.
#
#   Tools/bench_http.sh [--runs N] [--duration S] [--scratch PATH] [--scenarios "health project flags append"]
#                       [--connections "1 16 64"] [--binary PATH]
# --binary measures an oda-ledger built elsewhere (e.g. to compare two branches) instead of building.
set -euo pipefail

RUNS=3
DURATION=5
SCRATCH="${SCRATCH:-.build}"
SCENARIOS="health project flags append"
CONNECTIONS="1 16 64"
BIN=""
while [ $# -gt 0 ]; do
  case "$1" in
    --runs) RUNS="$2"; shift 2 ;;
    --duration) DURATION="$2"; shift 2 ;;
    --scratch) SCRATCH="$2"; shift 2 ;;
    --scenarios) SCENARIOS="$2"; shift 2 ;;
    --connections) CONNECTIONS="$2"; shift 2 ;;
    --binary) BIN="$2"; shift 2 ;;
    *) echo "usage: $0 [--runs N] [--duration S] [--scratch PATH] [--scenarios LIST] [--connections LIST] [--binary PATH]" >&2; exit 2 ;;
  esac
done

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
command -v wrk >/dev/null || { echo "wrk is not installed (apt-get install wrk)" >&2; exit 2; }
if [ -z "$BIN" ]; then
  echo "building oda-ledger (release)..." >&2
  swift build -c release --product oda-ledger --package-path "$ROOT" --scratch-path "$SCRATCH" >&2
  BIN="$(swift build -c release --package-path "$ROOT" --scratch-path "$SCRATCH" --show-bin-path)/oda-ledger"
fi

DATA="$(mktemp -d /tmp/bench-http.XXXXXX)"
SERVER_PID=""
cleanup() {
  if [ -n "$SERVER_PID" ]; then kill -TERM "$SERVER_PID" 2>/dev/null || true; wait "$SERVER_PID" 2>/dev/null || true; fi
  rm -rf "$DATA"
}
trap cleanup EXIT

"$BIN" init --data "$DATA" >/dev/null 2>&1
"$BIN" import iati "$ROOT/Tests/Fixtures/lao/undp_lao_iati_2.02_excerpt.xml" --data "$DATA" >/dev/null
ADMIN="$("$BIN" user add --name bench-admin --role admin --data "$DATA" 2>/dev/null)"
INSPECTOR="$("$BIN" user add --name bench-inspector --role inspector --data "$DATA" 2>/dev/null)"
PROJECT="$("$BIN" log --data "$DATA" --type ProjectProposed --format jsonl | head -1 | sed -E 's/.*"projectId":"([^"]+)".*/\1/')"
FLAGS="$("$BIN" flags --data "$DATA" --format json | grep -o '"id":' | wc -l)"
EVENTS="$("$BIN" log --data "$DATA" --format jsonl | wc -l)"

PORT=$(( 20000 + RANDOM % 20000 ))
"$BIN" serve --data "$DATA" --listen "127.0.0.1:$PORT" 2>/dev/null &
SERVER_PID=$!
for _ in $(seq 1 100); do
  curl -fsS "http://127.0.0.1:$PORT/v1/health" >/dev/null 2>&1 && break
  sleep 0.1
done
curl -fsS -H "Authorization: Bearer $INSPECTOR" "http://127.0.0.1:$PORT/v1/projects/$PROJECT" >/dev/null \
  || { echo "GET /v1/projects/$PROJECT failed" >&2; exit 1; }

export BENCH_DIR="$ROOT/Tools/bench_http"
cpu_ticks() { # user + system clock ticks of the server process so far
  awk '{ print $14 + $15 }' "/proc/$SERVER_PID/stat"
}
TICKS_PER_SECOND="$(getconf CLK_TCK)"
group_counts() { # "groups requests" committed by the append queue so far (its metrics; the admin token)
  curl -fsS -H "Authorization: Bearer $ADMIN" "http://127.0.0.1:$PORT/v1/metrics" \
    | python3 -c 'import json,sys; m=json.load(sys.stdin); print(m["appendGroups"], m["appendRequestsGrouped"])'
}
median() { # JSON lines on stdin -> the line with the median rps
  python3 -c 'import json,sys; rows=[json.loads(l) for l in sys.stdin if l.strip()]; rows.sort(key=lambda r: r["rps"]); m=rows[len(rows)//2]; m["runs_rps"]=[r["rps"] for r in rows]; print(json.dumps(m))'
}
run() { # scenario connections
  local scenario="$1" connections="$2" threads=$(( $2 < 2 ? 1 : 2 )) url script token
  case "$scenario" in
    health) url="/v1/health"; script="$BENCH_DIR/report.lua"; token="$INSPECTOR" ;;
    project) url="/v1/projects/$PROJECT"; script="$BENCH_DIR/report.lua"; token="$INSPECTOR" ;;
    flags) url="/v1/flags?severity=high&limit=20"; script="$BENCH_DIR/report.lua"; token="$INSPECTOR" ;;
    append) url="/v1/events"; script="$BENCH_DIR/append.lua"; token="$ADMIN" ;;
  esac
  for run in $(seq 1 "$RUNS"); do
    echo "  $scenario c=$connections run $run" >&2
    local before after line groups_before groups_after
    groups_before="$(group_counts)"
    before="$(cpu_ticks)"
    line="$(TOKEN="$token" RUN="c$connections-r$run-$RANDOM" wrk -t "$threads" -c "$connections" -d "${DURATION}s" \
      -s "$script" "http://127.0.0.1:$PORT$url" | tail -1)"
    after="$(cpu_ticks)"
    groups_after="$(group_counts)"
    python3 -c '
import json, sys
r = json.loads(sys.argv[1])
t = (int(sys.argv[3]) - int(sys.argv[2])) / int(sys.argv[4])
r["server_cpu_us_per_request"] = round(t * 1e6 / r["requests"], 1) if r["requests"] else None
(g0, m0), (g1, m1) = (map(int, x.split()) for x in sys.argv[5:7])
if g1 > g0: r["append_requests_per_group"] = round((m1 - m0) / (g1 - g0), 1)
print(json.dumps(r))' \
      "$line" "$before" "$after" "$TICKS_PER_SECOND" "$groups_before" "$groups_after"
  done | median
}

RESULTS="["
first=1
for scenario in $SCENARIOS; do
  for connections in $CONNECTIONS; do
    line="$(run "$scenario" "$connections")"
    [ $first -eq 1 ] || RESULTS+=","
    first=0
    RESULTS+="{\"scenario\":\"$scenario\",\"connections\":$connections,\"median\":$line}"
  done
done
RESULTS+="]"
METRICS="$(curl -fsS -H "Authorization: Bearer $ADMIN" "http://127.0.0.1:$PORT/v1/metrics")"

python3 - "$RESULTS" "$METRICS" "$RUNS" "$DURATION" "$EVENTS" "$FLAGS" "$(nproc)" <<'PY'
import json, sys
results, metrics = json.loads(sys.argv[1]), json.loads(sys.argv[2])
runs, duration, events, flags, cores = map(int, sys.argv[3:8])
by = {(r["scenario"], r["connections"]): r["median"] for r in results}
targets = {}
if ("project", 64) in by and ("flags", 64) in by:
    targets["reads_per_second_20000"] = {"project": by[("project", 64)]["rps"], "flags": by[("flags", 64)]["rps"],
                                         "met": min(by[("project", 64)]["rps"], by[("flags", 64)]["rps"]) >= 20000}
if ("append", 1) in by and ("append", 64) in by:
    append1, append64 = by[("append", 1)]["rps"], by[("append", 64)]["rps"]
    targets["append_64_over_1_at_least_10x"] = {"ratio": round(append64 / append1, 2) if append1 else None,
                                                "met": append1 > 0 and append64 >= 10 * append1}
print(json.dumps({
    "benchmark": "http", "runs": runs, "seconds_per_run": duration, "cores": cores,
    "ledger": {"events_before": events, "flags": flags, "durability": "full"},
    "results": results,
    "targets": targets,
    "server_metrics": metrics,
}, indent=2))
PY
