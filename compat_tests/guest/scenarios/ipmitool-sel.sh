# SEL: info and list, clear, a Platform Event from software, and the new list.
t ipmitool sel info
t ipmitool sel list
t ipmitool sel clear
t ipmitool sel info
t ipmitool event 1
t ipmitool event 2
t ipmitool sel list
t ipmitool sel elist
t ipmitool sel get 1
t ipmitool raw 0x04 0x02 0x41 0x04 0x01 0x30 0x01 0x57 0x02 0xff
t ipmitool sel list
t ipmitool sel elist
