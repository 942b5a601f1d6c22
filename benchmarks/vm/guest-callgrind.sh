#!/bin/sh
# Guest half of benchmarks/vm/callgrind.py: runs inside the compat VM as a
# scenario script (MODE=cuse). Stops the daemon the harness started and runs
# the same binary with the same arguments under callgrind twice: once for
# CG_BASE_N Get Device IDs through /dev/ipmi0 and once for CG_BASE_N +
# CG_N, each after the same warm-up, so that the difference of the two
# profiles is what CG_N transactions cost, start-up and warm-up cancelled.
# Each profile comes back gzipped and base64-encoded on one
# "@@CALLGRIND N DATA" line; "@@CALLGRIND-ERROR ..." says what went wrong.

# The image's test layer keeps no file modes.
chmod +x /usr/bin/valgrind.bin /usr/libexec/valgrind/*
kill "$(cat /tmp/daemon.pid)"
i=0
while [ -e /dev/ipmi0 ] && [ $i -lt 100 ]; do usleep 100000; i=$((i + 1)); done

for n in "$CG_BASE_N" $((CG_BASE_N + CG_N)); do
    # shellcheck disable=SC2086
    VALGRIND_LIB=/usr/libexec/valgrind /usr/bin/valgrind.bin --tool=callgrind \
        --callgrind-out-file=/tmp/callgrind.$n --dump-instr=no \
        /usr/sbin/ipmi-cuse $DAEMON_ARGS </dev/null >/tmp/callgrind.$n.log 2>&1 &
    vg=$!
    # Under valgrind in TCG the daemon takes a minute or more to start.
    i=0
    while [ ! -e /dev/ipmi0 ] && [ $i -lt 3000 ] && kill -0 "$vg" 2>/dev/null; do
        usleep 100000
        i=$((i + 1))
    done
    if [ ! -e /dev/ipmi0 ]; then
        echo "@@CALLGRIND-ERROR no /dev/ipmi0 from the daemon under valgrind (${i}00 ms):"
        cat /tmp/callgrind.$n.log
        exit 1
    fi
    ipmi-probe64 --device /dev/ipmi0 --bench 20 >/dev/null 2>&1
    out=$(ipmi-probe64 --device /dev/ipmi0 --bench "$n" 2>&1) ||
        { echo "@@CALLGRIND-ERROR ipmi-probe64: $out"; exit 1; }
    echo "@@CALLGRIND-RUN n=$n $out"
    kill "$vg"
    wait "$vg"
    i=0
    while [ -e /dev/ipmi0 ] && [ $i -lt 600 ]; do usleep 100000; i=$((i + 1)); done
    [ -s /tmp/callgrind.$n ] || { echo "@@CALLGRIND-ERROR no profile:"; cat /tmp/callgrind.$n.log; exit 1; }
    echo "@@CALLGRIND $n $(gzip -c /tmp/callgrind.$n | base64 -w0)"
done
