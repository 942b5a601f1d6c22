# The README demo: what ipmi-cuse --sim serves to an unmodified ipmitool.
t ipmitool mc info
t ipmitool sdr list
t ipmitool sel list
t ipmitool chassis status
t ipmitool mc watchdog get
