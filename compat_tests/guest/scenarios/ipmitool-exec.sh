# ipmitool exec: long batches through one open /dev/ipmi0.
i=0
: >/tmp/batch
while [ $i -lt 1000 ]; do
    echo "raw 0x06 0x01" >>/tmp/batch
    i=$((i + 1))
done
printf 'mc info\nsdr list\nchassis status\nraw 0x06 0xff\nsel info\n' >/tmp/batch2
t ipmitool exec /tmp/batch2
echo "\$ ipmitool exec (1000 x raw 0x06 0x01) | uniq -c"
timeout -s KILL 60 ipmitool exec /tmp/batch >/tmp/out 2>&1
echo "[rc=$?]"
uniq -c </tmp/out
