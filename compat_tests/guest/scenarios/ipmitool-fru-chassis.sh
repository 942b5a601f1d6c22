# FRU inventory and chassis state. (No `chassis power cycle`: QEMU's BMC would
# really reset the VM, which ends the boot.)
t ipmitool fru print
t ipmitool fru print 0
t ipmitool chassis status
t ipmitool chassis power status
t ipmitool chassis restart_cause
t ipmitool chassis identify 1
