# Sensor Data Repository and sensors through ipmitool.
t ipmitool sdr info
t ipmitool sdr list
t ipmitool sdr elist
t ipmitool sdr type Watchdog
t ipmitool sensor list
