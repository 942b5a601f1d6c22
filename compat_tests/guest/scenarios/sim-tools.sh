# Issue 6 "done means" against ipmi-cuse --sim (the embedded simulated BMC):
# ipmitool, FreeIPMI, OpenIPMI and the 32-bit probe through our /dev/ipmi0.
# Only ipmi-cuse can serve this BMC, so the transcript is checked against the
# reviewed expected/sim-tools.txt alone. Values that move between boots
# (sensor readings) are replaced here, in the script, by <N>; SEL dates and
# times are covered by compare.py's existing date/time rules.

# tn FILTER CMD ARGS...: like `t`, with the output passed through FILTER
# (a function name) after the command has finished (no pipe while it runs).
tn() {
    filter=$1
    shift
    echo "\$ $*"
    timeout -s KILL "${CMD_TIMEOUT:-60}" "$@" >/tmp/tn.out 2>&1
    rc=$?
    "$filter" </tmp/tn.out
    echo "[rc=$rc]"
}

# `sdr list` / `sensor list`: the reading is the first field after the name.
ipmitool_reading() {
    sed -r 's/^([^|]*\| *)-?[0-9]+(\.[0-9]+)?( |$)/\1<N>\3/'
}

# ipmi-sensors: ID | Name | Type | Reading | Units | Event.
freeipmi_reading() {
    awk -F'|' 'BEGIN { OFS = "|" } NR > 1 && $4 ~ /[0-9]/ { $4 = " <N> " } { print }'
}

t ipmitool mc info
t ipmitool raw 0x06 0x01
tn ipmitool_reading ipmitool sdr list
tn ipmitool_reading ipmitool sensor list
t ipmitool sel list
t ipmitool fru print
t ipmitool chassis status
t ipmitool mc watchdog get

echo "\$ ipmitool exec (1000 commands: 500 x raw 0x06 0x01, 500 x raw 0x06 0x04) | sort | uniq -c"
i=0
: >/tmp/batch
while [ $i -lt 500 ]; do
    printf 'raw 0x06 0x01\nraw 0x06 0x04\n' >>/tmp/batch
    i=$((i + 1))
done
timeout -s KILL 120 ipmitool exec /tmp/batch >/tmp/exec.out 2>&1
echo "[rc=$?]"
sort </tmp/exec.out | uniq -c
echo "replies: $(wc -l </tmp/exec.out)"

# The device ID and GUID sections only. Plain bmc-info's "Channel Information"
# is not stable with any BMC in FreeIPMI 1.6.10 (Debian 12): display_channel_info
# prints a 16-entry stack array that get_channel_info_list fills only partly
# (12 channels queried, failed ones collapsed), so the rest is uninitialised
# stack (the "channels 76, 220, 224" entries). Fixed upstream, in no release
# up to freeipmi-1-6-18
# (freeipmi commits 2dbfbbeb7 and 24bbbd603); the simulator's 0xCC for an
# absent channel is not the cause (any non-zero completion code fails the query).
t bmc-info --driver-type=OPENIPMI --get-device-id
t bmc-info --driver-type=OPENIPMI --get-device-guid
tn freeipmi_reading ipmi-sensors --driver-type=OPENIPMI --quiet-cache
t ipmi-sel --driver-type=OPENIPMI --quiet-cache
t ipmi-chassis --driver-type=OPENIPMI --get-status

t openipmicmd -k "0f 00 06 01" smi 0
t openipmicmd -k "0f 00 0a 40" smi 0
t openipmicmd -k "0f 00 06 ff" smi 0

t ipmi-probe32
t ipmi-probe32 --bench 500
t ipmi-probe64 --bench 2000
