# FRU inventory and chassis state. `chassis power cycle` is sent: QEMU's BMC
# refuses it with "not supported in present state" (0xD5), which both stacks
# must pass through unchanged, and the chassis state is the same afterwards.
# (`chassis power reset`/`off` would really reset or power off the VM and end
# the boot; OpenIPMI's ipmi_sim behind ipmi-bmc-extern turns a power cycle into
# a power-off of the VM as well.)
# `ipmitool fru print` (all devices) is left out: its exit status varies from
# boot to boot on the kernel driver too (it walks every FRU locator while the
# BMC's first events may still be queued), so it cannot be compared.
t ipmitool fru print 0
t ipmitool chassis status
t ipmitool chassis power status
t ipmitool chassis power cycle
t ipmitool raw 0x00 0x02 0x02
t ipmitool chassis status
t ipmitool chassis power status
t ipmitool chassis restart_cause
t ipmitool chassis identify 1
