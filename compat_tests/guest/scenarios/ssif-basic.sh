# The same BMC behind SSIF on the ICH9 SMBus (i2c-i801), named by parameters
# on the ipmi-cuse side (--ipmi_ssif.addr 0x10 --ipmi_ssif.adapter 0).
t ipmitool mc info
t ipmitool sdr list
t ipmitool sel list
t ipmitool raw 0x06 0xff
t ipmi-probe64 --bench 50
