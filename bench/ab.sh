#!/usr/bin/env bash
# A/B of two revisions of the broker under the same fixed work, alternating, ROUNDS times:
#   bench/ab.sh BEFORE AFTER [ROUNDS]        e.g. bench/ab.sh HEAD~1 HEAD 2
# Each run: a fresh broker built from that revision, driven by this tree's harness with
#   --quick --duration 60s --memory-limit 0 --only "1 KiB, acks=1, 1 partition" --only "consume 1 KiB, 1 partition, warm"
# (the harness's own cgroup off: this script manages one) so the work is fixed (3 M records of
# 1 KiB produced with acks=1, then consumed) and the broker's CPU seconds for it compare directly; throughput is printed too but follows the
# machine's noise. When a memory cgroup is writable (root, cgroup v1 memory controller or v2
# with memory enabled), the broker runs in one limited to AB_MEMORY_MIB (default 1024) so that
# its page cache is recycled instead of touching fresh memory: on a VM whose host backs guest
# memory lazily, first-touch page faults otherwise dominate and vary from run to run
# (bench/README.md, "First-touch memory"). AB_MEMORY_MIB=0 disables the cgroup.
set -euo pipefail

if [ $# -lt 2 ]; then
    sed -n '2,12p' "$0"
    exit 2
fi
before=$1
after=$2
rounds=${3:-2}
limit_mib=${AB_MEMORY_MIB:-1024}
root=$(git rev-parse --show-toplevel)
work=$(mktemp -d /tmp/gregor-ab.XXXXXX)
cgroup=""

cleanup() {
    for name in before after; do
        git -C "$root" worktree remove --force "$work/$name" >/dev/null 2>&1 || true
    done
    [ -n "$cgroup" ] && rmdir "$cgroup" 2>/dev/null || true
    rm -rf "$work"
}
trap cleanup EXIT

# A memory cgroup for the broker, if this machine lets us make one.
if [ "$limit_mib" -gt 0 ]; then
    v1=$(awk -F: '$2 == "memory" { print $3 }' /proc/self/cgroup)
    if [ -n "$v1" ] && [ -w "/sys/fs/cgroup/memory$v1" ]; then
        cgroup="/sys/fs/cgroup/memory$v1/gregor-ab-$$"
        mkdir "$cgroup" && echo $((limit_mib * 1024 * 1024)) > "$cgroup/memory.limit_in_bytes" || cgroup=""
    elif [ -f /sys/fs/cgroup/cgroup.controllers ] && grep -qw memory /sys/fs/cgroup/cgroup.subtree_control 2>/dev/null; then
        cgroup="/sys/fs/cgroup/gregor-ab-$$"
        mkdir "$cgroup" && echo $((limit_mib * 1024 * 1024)) > "$cgroup/memory.max" || cgroup=""
    fi
fi
echo "memory cgroup for the broker: ${cgroup:-none}${cgroup:+ (${limit_mib} MiB)}"

echo "building the harness (this tree) and both revisions..."
dotnet build "$root/bench/Gregor.Bench" -c Release -nologo -v q >/dev/null
for name in before after; do
    rev=$([ "$name" = before ] && echo "$before" || echo "$after")
    git -C "$root" worktree add --detach "$work/$name" "$rev" >/dev/null 2>&1
    dotnet build "$work/$name/src/Gregor" -c Release -nologo -v q >/dev/null
    echo "  $name = $rev ($(git -C "$root" rev-parse --short "$rev"))"
done
harness="$root/bench/Gregor.Bench/bin/Release/net10.0/Gregor.Bench.dll"

printf '%-7s %-5s | %-30s | %10s | %12s\n' rev round scenario "MB/s" "broker CPU s"
for round in $(seq "$rounds"); do
    for name in before after; do
        log="$work/$name-$round.log"
        (cd "$work/$name" && dotnet "$harness" --skip-build --quick --duration 60s --memory-limit 0 \
            --only "1 KiB, acks=1, 1 partition" --only "consume 1 KiB, 1 partition, warm" \
            --out "$work/out-$name-$round" >"$log" 2>&1) &
        harness_pid=$!
        if [ -n "$cgroup" ]; then
            for _ in $(seq 300); do
                pid=$(pgrep -f "$work/$name/src/Gregor/bin/Release/net10.0/gregor.dll serve" | head -1 || true)
                [ -n "$pid" ] && break
                sleep 0.1
            done
            [ -n "${pid:-}" ] && echo "$pid" > "$cgroup/cgroup.procs"
        fi
        wait "$harness_pid" || { echo "harness failed, see $log"; cat "$log"; exit 1; }
        grep -E '^\[[0-9:]+\] .*records/s' "$log" | sed 's/^\[[0-9:]*\] //' | while read -r line; do
            scenario=$(echo "$line" | cut -d: -f1 | cut -c1-30)
            mbs=$(echo "$line" | grep -oP '[0-9.]+(?= MB/s)')
            cpu=$(echo "$line" | grep -oP '(?<=broker CPU )[0-9.]+')
            printf '%-7s %-5s | %-30s | %10s | %12s\n' "$name" "$round" "$scenario" "$mbs" "$cpu"
        done
    done
done
