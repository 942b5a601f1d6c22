# Issue 4: hotmod at run time. The kernel takes it through
# /sys/module/ipmi_si/parameters/hotmod, ipmi-cuse through its control verb
# `hotmod` (same syntax); either way /dev/ipmi0 goes with the interface and
# comes back with it, a duplicate add and a bad string are refused. The
# replies differ in form (a write's errno, a control reply), so only
# success/failure is compared and the text is kept as information.

# hot STRING: one hotmod operation, "[ok]" or "[refused]".
hot() {
    echo "\$ hotmod $1"
    if [ "$MODE" = kernel ]; then
        ( echo "$1" >/sys/module/ipmi_si/parameters/hotmod ) >/tmp/hot.out 2>&1
    else
        timeout -s KILL 30 ipmi-cuse control hotmod "$1" >/tmp/hot.out 2>&1
    fi
    rc=$?
    sed 's/^/#~ /' /tmp/hot.out
    if [ "$rc" = 0 ]; then echo "[ok]"; else echo "[refused]"; fi
}

# gone_within PATH SECONDS
gone_within() {
    n=0
    while [ -e "$1" ] && [ "$n" -lt $(( $2 * 10 )) ]; do
        usleep 100000
        n=$((n + 1))
    done
    if [ -e "$1" ]; then echo "$1 still there after $2 s"; else echo "$1 gone"; fi
}

t ipmitool raw 0x06 0x01
hot "add,kcs,i/o,0xca2"
hot "remove,kcs,i/o,0xca2"
gone_within /dev/ipmi0 10
t ipmitool raw 0x06 0x01
hot "remove,kcs,i/o,0xca2"
hot "add,kcs,i/o,0xca2"
if wait_for /dev/ipmi0 15; then echo "/dev/ipmi0 back"; else echo "/dev/ipmi0 not back after 15 s"; fi
t ipmitool raw 0x06 0x01
t ipmitool mc info
hot "add,kcs,i/o"
hot "add,ipmb,i/o,0xca2"
t ipmitool raw 0x06 0x01
