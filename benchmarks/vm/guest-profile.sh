#!/bin/sh
# Guest half of benchmarks/vm/profile.py: runs inside the compat VM as a
# scenario script (MODE=cuse), with the daemon the harness started. Samples
# the whole guest (kernel and user space, every task) with perf's cpu-clock
# while Get Device IDs go through /dev/ipmi0, then records the order in
# which tasks run and the system calls each thread makes; prints each as
# "@@PROF..." lines.
chmod +x /usr/bin/perf
# The workload: N Get Device IDs from one client, or with PROF_CLIENTS set,
# that many clients at once, PROF_ROUNDS rounds of three requests each.
cat >/tmp/workload.sh <<WORKLOAD
if [ "${PROF_CLIENTS:-0}" -gt 0 ]; then
    exec ipmi-probe64 --clients "${PROF_CLIENTS:-0}" --rounds "${PROF_ROUNDS:-10}"
fi
exec ipmi-probe64 --device /dev/ipmi0 --bench "\$1"
WORKLOAD
ipmi-probe64 --device /dev/ipmi0 --bench 50 >/dev/null 2>&1
echo 0 >/proc/sys/kernel/kptr_restrict
echo -1 >/proc/sys/kernel/perf_event_paranoid

out=$(perf record -a -F "${PROF_HZ:-4000}" -o /tmp/perf.data -- sh /tmp/workload.sh "$PROF_N" 2>&1) ||
    { echo "@@PROF-ERROR perf record: $out"; exit 1; }
echo "@@PROF-RUN $(echo "$out" | tr '\n' ' ')"
for sort in comm comm,dso comm,dso,sym; do
    perf report -i /tmp/perf.data --stdio --no-children --sort "$sort" --percent-limit "${PROF_LIMIT:-0.3}" 2>&1 |
        grep -v '^#' | grep -v '^$' | sed "s/^/@@PROF $sort /"
done

# The order in which tasks run through a few transactions: every switch and
# wake-up, with the time of each.
# PROF_SCHED_EVENTS adds tracepoints to that record (e.g. system calls, timers, idle).
extra_events=""
for event in ${PROF_SCHED_EVENTS:-}; do extra_events="$extra_events -e $event"; done
# shellcheck disable=SC2086 # one word per event
out=$(perf record -a -e sched:sched_switch -e sched:sched_wakeup $extra_events -o /tmp/sched.data -- \
    sh /tmp/workload.sh "${PROF_SCHED_N:-200}" 2>&1) ||
    { echo "@@PROF-ERROR perf record (sched): $out"; exit 1; }
echo "@@PROF-SCHED-RUN $(echo "$out" | tr '\n' ' ')"
perf script -i /tmp/sched.data -F comm,tid,time,event,trace 2>&1 | grep -v "^ *perf " | tail -n "${PROF_SCHED_LINES:-120}" |
    sed 's/^/@@PROF-SCHED /'

# The system calls each thread makes, by number, over the same workload.
out=$(perf record -a -e raw_syscalls:sys_enter -o /tmp/sys.data -- sh /tmp/workload.sh "${PROF_SCHED_N:-200}" 2>&1) ||
    { echo "@@PROF-ERROR perf record (syscalls): $out"; exit 1; }
echo "@@PROF-SYSCALLS-RUN $(echo "$out" | tr '\n' ' ')"
perf script -i /tmp/sys.data -F comm,tid,trace 2>/dev/null | awk '{ print $1, $2, $4 }' | sort | uniq -c |
    sort -rn | head -40 | sed 's/^/@@PROF-SYSCALLS /'
