# Issue 20's BMC faults, on ipmi-cuse's simulated BMC behind KCS (its fault
# injection: `ipmi-cuse control fault ...`; the kernel's driver has no BMC
# of this kind, so there is no kernel half). Each fault: what a waiting
# client gets and within which bound, then how soon the interface answers
# 0x00 again on its own. The bounds are the kernel's KCS state machine's,
# which ours follows (abi-facts.md 2.9): 5 s for IBF or OBF, then error
# recovery and a restart of the transfer, hosed (0xFF) after 10 recoveries.
# Then a restart: a client waiting in poll() with a request outstanding
# when the daemon is SIGKILLed returns at once, and new opens work once the
# daemon is back.

# up: the guest's uptime in hundredths of a second.
up() {
    read -r u _ </proc/uptime
    echo "${u%.*}${u#*.}"
}

fault() {
    echo "\$ ipmi-cuse control fault $*"
    timeout -s KILL 20 ipmi-cuse control fault "$@" >/tmp/fault.out 2>&1
    echo "[rc=$?]"
    grep -v '^counters' /tmp/fault.out
    grep '^counters' /tmp/fault.out | sed 's/^/#~ /'
}

probe() {
    echo "\$ ipmi-probe64 $*"
    timeout -s KILL 150 ipmi-probe64 "$@" 2>&1
    echo "[rc=$?]"
}

echo "== no fault"
probe --transact 0 2

echo "== slow: every response held 3 s by the BMC (its clock lags the host's by up to a second), under the 5-s OBF bound: the client waits"
fault set delay 3000
probe --transact 2 5
fault clear delay
probe --until-ok 2

echo "== no interrupt wired, each response 20 ms late: found by the driver's own looks at the status register"
fault set no-irq
fault set delay 20
probe --transact 0 2
fault clear
probe --until-ok 2

echo "== garbage: three corrupted bytes (netfn, cmd and code of the answer)"
fault set corrupt 1 0x5a 3
probe --transact 0 2
probe --until-ok 2

echo "== wrong length: the answer cut to netfn and cmd (KCS makes it 3 bytes with 0xFF), then padded with 4 zero bytes (passed through)"
fault set length -16
probe --transact 0 2
fault set length +4
probe --transact 0 2
fault clear length
probe --until-ok 2

echo "== an error answer: the completion code alone (0xC0, node busy), passed through"
fault set cc 0x06 0x01 0xc0 1
probe --transact 0 2
probe --until-ok 2

echo "== reset in the middle of a transfer (error recovery restarts it)"
fault set reset
probe --transact 0 5
fault list
probe --until-ok 2

echo "== status register busy for 8 s (IBF held: 5-s IBF timeout, recovery waits too)"
fault set busy 8
probe --transact 5 18
probe --until-ok 2

# 60 s of silence: the kernel's bound for a KCS BMC that does not answer is
# 11 transfers of 5 s each (the first and 10 recoveries) before it is
# hosed, about 55 s, so only a silence longer than that shows the 0xFF; a
# shorter one would be answered late with 0x00, which "slow" shows already.
echo "== silent for 60 s"
start=$(up)
fault set silence 60
probe --transact 50 65
# Recovery is measured from the end of the silence: the next request waits
# at most one OBF timeout (5 s) for a transfer that began while it was
# silent, then is answered (3 s more allowed for TCG).
while [ $(( $(up) - start )) -lt 6000 ]; do usleep 100000; done
probe --until-ok 8

echo "== restart: SIGKILL while a client waits in poll()"
pid=$(cat /tmp/daemon.pid)
ipmi-probe64 --wait-gone 30 </dev/null >/tmp/waiter.out 2>&1 &
waiter=$!
sleep 1
killed=$(up)
kill -KILL "$pid"
while kill -0 "$waiter" 2>/dev/null && [ $(( $(up) - killed )) -lt 1000 ]; do usleep 50000; done
took=$(( $(up) - killed ))
if kill -0 "$waiter" 2>/dev/null; then
    echo "waiting client returned within 3 s of SIGKILL: no (still blocked after 10 s)"
    kill -KILL "$waiter"
else
    echo "waiting client returned within 3 s of SIGKILL: $([ "$took" -le 300 ] && echo yes || echo "no ($((took * 10)) ms)")"
fi
wait "$waiter"
echo "waiting client rc=$?"
cat /tmp/waiter.out
echo "#~ the waiting client returned $((took * 10)) ms after SIGKILL"
while [ ! -f /tmp/daemon.rc ] && [ $(( $(up) - killed )) -lt 500 ]; do usleep 50000; done
echo "daemon exit status: $(cat /tmp/daemon.rc 2>/dev/null || echo unknown)"
for n in 1 2 3 4 5 6 7 8 9 10; do [ -e /dev/ipmi0 ] || break; usleep 100000; done
echo "/dev/ipmi0 after the kill: $([ -e /dev/ipmi0 ] && echo present || echo gone)"
{ echo "--- the killed ipmi-cuse's log ---"; cat /tmp/daemon.log; } >/dev/console 2>&1
restarted=$(up)
start_daemon /tmp/daemon.log
if wait_for /sys/class/cuse/ipmi0/dev 20 && wait_for /dev/ipmi0 5; then
    echo "daemon back with /dev/ipmi0: yes"
else
    echo "daemon back with /dev/ipmi0: no"
fi
echo "#~ restarted in $(( ($(up) - restarted) * 10 )) ms"
probe --transact 0 2
t ipmitool raw 0x06 0x01
