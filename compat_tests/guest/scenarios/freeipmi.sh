# FreeIPMI through its OpenIPMI driver (/dev/ipmi0).
t bmc-info --driver-type=OPENIPMI --get-device-id
t bmc-info --driver-type=OPENIPMI --get-device-guid
t ipmi-sensors --driver-type=OPENIPMI --quiet-cache
t ipmi-sensors --driver-type=OPENIPMI --quiet-cache -v
t ipmi-sel --driver-type=OPENIPMI --quiet-cache
t ipmi-sel --driver-type=OPENIPMI --quiet-cache --info
t ipmi-fru --driver-type=OPENIPMI
t ipmi-chassis --driver-type=OPENIPMI --get-status
t bmc-watchdog --driver-type=OPENIPMI --get
t ipmi-raw --driver-type=OPENIPMI 00 06 01
t ipmi-raw --driver-type=OPENIPMI 00 06 ff
