# Bridged requests to an IPMB address nobody answers: the driver's timeout.
t ipmitool -t 0x40 -b 0 raw 0x06 0x01
t ipmitool -t 0x40 -b 0 mc info
t ipmitool raw 0x06 0x01
