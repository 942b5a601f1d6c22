# The same BMC behind SSIF on the ICH9 SMBus (i2c-i801).
t ipmitool mc info
t ipmitool sdr list
t ipmitool raw 0x06 0xff
t ipmi-probe64 --bench 50
