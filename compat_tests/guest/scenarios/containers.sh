# Issue 23: the shell commands of docs/containers.md, run as that page runs
# them, against ipmi-cuse --sim (docs/examples/containers.sh says how).
sh /compat/examples/containers.sh in-vm
