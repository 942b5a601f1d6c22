# ipmitool's Management Controller commands over /dev/ipmi0.
t ipmitool mc info
t ipmitool mc guid
t ipmitool mc getenables
t ipmitool mc selftest
