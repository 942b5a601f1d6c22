# 8 and then 16 processes with their own fds and three overlapping requests
# each per round; every response must reach its sender with its msgid.
t ipmi-probe64 --clients 8 --rounds 40
t ipmi-probe64 --clients 16 --rounds 10
echo "\$ 8 x ipmitool exec (50 x raw 0x06 0x01) in parallel"
i=0
: >/tmp/b
while [ $i -lt 50 ]; do echo "raw 0x06 0x01" >>/tmp/b; i=$((i + 1)); done
for c in 1 2 3 4 5 6 7 8; do
    timeout -s KILL 60 ipmitool exec /tmp/b >/tmp/c$c.out 2>&1 &
done
wait
for c in 1 2 3 4 5 6 7 8; do uniq -c </tmp/c$c.out; done | sort | uniq -c
