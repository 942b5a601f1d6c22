# The same probe built for i386: every call goes through the compat ioctls.
t ipmi-probe32
t ipmi-probe32 --bench 500
