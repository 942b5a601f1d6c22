# A chassis power cycle the BMC really performs, and the VM survives.
# The BMC is OpenIPMI's ipmi_sim with a chassis_control script on the host
# (Scenario chassis_control=True, harness/extern_bmc.py): Chassis Control
# "power cycle" sets the chassis power to 0, and ipmi_sim's one-second timer
# sets it back to 1. QEMU's own BMC refuses a power cycle (0xD5), and ipmi_sim
# without the script would power the whole VM off, so only this BMC shows the
# off-and-on sequence through the driver.
t ipmitool chassis status
t ipmitool chassis power status
t ipmitool chassis power cycle
# Usually still inside the off second; timing-dependent, so informational only.
echo "#~ right after the cycle: $(ipmitool chassis power status 2>&1)"
# The off state lasts about one second of ipmi_sim's timer; wait past it.
sleep 2
t ipmitool chassis power status
t ipmitool chassis status
t ipmitool raw 0x00 0x01
