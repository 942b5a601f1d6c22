#!/bin/sh
# Sets up one IPMI stack (the kernel's drivers, or fuse+cuse and ipmi-cuse) on
# the emulated BMC and runs one scenario against it. Everything the scenario
# prints goes to ttyS1, framed by @@BEGIN / @@END so the host can tell a
# finished run from a crashed or hung one.
. /compat/test.env
. /compat/lib.sh
out=/dev/ttyS1
read -r up _ </proc/uptime
echo "@@BEGIN $SCENARIO mode=$MODE bmc=$BMC" >"$out"
echo "@@UPTIME $up" >"$out"
if setup_stack >>"$out" 2>&1; then
    ( cd /tmp && . "/compat/scenarios/$SCENARIO.sh" ) </dev/null >>"$out" 2>&1
    rc=$?
else
    rc=99
fi
teardown_stack >/dev/console 2>&1
echo "@@END rc=$rc" >>"$out"
