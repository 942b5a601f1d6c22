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
