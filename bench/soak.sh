#!/usr/bin/env bash
# Soak benchmark (issue 12): the peak memory (RSS) of `sipbench watch` on a folder of 6 jobs ×
# 250 000 steps, on a terminal (the dashboard, through script(1)) and headless; then the RSS of
# a headless run sampled over 100 000 steps. Usage: bench/soak.sh [WORKDIR] [SIPBENCH]
# (SIPBENCH: a binary to measure instead of this checkout's). Needs Go, script and GNU time.
set -euo pipefail
cd "$(dirname "$0")/.."
work=${1:-$(mktemp -d)}
mkdir -p "$work"
sb=${2:-$work/sipbench}
[ -n "${2:-}" ] || go build -o "$sb" .
steps=250000
dir=$work/soak

# The folder: a real run of exp with six methods, stopped at once by max_seconds, whose
# jobs' metrics.csv then get 250 000 rows each and whose statuses say done.
rm -rf "$dir"
"$sb" run exp --methods rescaled,newton,newton-clipped,adam,sgd,supervised --steps $steps \
  --set max_seconds=0.01 --headless --print-every 1h --out "$dir" >/dev/null
for job in "$dir"/*/; do
  header=$(head -1 "$job/metrics.csv")
  awk -v header="$header" -v n=$steps 'BEGIN {
    print header; k = split(header, cols, ",")
    for (s = 1; s <= n; s++) {
      line = s "," sprintf("%.4f", s / 1000)
      for (c = 3; c <= k; c++) line = line "," sprintf("%.8g", c / sqrt(s))
      print line
    } }' >"$job/metrics.csv"
  printf '{"state":"done","step":%d,"total":%d,"wall_s":%d,"updated":"2026-01-01T00:00:00Z"}\n' \
    $steps $steps $((steps / 1000)) >"$job/status.json"
done
echo "folder: 6 jobs × $steps rows, metrics.csv $(du -ch "$dir"/*/metrics.csv | tail -1 | cut -f1)"

/usr/bin/time -f %M -o "$work/rss-headless" "$sb" watch --headless --print-every 1h "$dir" >/dev/null
echo "sipbench watch --headless: peak RSS $(( $(cat "$work/rss-headless") / 1024 )) MB"

# The dashboard on a 120×40 pseudo-terminal; q once every row has been read (it quits at
# once: every job is done). The wait is generous; the peak is what counts.
wait_s=${SOAK_WAIT:-60}
(sleep "$wait_s"; printf q) | script -qfec "stty cols 120 rows 40; /usr/bin/time -f %M -o $work/rss-tui $sb watch $dir" /dev/null >/dev/null
echo "sipbench watch (dashboard, ${wait_s} s): peak RSS $(( $(cat "$work/rss-tui") / 1024 )) MB"

# A headless run of 100 000 steps: its RSS every 10 000 steps.
flat=$work/flat
rm -rf "$flat"
"$sb" run exp --methods rescaled --steps 100000 --headless --print-every 1h --out "$flat" >/dev/null &
pid=$!
next=0
echo "headless run of 100000 steps (exp, rescaled): step → RSS"
while kill -0 $pid 2>/dev/null; do
  step=$(grep -o '"step": *[0-9]*' "$flat/rescaled-seed0/status.json" 2>/dev/null | grep -o '[0-9]*$' || echo 0)
  if [ "${step:-0}" -ge $next ]; then
    rss=$(awk '/VmRSS/ { print int($2 / 1024) }' /proc/$pid/status 2>/dev/null || true)
    [ -n "$rss" ] && echo "  step $step: $rss MB"
    next=$((next + 10000))
  fi
  sleep 0.5
done
wait $pid
