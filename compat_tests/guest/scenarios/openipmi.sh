# OpenIPMI's openipmicmd over "smi 0": synchronous commands (-k), then an
# interactive session that sends a Platform Event and must see it come back as
# an asynchronous event.
t openipmicmd -k "0f 00 06 01" smi 0
t openipmicmd -k "0f 00 0a 40" smi 0
t openipmicmd -k "0f 00 06 ff" smi 0
mkfifo /tmp/oicmd
( echo "0f 00 06 01"; sleep 2; echo "0f 00 04 02 41 04 01 30 01 57 02 ff"; sleep 4; echo "0f 00 06 01"; sleep 2 ) >/tmp/oicmd &
echo "\$ openipmicmd smi 0 (interactive, platform event)"
timeout -s KILL 30 openipmicmd smi 0 </tmp/oicmd 2>&1
echo "[rc=$?]"
# QEMU's BMC does not put a Platform Event into its event buffer, but it does
# put its watchdog sensor's events there: openipmicmd (which turns events on
# for its connection) sets the BMC watchdog itself, raw, to a 6 s countdown
# with a 4 s pre-timeout (messaging interrupt) and power-down action, starts
# it, and stops it (action none) 4 s later, between the pre-timeout (after
# 2 s) and the expiry (after 6 s; a power-down would end the boot). It must
# print the pre-timeout event as it comes through Read Event Message Buffer,
# then Get Watchdog Timer shows the stopped timer. The event's 4-byte
# timestamp varies from boot to boot and is masked.
mkfifo /tmp/oievt
( sleep 1; echo "0f 00 06 24 04 32 04 00 3c 00"; sleep 1; echo "0f 00 06 22"; sleep 4
  echo "0f 00 06 24 04 00 00 00 3c 00"; sleep 1; echo "0f 00 06 25"; sleep 1 ) >/tmp/oievt &
echo "\$ openipmicmd smi 0 (interactive, watchdog pre-timeout event)"
timeout -s KILL 30 openipmicmd smi 0 </tmp/oievt >/tmp/oievt.out 2>&1
echo "[rc=$?]"
sed -E 's/^(  [0-9a-f]{4} \([0-9a-f]{2}\):)( [0-9a-f]{2}){4}/\1 <TS>/' /tmp/oievt.out
