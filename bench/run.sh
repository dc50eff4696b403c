#!/usr/bin/env bash
# Runs every benchmark in bench/ and writes bench/results/*.{json,md} (+ the README tables).
#
#   bash bench/run.sh              full run (~29 min here; hard cap 35 min)
#   QUICK=1 bash bench/run.sh      smoke run (~9 min)
#
# Parts, in this order: sessions, same-process, instructions, flows, steps, memory, scale, ops
# (BENCH_PARTS=a,b to choose; ops: events observed vs not, RedisStore durability vs not).
# Knobs (env): QUICK, BENCH_ROUNDS, BENCH_DURATION (s), BENCH_WARMUP (s), BENCH_CONNECTIONS,
# BENCH_VUS, BENCH_USERS, BENCH_TARGETS (sessions targets, comma list), BENCH_PARTS,
# BENCH_MEMORY_N, BENCH_SCALE_N, BENCH_OTHER_LOGINS, BENCH_BUDGET (s, whole script),
# BENCH_UPDATE_README (0 = leave the README alone), PG_ADMIN_URL, BENCH_NODE_ARGS.
# See bench/README.md.
set -uo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/.." && pwd)"
START=$(date +%s)
QUICK="${QUICK:-0}"
if [[ "$QUICK" == "1" || "$QUICK" == "true" ]]; then DEFAULT_BUDGET=990; else DEFAULT_BUDGET=2100; fi
BUDGET="${BENCH_BUDGET:-$DEFAULT_BUDGET}"   # seconds for the whole script, install and build included
PARTS="${BENCH_PARTS:-sessions,same-process,instructions,flows,steps,memory,scale,ops}"
export QUICK

log() { printf '[bench] %s %s\n' "$(date +%T)" "$*" >&2; }

# Every part runs under `timeout`, which makes itself a process-group leader: killing that
# group stops the driver, its target servers and its private redis-server together.
CURRENT_PID=""
cleanup() {
  local status=$?
  if [[ -n "$CURRENT_PID" ]] && kill -0 "$CURRENT_PID" 2>/dev/null; then
    log "stopping part (process group $CURRENT_PID)"
    kill -TERM -- "-$CURRENT_PID" 2>/dev/null
    for _ in 1 2 3 4 5 6; do kill -0 "$CURRENT_PID" 2>/dev/null || break; sleep 0.5; done
    kill -KILL -- "-$CURRENT_PID" 2>/dev/null
  fi
  CURRENT_PID=""
  exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT TERM HUP

remaining() { echo $(( BUDGET - ($(date +%s) - START) )); }

# --- dependencies --------------------------------------------------------------------------
if [[ ! -d "$HERE/node_modules/autocannon" || ! -d "$HERE/node_modules/better-auth" || "$HERE/package.json" -nt "$HERE/node_modules/.package-lock.json" ]]; then
  log "installing bench dependencies (npm --prefix bench install)"
  npm --prefix "$HERE" install --no-audit --no-fund --loglevel=error || { log "npm install failed"; exit 1; }
fi
command -v redis-server >/dev/null || { log "redis-server not found on PATH"; exit 1; }

# --- the library (for the magic-link target) -----------------------------------------------
if [[ ! -f "$ROOT/dist/index.js" ]]; then
  log "dist/ missing: building the library (npm run build at the repo root)"
  if [[ ! -d "$ROOT/node_modules" ]]; then (cd "$ROOT" && npm ci --no-audit --no-fund --loglevel=error) || log "root npm ci failed"; fi
  (cd "$ROOT" && timeout 300 npm run build) || log "library build failed: the magic-link target will be skipped"
fi

# --- parts ---------------------------------------------------------------------------------
FAILED=()
# Per-part caps (s): a part that hangs cannot eat the others' time. Full / quick.
declare -A CAP_FULL=([sessions]=480 [same-process]=480 [instructions]=420 [flows]=300 [steps]=420 [memory]=120 [scale]=300 [ops]=360)
declare -A CAP_QUICK=([sessions]=180 [same-process]=120 [instructions]=240 [flows]=120 [steps]=150 [memory]=90 [scale]=150 [ops]=120)
run_part() {
  local name="$1" file="$2" left cap
  left=$(remaining)
  if [[ "$QUICK" == "1" || "$QUICK" == "true" ]]; then cap=${CAP_QUICK[$name]}; else cap=${CAP_FULL[$name]}; fi
  (( left < cap )) && cap=$left
  if (( cap < 20 )); then log "$name: skipped, time budget used up"; FAILED+=("$name"); return; fi
  log "$name: starting (cap ${cap}s)"
  (cd "$HERE" && exec timeout --kill-after=10 "$cap" node --import tsx "$file") &
  CURRENT_PID=$!
  wait "$CURRENT_PID"
  local rc=$?
  CURRENT_PID=""
  if (( rc == 124 || rc == 137 )); then log "$name: TIMED OUT after ${cap}s"; FAILED+=("$name")
  elif (( rc != 0 )); then log "$name: failed (exit $rc)"; FAILED+=("$name")
  else log "$name: done"; fi
}

IFS=',' read -r -a PART_LIST <<< "$PARTS"
for part in "${PART_LIST[@]}"; do
  case "$part" in
    sessions|same-process|instructions|flows|steps|memory|scale|ops) run_part "$part" "$part.ts" ;;
    *) log "unknown part: $part"; FAILED+=("$part") ;;
  esac
done

if [[ "${BENCH_UPDATE_README:-1}" != "0" ]]; then
  (cd "$HERE" && node --import tsx lib/update-readme.ts) || log "could not update README tables"
fi

log "total $(( $(date +%s) - START ))s; load average now: $(cut -d' ' -f1-3 /proc/loadavg); results in bench/results/"
if (( ${#FAILED[@]} > 0 )); then log "FAILED: ${FAILED[*]}"; exit 1; fi
exit 0
