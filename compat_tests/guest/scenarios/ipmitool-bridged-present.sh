# OpenIPMI's ipmi_sim on the host: a BMC at 0x20 and a satellite at 0x30.
t ipmitool mc info
t ipmitool -t 0x30 -b 0 raw 0x06 0x01
t ipmitool -t 0x30 -b 0 mc info
t ipmitool -t 0x40 -b 0 raw 0x06 0x01
t ipmitool sel info
