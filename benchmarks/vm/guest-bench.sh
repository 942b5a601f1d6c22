#!/bin/sh
# Guest half of benchmarks/vm/bench.py: runs inside the compat VM as a
# scenario script (MODE=cuse, so ipmi-cuse is already serving /dev/ipmi0 with
# the daemon arguments bench.py chose; compat_tests/guest/lib.sh's helpers,
# wait_for among them, are loaded), measures our stack, then stops the
# daemon, loads the kernel's driver for the same emulated BMC in the same
# boot, and measures that. Results are "@@BENCH key=value ..." lines.
#
# Environment (from bench.py through compat/test.env): BENCH_KIND (kcs, bt,
# extern-kcs, sim or ssif),
# BENCH_N (transactions per run), BENCH_IDLE (seconds of idle measurement,
# 0 to skip), BENCH_KERNEL (1: also measure the kernel driver), BENCH_FAST_N
# (ssif: transactions per run of the in-process loop and the direct client,
# which take microseconds each), BENCH_RUNS (runs of ours and of the kernel's),
# BENCH_CLIENTS and BENCH_ROUNDS (the many-clients run: that many processes,
# each that many rounds of three requests; 0 clients skips it), BENCH_FAULT
# (sim: the `ipmi-cuse control fault` words that make the embedded BMC slow,
# e.g. "set delay 2", several separated by ';'), BENCH_BASE (1: /compat/bench/ipmi-cuse-base, another
# build of the daemon, is measured alternately with ours as stack "base"),
# BENCH_KERNEL_POLL (1: the kernel's ipmi_si also without its IRQ, polled by
# kipmid: stack kernel-poll, after kernel with its IRQ), BENCH_PROBES (N > 0:
# sample where the daemon's threads are, N times idle and 40 times during the
# runs, as @@BENCH-PROBE and @@BENCH-STACK lines).
#
# For ssif, between our runs and the kernel's, more figures from the same
# boot: the daemon restarted with --ipmi_ssif.dbg 4 (timing), whose per
# transaction log lines say where the SSIF driver's time went while CUSE
# shares the CPU (stack=ours-driver); our driver with no CUSE at all, in the
# in-process loop /compat/bench/ssif-loop (stack=ours-loop, and its timing log
# as stack=ours-loop-trace); the bus floor, a direct i2c-dev client with no
# driver (stack=i2c-direct, /compat/bench/i2c-bench).
#
# Before each run of ours, a run of the same client through the CUSE floor
# (/compat/bench/cuse-floor, a CUSE device with nothing behind it,
# stack=cuse-floor): the part of our round trip that any CUSE device pays;
# for ssif also through the worker floor (/compat/bench/cuse-worker-floor,
# stack=cuse-worker-floor): that plus a worker thread doing the exchange on
# the bus, while ipmi-cuse idles beside it.

hz=100 # USER_HZ: the unit of /proc/stat and /proc/PID/stat times

# cpu_ticks: "busy idle" jiffies of the whole guest (all its vCPUs).
cpu_ticks() {
    awk '/^cpu /{ print $2+$3+$4+$7+$8+$9, $5+$6 }' /proc/stat
}

# proc_ticks PID: utime+stime of the process (all its threads).
proc_ticks() {
    awk '{ print $14+$15 }' "/proc/$1/stat" 2>/dev/null || echo 0
}

# proc_ns PID: the scheduler's own count of the process's run time, in ns,
# summed over its threads (/proc/PID/task/TID/schedstat, first field). Tick
# sampling charges a tick to whoever runs when it fires, so a thread that
# wakes just after a tick and sleeps again before the next (kipmid's nap of
# one jiffy) escapes it; this count does not.
proc_ns() {
    cat /proc/"$1"/task/*/schedstat 2>/dev/null | awk '{ n += $1 } END { printf "%.0f\n", n }' # %d stops at 2^31
}

# driver_cpu [PID]: "TICKS NS" of the driver's process (proc_ticks and
# proc_ns), "0 0" without one; driver_cpu_used BEFORE AFTER: what it used
# between the two, as @@BENCH fields.
driver_cpu() {
    if [ -n "${1:-}" ]; then echo "$(proc_ticks "$1") $(proc_ns "$1")"; else echo "0 0"; fi
}
driver_cpu_used() {
    # shellcheck disable=SC2086
    set -- $1 $2
    echo "daemon_ticks=$(($3 - $1)) daemon_ns=$(($4 - $2))"
}

# kernel_ticks: system+irq+softirq jiffies of the guest.
kernel_ticks() {
    awk '/^cpu /{ print $4+$7+$8 }' /proc/stat
}

# irq_counts: the guest's local timer interrupts and its IPIs (rescheduling,
# function call, TLB shootdown), summed over its vCPUs: what a run costs in
# wake-ups across vCPUs.
irq_counts() {
    awk '$1 ~ /^(LOC|RES|CAL|TLB):$/ { n = 0; for (i = 2; i <= NF && $i ~ /^[0-9]+$/; i++) n += $i; c[$1] = n }
         END { print c["LOC:"] + 0, c["RES:"] + 0, c["CAL:"] + 0, c["TLB:"] + 0 }' /proc/interrupts
}

# measure STACK [DEVICE]: one run of BENCH_N Get Device IDs through DEVICE
# (default /dev/ipmi0).
measure() {
    stack=$1
    device=${2:-/dev/ipmi0}
    dpid=$(cat /tmp/daemon.pid 2>/dev/null)
    # ours: the daemon (all its threads); the floor: its CUSE server, the
    # share of ours that any CUSE device pays; the kernel's: its kipmid, if any.
    case "$stack" in
    ours* | base*) ;;
    cuse-floor*) dpid=$(cat /tmp/cuse-floor.pid 2>/dev/null) ;;
    *) dpid=$(kipmid_pid) ;;
    esac
    set -- $(cpu_ticks); b0=$1; i0=$2
    k0=$(kernel_ticks)
    drv0=$(driver_cpu "$dpid")
    irq0=$(irq_counts)
    # shellcheck disable=SC2086
    out=$(${CLIENT_PIN:-} ipmi-probe64 --device "$device" --bench "$BENCH_N" 2>&1)
    irq1=$(irq_counts)
    set -- $irq0 $irq1
    irqs="timer_irqs=$(($5 - $1)) resched_ipis=$(($6 - $2)) call_ipis=$(($7 - $3)) tlb_ipis=$(($8 - $4))"
    set -- $(cpu_ticks); b1=$1; i1=$2
    k1=$(kernel_ticks)
    drv1=$(driver_cpu "$dpid")
    us=$(echo "$out" | sed -n 's/.*latency: \([0-9.]*\) us.*/\1/p')
    [ -n "$us" ] || { echo "@@BENCH-ERROR $stack: $out"; return 1; }
    echo "@@BENCH kind=$BENCH_KIND stack=$stack n=$BENCH_N us_per_tx=$us" \
        "busy_ticks=$((b1 - b0)) idle_ticks=$((i1 - i0)) kernel_ticks=$((k1 - k0))" \
        "$(driver_cpu_used "$drv0" "$drv1") $irqs hz=$hz"
}

# measure_idle [STACK]: the daemon's CPU over BENCH_IDLE seconds, no client.
measure_idle() {
    idle_stack=${1:-ours}
    dpid=$(cat /tmp/daemon.pid)
    set -- $(cpu_ticks); b0=$1
    drv0=$(driver_cpu "$dpid")
    sleep "$BENCH_IDLE"
    set -- $(cpu_ticks); b1=$1
    drv1=$(driver_cpu "$dpid")
    echo "@@BENCH kind=$BENCH_KIND stack=$idle_stack idle_seconds=$BENCH_IDLE $(driver_cpu_used "$drv0" "$drv1")" \
        "guest_busy_ticks=$((b1 - b0)) hz=$hz"
}

stop_daemon() {
    kill "$(cat /tmp/daemon.pid)"
    n=0
    while [ -e /sys/class/cuse/ipmi0 ] || [ -e /dev/ipmi0 ]; do
        n=$((n + 1))
        [ "$n" -gt 100 ] && { echo "@@BENCH-ERROR ipmi-cuse did not go away"; return 1; }
        usleep 100000
    done
    rm -f /tmp/daemon.pid
}

# start_daemon ARGS [BINARY]: ipmi-cuse (or BINARY) in the background the way compat's lib.sh
# starts it (output to a file, never a pipe), waiting for /dev/ipmi0.
start_daemon() {
    (
        # shellcheck disable=SC2086
        ${2:-/usr/sbin/ipmi-cuse} $1 </dev/null >/tmp/daemon.log 2>&1 &
        echo $! >/tmp/daemon.pid.new
        mv /tmp/daemon.pid.new /tmp/daemon.pid
        wait $!
        echo $? >/tmp/daemon.rc
    ) </dev/null >/dev/null 2>&1 &
    { wait_for /sys/class/cuse/ipmi0/dev 20 && wait_for /dev/ipmi0 20; } || {
        echo "@@BENCH-ERROR ipmi-cuse ($1) did not come back"; cat /tmp/daemon.log; return 1; }
}

# timing_summary STACK LOG FIRST: the SSIF timing lines (netfn 0x06 cmd 0x01)
# of LOG from line FIRST on, averaged: the driver's time per transaction and
# where it went.
timing_summary() {
    tail -n +"$3" "$2" |
        sed -n 's/.*netfn 0x06 cmd 0x01 took \([0-9]*\) us: write \([0-9]*\) us ([0-9]* op), first read after \([0-9]*\) us, read \([0-9]*\) us (\([0-9]*\) op, \([0-9]*\) NAK), in bus calls \([0-9]*\) us.*/\1 \2 \3 \4 \5 \6 \7/p' |
        awk -v kind="$BENCH_KIND" -v stack="$1" -v logfile="$2" '
            { n++; took += $1; wr += $2; delay += $3; rd += $4; reads += $5; naks += $6; bus += $7
              if ($1 > max) max = $1
              if ($1 > 1000) { slow++; slow_took += $1; slow_bus += $7 } }
            END {
                if (n == 0) { print "@@BENCH-ERROR no SSIF timing lines in " logfile; exit 1 }
                printf "@@BENCH kind=%s stack=%s n=%d us_per_tx=%.1f write_us=%.1f first_read_delay_us=%.1f" \
                       " read_us=%.1f reads_per_tx=%.3f naks=%d bus_us=%.1f max_us=%d" \
                       " over_1ms=%d over_1ms_us=%d over_1ms_bus_us=%d\n",
                       kind, stack, n, took / n, wr / n, delay / n, rd / n, reads / n, naks, bus / n, max,
                       slow, slow_took, slow_bus
            }' || { echo "--- $2 ---"; head -30 "$2"; echo ...; tail -10 "$2"; }
}

# measure_driver: BENCH_N Get Device IDs through /dev/ipmi0 with the daemon's
# SSIF timing log on.
measure_driver() {
    before=$(wc -l </tmp/daemon.log)
    measure ours-dbg || return 1
    usleep 200000 # the last line is written after the answer went out
    timing_summary ours-driver /tmp/daemon.log "$((before + 1))"
}

# measure_loop [DBG]: our SSIF driver in-process, no CUSE, no daemon.
measure_loop() {
    /tmp/ssif-loop /dev/i2c-0 0x10 "${BENCH_FAST_N:-$BENCH_N}" ${1:-} >/tmp/ssif-loop.out 2>/tmp/ssif-loop.log || {
        echo "@@BENCH-ERROR ssif-loop: $(cat /tmp/ssif-loop.out /tmp/ssif-loop.log | tail -20)"; return 1; }
    if [ -n "${1:-}" ]; then
        # The timing log of the measured transactions (the warm-up's 20 and
        # the probe's come first).
        first=$(($(wc -l </tmp/ssif-loop.log) - ${BENCH_FAST_N:-$BENCH_N} + 1))
        timing_summary ours-loop-trace /tmp/ssif-loop.log "$first"
    else
        sed -n "s/^ssif-loop /@@BENCH kind=$BENCH_KIND stack=ours-loop /p" /tmp/ssif-loop.out
    fi
}

# thread_ticks: utime and stime per thread of the daemon, "loop:Uu+Ss
# tid:Uu+Ss ...", to tell the loop thread (CUSE, core, the SSIF protocol)
# from the SSIF worker (the blocking i2c-dev calls).
thread_ticks() {
    pid=$(cat /tmp/daemon.pid)
    for t in /proc/"$pid"/task/*; do
        name=${t##*/}
        [ "$name" = "$pid" ] && name=loop
        printf '%s:%s:%sv+%sn ' "$name" "$(awk '{ print $14 "u+" $15 "s" }' "$t/stat")" \
            "$(awk '/^voluntary_ctxt/ { print $2 }' "$t/status")" \
            "$(awk '/^nonvoluntary_ctxt/ { print $2 }' "$t/status")"
    done
    echo
}

# start_floor TOOL NODE [ARGS...]: a floor device (cuse_floor.c: the same
# client through CUSE with nothing behind it; cuse_worker_floor.c: that plus
# a worker thread doing the SSIF exchange) as /dev/NODE, next to ipmi-cuse.
start_floor() {
    tool=$1 node=$2
    shift 2
    [ -e "/compat/bench/$tool" ] || return 0
    cp "/compat/bench/$tool" "/tmp/$tool" && chmod 755 "/tmp/$tool" || return 1
    "/tmp/$tool" "$node" "$@" </dev/null >"/tmp/$tool.log" 2>&1 &
    echo $! >"/tmp/$tool.pid"
    wait_for "/dev/$node" 10 || { echo "@@BENCH-ERROR $tool: $(cat "/tmp/$tool.log")"; return 1; }
    ipmi-probe64 --device "/dev/$node" --bench 20 >/dev/null 2>&1
}
stop_floor() {
    if [ -e "/tmp/$1.pid" ]; then
        kill "$(cat "/tmp/$1.pid")"
    fi
}

# measure_direct: the bus floor, no IPMI driver loaded.
measure_direct() {
    cp /compat/bench/i2c-bench /tmp/i2c-bench && chmod 755 /tmp/i2c-bench || return 1
    /tmp/i2c-bench /dev/i2c-0 0x10 "${BENCH_FAST_N:-$BENCH_N}" >/tmp/i2c-bench.out 2>&1 || {
        echo "@@BENCH-ERROR i2c-bench: $(cat /tmp/i2c-bench.out)"; return 1; }
    sed -n "s/^i2c-bench /@@BENCH kind=$BENCH_KIND stack=i2c-direct /p" /tmp/i2c-bench.out
}

# measure_pingpong: what the guest's clock charges for two process switches
# (/compat/bench/pingpong, pipes between two processes), which bench.py sets
# next to the same program on the host's real CPU.
measure_pingpong() {
    cp /compat/bench/pingpong /tmp/pingpong && chmod 755 /tmp/pingpong || return 1
    out=$(/tmp/pingpong 3000 2>&1) || { echo "@@BENCH-ERROR pingpong: $out"; return 1; }
    echo "@@BENCH kind=$BENCH_KIND stack=pingpong ${out#pingpong }"
}

# start_kernel [poll]: the kernel's driver for the BMC; with "poll", ipmi_si
# told the port and no IRQ, so kipmid polls it (force_kipmid=1), as on the
# many KCS interfaces that have no interrupt wired.
start_kernel() {
    modprobe ipmi_msghandler && modprobe ipmi_devintf || return 1
    case "$BENCH_KIND:${1:-}" in
        ssif:*) modprobe ipmi_ssif ;;
        *:poll) modprobe ipmi_si type=kcs ports=0xca2 irqs=0 force_kipmid=1 trydmi=0 tryacpi=0 trypci=0 ;;
        *) modprobe ipmi_si ;;
    esac
    wait_for /dev/ipmi0 20 || { echo "@@BENCH-ERROR the kernel driver made no /dev/ipmi0"; return 1; }
    echo "@@BENCH-KERNEL ${1:-irq}: $(grep -i ipmi /proc/interrupts | tr -s ' ' | head -2) kipmid=$(kipmid_pid)"
}
stop_kernel() {
    rmmod ipmi_si 2>/dev/null
    n=0
    while [ -e /dev/ipmi0 ]; do
        n=$((n + 1))
        [ "$n" -gt 100 ] && { echo "@@BENCH-ERROR the kernel's /dev/ipmi0 did not go away"; return 1; }
        usleep 100000
    done
}

# kipmid_pid: the kernel's polling thread (kipmi0), if it runs.
kipmid_pid() {
    for c in /proc/[0-9]*/comm; do
        case "$(cat "$c" 2>/dev/null)" in kipmi*) d=${c%/comm}; echo "${d#/proc/}"; return ;; esac
    done
}

# uptime_cs: the guest's clock in hundredths of a second.
uptime_cs() {
    awk '{ split($1, t, "."); print t[1] * 100 + t[2] }' /proc/uptime
}

# measure_clients STACK: BENCH_CLIENTS processes at once, each with its own
# open file, each BENCH_ROUNDS rounds of three requests outstanding
# (ipmi-probe64 --clients, which also checks every answer reaches its
# sender), timed with the guest's clock.
measure_clients() {
    stack=$1
    dpid=$(cat /tmp/daemon.pid 2>/dev/null)
    case "$stack" in ours* | base*) ;; *) dpid=$(kipmid_pid) ;; esac
    set -- $(cpu_ticks); b0=$1
    drv0=$(driver_cpu "$dpid")
    t0=$(uptime_cs)
    out=$(ipmi-probe64 --clients "$BENCH_CLIENTS" --rounds "$BENCH_ROUNDS" 2>&1) ||
        { echo "@@BENCH-ERROR $stack clients: $(echo "$out" | tail -3)"; return 1; }
    t1=$(uptime_cs)
    set -- $(cpu_ticks); b1=$1
    drv1=$(driver_cpu "$dpid")
    n=$((BENCH_CLIENTS * BENCH_ROUNDS * 3))
    echo "@@BENCH kind=$BENCH_KIND stack=$stack clients=$BENCH_CLIENTS n=$n centiseconds=$((t1 - t0))" \
        "busy_ticks=$((b1 - b0)) $(driver_cpu_used "$drv0" "$drv1") hz=$hz"
}

# slow_bmc: the embedded BMC made slow (sim), through the control socket:
# each of BENCH_FAULT's ';'-separated commands in turn.
slow_bmc() {
    [ "$BENCH_KIND" = sim ] && [ -n "${BENCH_FAULT:-}" ] || return 0
    echo "$BENCH_FAULT" | tr ';' '\n' >/tmp/fault.in
    while read -r words; do
        [ -n "$words" ] || continue
        # shellcheck disable=SC2086
        ipmi-cuse control fault $words >/tmp/fault.out 2>&1 ||
            { echo "@@BENCH-ERROR fault $words: $(cat /tmp/fault.out)"; return 1; }
    done </tmp/fault.in
    echo "@@BENCH-FAULT $(tr '\n' ';' </tmp/fault.out)"
}

# switch_to STACK: the daemon binary of that stack (ours or base) serving
# /dev/ipmi0, started afresh when the other one runs.
current=ours
switch_to() {
    [ "$current" = "$1" ] && return 0
    binary=/usr/sbin/ipmi-cuse
    [ "$1" = base ] && binary=/tmp/ipmi-cuse-base
    stop_daemon && start_daemon "$DAEMON_ARGS" "$binary" || return 1
    slow_bmc || return 1
    ipmi-probe64 --bench 20 >/dev/null 2>&1
    current=$1
}

echo "@@BENCH-ARGS $DAEMON_ARGS"
echo "@@BENCH-KERNEL clock: $(cat /sys/devices/system/clocksource/clocksource0/current_clocksource)" \
    "$(grep -m1 hres_active /proc/timer_list 2>/dev/null | tr -s ' ')" "cpus: $(grep -c ^processor /proc/cpuinfo)"
# How an idle vCPU waits (MWAIT or HLT) and the CPU the guest sees: what a
# wake-up across vCPUs goes through (README, issue 22's section).
echo "@@BENCH-KERNEL idle: driver=$(cat /sys/devices/system/cpu/cpuidle/current_driver 2>/dev/null)" \
    "governor=$(cat /sys/devices/system/cpu/cpuidle/current_governor 2>/dev/null)" \
    "monitor=$(grep -m1 -ow monitor /proc/cpuinfo || echo no)" \
    "states=$(cat /sys/devices/system/cpu/cpu0/cpuidle/state*/name 2>/dev/null | tr '\n' ,)" \
    "cmdline=$(cat /proc/cmdline)" "cpu=$(grep -m3 -E '^(vendor_id|cpu family|model)' /proc/cpuinfo | tr -s '\t ' ' ' | tr '\n' ,)" \
    "dmesg=$(dmesg | grep -iE 'mwait|idle routine|c1e|broadcast' | cut -c16- | tr '\n' ';' | cut -c1-300)"
if [ "${BENCH_BASE:-0}" = 1 ]; then
    cp /compat/bench/ipmi-cuse-base /tmp/ipmi-cuse-base && chmod 755 /tmp/ipmi-cuse-base || exit 1
fi
slow_bmc || exit 1
ipmi-probe64 --bench 20 >/dev/null 2>&1 # warm-up: first-use costs stay out of the figures
measure_pingpong || exit 1
echo "@@BENCH-THREADS before $(thread_ticks)"
# spin_probe: where each daemon thread is, sampled, while no client runs:
# the system call it is in (number, arguments) or "running", and the
# descriptors those arguments name.
spin_probe() {
    pid=$(cat /tmp/daemon.pid)
    i=0
    while [ "$i" -lt "${1:-5}" ]; do
        for t in /proc/"$pid"/task/*; do
            echo "@@BENCH-PROBE ${t##*/}: $(cat "$t/syscall" 2>/dev/null) wchan=$(cat "$t/wchan" 2>/dev/null)" \
                "ticks=$(awk '{ print $14 "u+" $15 "s" }' "$t/stat")"
        done
        usleep 200000
        i=$((i + 1))
    done
    ls -l /proc/"$pid"/fd | sed 's/^/@@BENCH-PROBE fd /' | awk '{ print $1, $2, $(NF-2), $(NF-1), $NF }'
}
[ "${BENCH_PROBES:-0}" -gt 0 ] && spin_probe "$BENCH_PROBES"
# BENCH_RUNS runs each of ours and the kernel's: TCG's speed wanders by tens
# of percent between runs, and the best run is the one least disturbed. Each
# of ours follows a run of the CUSE floor, so that the two see the same host;
# with BENCH_BASE, each run of ours is followed by one of the base build.
runs() {
    r=0
    while [ "$r" -lt "${BENCH_RUNS:-2}" ]; do
        if [ "$1" = ours ] && [ -e /dev/ipmi-floor ]; then
            measure cuse-floor /dev/ipmi-floor || return 1
        fi
        if [ "$1" = ours ] && [ -e /dev/ipmi-wfloor ]; then
            measure cuse-worker-floor /dev/ipmi-wfloor || return 1
        fi
        if [ "$1" = ours ]; then
            switch_to ours || return 1
        fi
        measure "$1" || return 1
        [ "$1" = ours ] && echo "@@BENCH-THREADS ours-run $(thread_ticks)" &&
            echo "@@BENCH-COUNTERS ours-run $(ipmi-cuse control status 2>/dev/null | grep -m1 polls_held)"
        if [ "$1" = ours ] && [ "${BENCH_BASE:-0}" = 1 ]; then
            switch_to base && measure base || return 1
            echo "@@BENCH-THREADS base-run $(thread_ticks)"
        fi
        r=$((r + 1))
    done
}
# clients STACK: the many-clients run, BENCH_RUNS times (best reported).
clients() {
    [ "${BENCH_CLIENTS:-0}" -gt 0 ] || return 0
    r=0
    while [ "$r" -lt "${BENCH_RUNS:-2}" ]; do
        case "$1" in ours | base) switch_to "$1" || return 1 ;; esac
        measure_clients "$1" || return 1
        case "$1" in ours | base) echo "@@BENCH-THREADS $1-clients $(thread_ticks)" ;; esac
        if [ "$1" = ours ] && [ "${BENCH_BASE:-0}" = 1 ]; then
            switch_to base && measure_clients base || return 1
            echo "@@BENCH-THREADS base-clients $(thread_ticks)"
        fi
        r=$((r + 1))
    done
}
start_floor cuse-floor ipmi-floor || exit 1
if [ "$BENCH_KIND" = ssif ]; then
    start_floor cuse-worker-floor ipmi-wfloor /dev/i2c-0 0x10 || exit 1
fi
# stack_probe: where the floor's and the daemon's threads are in the kernel
# (their top frames; none while on a CPU), sampled while the runs go.
stack_probe() {
    i=0
    while [ "$i" -lt 40 ]; do
        for p in $(cat /tmp/cuse-floor.pid 2>/dev/null) $(cat /tmp/daemon.pid 2>/dev/null); do
            for t in /proc/"$p"/task/*; do
                echo "@@BENCH-STACK $(cat "$t/comm") $(head -4 "$t/stack" 2>/dev/null | awk '{ print $2 }' | tr '\n' ' ')"
            done
        done
        usleep 100000
        i=$((i + 1))
    done
}
[ "${BENCH_PROBES:-0}" -gt 0 ] && stack_probe &
runs ours
# placement: where the scheduler puts the client and the server matters on
# two vCPUs (README, issue 22's section): the floor and ours with the
# client on vCPU 0 and every thread of the server on vCPU 1, then on vCPU 0.
pin_threads() { # pin_threads PID CPUS
    for t in /proc/"$1"/task/*; do taskset -p -c "$2" "${t##*/}" >/dev/null || return 1; done
}
placement() {
    for place in apart together; do
        server_cpu=1
        [ "$place" = together ] && server_cpu=0
        pin_threads "$(cat /tmp/cuse-floor.pid)" "$server_cpu" && switch_to ours &&
            pin_threads "$(cat /tmp/daemon.pid)" "$server_cpu" || return 1
        r=0
        while [ "$r" -lt "${BENCH_RUNS:-2}" ]; do
            CLIENT_PIN="taskset -c 0" measure "cuse-floor-$place" /dev/ipmi-floor || return 1
            CLIENT_PIN="taskset -c 0" measure "ours-$place" || return 1
            echo "@@BENCH-THREADS ours-$place $(thread_ticks)"
            r=$((r + 1))
        done
    done
    pin_threads "$(cat /tmp/cuse-floor.pid)" 0-1 && pin_threads "$(cat /tmp/daemon.pid)" 0-1
}
if [ "${BENCH_PLACEMENT:-0}" = 1 ] && [ "$(grep -c ^processor /proc/cpuinfo)" -ge 2 ]; then
    placement || { echo "@@BENCH-ERROR placement"; exit 1; }
fi
stop_floor cuse-floor
stop_floor cuse-worker-floor
clients ours || exit 1
echo "@@BENCH-THREADS after $(thread_ticks)"
switch_to ours || exit 1
[ "${BENCH_IDLE:-0}" -gt 0 ] && measure_idle
if [ "${BENCH_BASE:-0}" = 1 ] && [ "${BENCH_IDLE:-0}" -gt 0 ]; then
    switch_to base && measure_idle base || exit 1
fi
if [ "$BENCH_KIND" = ssif ]; then
    stop_daemon && start_daemon "$DAEMON_ARGS --ipmi_ssif.dbg 4" || exit 1
    ipmi-probe64 --bench 20 >/dev/null 2>&1
    measure_driver
    measure_driver
    stop_daemon || exit 1
    measure_direct
    measure_direct
    cp /compat/bench/ssif-loop /tmp/ssif-loop && chmod 755 /tmp/ssif-loop || exit 1
    measure_loop
    measure_loop
    measure_loop 4
    BENCH_RESTARTED=1
fi
if [ "${BENCH_KERNEL:-1}" = 1 ] && [ "$BENCH_KIND" != sim ]; then
    if [ -z "$BENCH_RESTARTED" ]; then stop_daemon || exit 1; fi
    start_kernel || exit 1
    ipmi-probe64 --bench 20 >/dev/null 2>&1
    runs kernel
    clients kernel || exit 1
    if [ "${BENCH_KERNEL_POLL:-0}" = 1 ] && [ "$BENCH_KIND" != ssif ]; then
        stop_kernel && start_kernel poll || exit 1
        ipmi-probe64 --bench 20 >/dev/null 2>&1
        runs kernel-poll
        clients kernel-poll || exit 1
    fi
fi
exit 0
