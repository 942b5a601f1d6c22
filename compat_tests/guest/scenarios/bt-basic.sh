# The same BMC behind BT (I/O 0xe4).
t ipmitool mc info
t ipmitool sdr list
t ipmitool raw 0x06 0xff
t ipmi-probe64 --bench 500
t ipmi-probe64 --clients 8 --rounds 10
