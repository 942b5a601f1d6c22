# Issue 20's BMC faults on an external BMC, the kernel's driver next to
# ipmi-cuse: OpenIPMI's ipmi_sim on the host behind QEMU's ipmi-bmc-extern,
# made to misbehave by the host when the guest asks (Scenario
# bmc_faults=True; a "@@BMC-FAULT ..." line on this transcript, see
# harness/bmc_faults.py): silent for 10 s (SIGSTOP), its connection dropped
# with a request outstanding (SIGKILL while stopped), then back (started
# again on the same port; QEMU's chardev reconnects within a second).
#
# The answers come from QEMU, not from either driver: ipmi-bmc-extern
# answers a request its BMC leaves unanswered for 4 s with 0xC3 itself, so
# the KCS state machine's 5-s timeouts never run out; when the connection
# closes it answers the outstanding request 0xD2 (BMC initialization in
# progress), and while disconnected it answers every request 0xD2 at once.
# The late answers of a BMC that wakes up carry sequence numbers the KCS
# interface has passed, and it drops them. The checks: each waiting client
# gets that answer within its bound, a client queued behind another one
# too, none hangs, and once the BMC is back the next request succeeds within
# one KCS timeout (5 s). Times are "#~" lines.

# up: the guest's uptime in hundredths of a second.
up() {
    read -r u _ </proc/uptime
    echo "${u%.*}${u#*.}"
}

# bmc_fault WORDS: asks the host for a fault and gives it time to act (it
# reads this transcript every 0.1 s; harness/bmc_faults.py).
bmc_fault() {
    echo "@@BMC-FAULT $*"
    usleep 500000
}

probe() {
    echo "\$ ipmi-probe64 $*"
    timeout -s KILL 60 ipmi-probe64 "$@" 2>&1
    echo "[rc=$?]"
}

# counters: the driver's own count of what went wrong, as information.
counters() {
    if [ "$MODE" = cuse ]; then
        timeout -s KILL 20 ipmi-cuse status 2>&1 | grep -E '^ *(state|responses|driver) ' | sed "s/^ */#~ $1: /"
    else
        for f in $(find /sys/devices -name hosed_count 2>/dev/null | head -n 1 | xargs dirname 2>/dev/null); do
            for c in complete_transactions short_timeouts long_timeouts hosed_count attentions; do
                echo "#~ $1: ipmi_si $c $(cat "$f/$c" 2>/dev/null)"
            done
        done
    fi
}

echo "== no fault"
probe --transact 0 2

# The first client's request reaches the BMC half a second into the
# silence; the second one, a second later, waits in the driver's queue until
# QEMU has answered the first (4 s and 7 s after they asked). The silence
# ends 10 s in, more than a second away from any of these answers. Nothing
# else may go to the BMC meanwhile: a driver that polled Get Message Flags
# (ipmi-cuse did, while its watchdog watched for pre-timeouts) would hold
# each client 4 s longer behind a poll the silent BMC never answers.
echo "== silent for 10 s: ipmi_sim stopped, two clients waiting"
start=$(up)
bmc_fault stop 10
timeout -s KILL 30 ipmi-probe64 --transact 3 5 </dev/null >/tmp/first.out 2>&1 &
first=$!
sleep 1
timeout -s KILL 30 ipmi-probe64 --transact 6 8 </dev/null >/tmp/second.out 2>&1 &
second=$!
wait "$first"
echo "first client rc=$?"
cat /tmp/first.out
wait "$second"
echo "second client rc=$?"
cat /tmp/second.out
# Asks again and again (each answered 0xC3 after 4 s) until the BMC is
# back; the attempt in flight when it wakes gets the real answer.
probe --until-ok 10
back=$(( $(up) - start - 1000 ))
echo "answered 0x00 again within 5 s of the BMC's return: $([ "$back" -le 500 ] && echo yes || echo no)"
echo "#~ answered 0x00 $((back * 10)) ms after the BMC's return (10 s after the request to stop it)"

echo "== reset mid-transfer: ipmi_sim stopped with a request outstanding, then killed"
bmc_fault stop 20
timeout -s KILL 30 ipmi-probe64 --transact 0 3 </dev/null >/tmp/reset.out 2>&1 &
client=$!
sleep 1
bmc_fault kill
wait "$client"
echo "client rc=$?"
cat /tmp/reset.out
echo "== ipmi_sim down: answered at once"
probe --transact 0 1
# A client asking again and again (each answered 0xD2 at once) while
# ipmi_sim starts and QEMU's chardev reconnects (it retries every second).
echo "== ipmi_sim started again while a client keeps asking"
timeout -s KILL 30 ipmi-probe64 --until-ok 5 </dev/null >/tmp/again.out 2>&1 &
client=$!
usleep 200000
start=$(up)
bmc_fault start
wait "$client"
rc=$?
back=$(( $(up) - start ))
echo "client rc=$rc"
cat /tmp/again.out
echo "answered 0x00 again within 5 s of the BMC's restart: $([ "$back" -le 500 ] && echo yes || echo no)"
echo "#~ answered 0x00 $((back * 10)) ms after the request to restart ipmi_sim"
t ipmitool raw 0x06 0x01
counters "after the faults"
