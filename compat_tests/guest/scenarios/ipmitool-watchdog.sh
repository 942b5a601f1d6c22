# The BMC watchdog seen through ipmitool (ipmi_watchdog / ipmi-cuse have set it
# to "no action" at start-up).
t ipmitool mc watchdog get
t ipmitool mc watchdog reset
t ipmitool mc watchdog get
t ipmitool mc watchdog off
t ipmitool mc watchdog get
