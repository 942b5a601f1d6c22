# FRU inventory and chassis state. (No `chassis power cycle`: QEMU's BMC would
# really reset the VM, which ends the boot.)
# `ipmitool fru print` (all devices) is left out: its exit status varies from
# boot to boot on the kernel driver too (it walks every FRU locator while the
# BMC's first events may still be queued), so it cannot be compared.
t ipmitool fru print 0
t ipmitool chassis status
t ipmitool chassis power status
t ipmitool chassis restart_cause
t ipmitool chassis identify 1
