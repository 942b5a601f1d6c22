# Issue 20's soak: every user slot of /dev/ipmi0 busy for 40 s (ipmi-probe
# --soak: steady 64- and 32-bit users with 100 requests outstanding each,
# system-interface requests and IPMB requests the handler answers 0xC3, and
# victims SIGKILLed while waiting or closing with answers pending), then the
# driver's memory and open files against what they were. For ipmi-cuse: the
# daemon's VmRSS at the end of the load against after the warm-up (the
# allocator keeps what it once had, so "flat" is measured under the same
# load), and its /proc/PID/fd. For the kernel's driver, whose messages are
# unreclaimable slab objects freed as they are read: SUnreclaim of
# /proc/meminfo idle after the soak against idle before, and the open files
# of every process. The figures are "#~" lines; the
# comparisons are yes/no lines, the same in both halves.
SOAK_SECONDS=40
pid=$(cat /tmp/daemon.pid 2>/dev/null)

memory_kb() {
    if [ "$MODE" = cuse ]; then
        sed -n 's/^VmRSS:[[:space:]]*\([0-9]*\) kB/\1/p' "/proc/$pid/status"
    else
        sed -n 's/^SUnreclaim:[[:space:]]*\([0-9]*\) kB/\1/p' /proc/meminfo
    fi
}

open_files() {
    if [ "$MODE" = cuse ]; then
        ls "/proc/$pid/fd" | wc -l
    else
        # Every process's open files (file-nr is a per-CPU estimate).
        ls /proc/[0-9]*/fd 2>/dev/null | grep -c '^[0-9]'
    fi
}

files_before=$(open_files)
memory_idle=$(memory_kb)
echo "\$ ipmi-probe64 --soak $SOAK_SECONDS --peer /usr/bin/ipmi-probe32"
ipmi-probe64 --soak "$SOAK_SECONDS" --peer /usr/bin/ipmi-probe32 </dev/null >/tmp/soak.out 2>&1 &
soak=$!
# Warm-up: every user at 100 outstanding, victims coming and going.
sleep 12
memory_warm=$(memory_kb)
sleep $((SOAK_SECONDS - 16))
memory_end=$(memory_kb)
wait "$soak"
echo "[rc=$?]"
cat /tmp/soak.out
sleep 1
files_after=$(open_files)
memory_after=$(memory_kb)
echo "#~ memory (kB; $([ "$MODE" = cuse ] && echo "ipmi-cuse VmRSS" || echo "kernel SUnreclaim")): idle $memory_idle, after warm-up $memory_warm, at the end of the load $memory_end, idle after $memory_after"
echo "#~ open files ($([ "$MODE" = cuse ] && echo "ipmi-cuse /proc/PID/fd" || echo "every /proc/PID/fd")): before $files_before, after $files_after"
if [ "$MODE" = cuse ]; then
    growth=$((${memory_end:-0} - ${memory_warm:-0}))
else
    growth=$((${memory_after:-0} - ${memory_idle:-0}))
fi
if [ -z "$memory_idle" ] || [ -z "$memory_warm" ] || [ -z "$memory_end" ] || [ -z "$memory_after" ]; then
    echo "driver memory flat (at most 1024 kB more): no (not measured)"
else
    echo "driver memory flat (at most 1024 kB more): $([ "$growth" -le 1024 ] && echo yes || echo "no ($growth kB)")"
fi
echo "open files after the soak as before: $([ "$files_after" -eq "$files_before" ] && echo yes || echo "no ($files_before, then $files_after)")"
if [ "$MODE" = cuse ]; then
    kill -0 "$pid" 2>/dev/null && echo "driver still running: yes" || echo "driver still running: no"
else
    lsmod | grep -q '^ipmi_si' && echo "driver still running: yes" || echo "driver still running: no"
fi
