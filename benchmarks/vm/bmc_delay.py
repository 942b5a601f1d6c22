#!/usr/bin/env python3
"""A BMC that takes its time: a relay between QEMU's ipmi-bmc-extern and ipmi_sim
that holds every byte QEMU sends for a fixed time before passing it on (not a test).

    bmc_delay.py --listen PORT --to PORT --delay-us US

QEMU connects to --listen; the relay connects to ipmi_sim on --to and passes
what QEMU writes after --delay-us, in order, and what ipmi_sim answers at once.
So every request reaches the BMC that much later, as if the BMC took that long
to execute it, and the relay, not the vCPU's thread, wakes ipmi_sim. Under
icount (sleep=on) the delay counts while the guest idles; under the wall clock
the guest still stands still while the relay and ipmi_sim work
(benchmarks/README.md, issue 22).

DelayedBmc wraps a running ExternBmc (compat_tests/harness/extern_bmc.py) for
vm.run: it has the same `port` and `ensure()`.
"""

import argparse
import asyncio
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))),
                                "compat_tests"))
from harness.extern_bmc import free_port, spawn_listening  # noqa: E402


class _Relay:
    def __init__(self, to_port, delay):
        self.to_port = to_port
        self.delay = delay

    async def serve(self, reader, writer):
        bmc_reader, bmc_writer = await asyncio.open_connection("127.0.0.1", self.to_port)
        loop = asyncio.get_running_loop()
        async def to_bmc():
            # Each chunk leaves at its arrival plus the delay; call_at keeps the order.
            while data := await reader.read(4096):
                loop.call_at(loop.time() + self.delay, bmc_writer.write, data)
            bmc_writer.close()

        async def to_qemu():
            while data := await bmc_reader.read(4096):
                writer.write(data)
            writer.close()

        await asyncio.gather(to_bmc(), to_qemu(), return_exceptions=True)


async def _main(listen, to_port, delay):
    relay = _Relay(to_port, delay)
    server = await asyncio.start_server(relay.serve, "127.0.0.1", listen)
    async with server:
        await server.serve_forever()


class DelayedBmc:
    """The relay as a subprocess in front of `extern` (an ExternBmc)."""

    def __init__(self, extern, delay_us, host_cpus=None):
        self.extern = extern
        self.delay_us = delay_us
        self.host_cpus = host_cpus
        self.proc = None
        self.port = None

    def ensure(self, chassis_control):
        # A restarted ipmi_sim keeps its port; the relay reconnects per QEMU connection.
        self.extern.ensure(chassis_control)
        return self

    def __enter__(self):
        self.port = free_port()
        self.proc = spawn_listening(
            [sys.executable, os.path.abspath(__file__), "--listen", str(self.port),
             "--to", str(self.extern.port), "--delay-us", str(self.delay_us)],
            self.port, "the bmc_delay relay", self.host_cpus)
        return self

    def __exit__(self, *exc):
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(timeout=5)
        self.proc = None
        return False


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--listen", type=int, required=True)
    p.add_argument("--to", type=int, required=True)
    p.add_argument("--delay-us", type=int, required=True)
    args = p.parse_args()
    asyncio.run(_main(args.listen, args.to, args.delay_us / 1e6))


if __name__ == "__main__":
    main()
