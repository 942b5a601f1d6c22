# OpenIPMI's ipmi_sim has a full SEL: clear it, send Platform Events, list.
t ipmitool sel info
t ipmitool sel clear
t ipmitool event 1
t ipmitool event 3
# ipmi_sim has no Platform Event command; Add SEL Entry puts the same event in.
t ipmitool raw 0x0a 0x44 0x00 0x00 0x02 0x00 0x00 0x00 0x00 0x41 0x00 0x04 0x01 0x30 0x01 0x57 0x02 0xff
t ipmitool sel list
t ipmitool sel elist
t ipmitool sel info
