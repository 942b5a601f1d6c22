#!/usr/bin/env python3
"""The seed inputs of fuzz/corpus/{ioctl,watchdog,daemon_config}/, written
in each target's input language (the operation codes of ioctl_fuzz.cpp and
watchdog_fuzz.cpp; NUL-separated TOML text and argv for daemon_config).
Seeds give libFuzzer a start inside the interesting states (a request sent
and answered, a receive with short buffers, a running watchdog); what it
finds from there, crash inputs included, is merged into the same folders by
scripts/fuzz.sh --update-corpus. Run from anywhere:

    fuzz/corpus/generate.py

Each seed is rewritten; files the generator does not name are left alone.
Kept in step with the targets by hand: change both together.
"""

import os
import struct

HERE = os.path.dirname(os.path.abspath(__file__))


def write(target, name, data):
    folder = os.path.join(HERE, target)
    os.makedirs(folder, exist_ok=True)
    with open(os.path.join(folder, name), "wb") as f:
        f.write(data)


# --- ioctl_fuzz.cpp ------------------------------------------------------

# Indices into kCommands.
RECV_TRUNC, RECV, SEND, REG_CMD, UNREG_CMD, GETS_EVENTS = 0, 1, 2, 3, 4, 5
SET_ADDR, GET_ADDR, SET_LUN, GET_LUN, SEND_SETTIME = 6, 7, 8, 9, 10
SET_TIMING, GET_TIMING, SET_CHAN_ADDR, GET_CHAN_ADDR, SET_CHAN_LUN, GET_CHAN_LUN = 11, 12, 13, 14, 15, 16
REG_CHANS, UNREG_CHANS, GET_MAINT, SET_MAINT = 17, 18, 19, 20
C_SEND, C_SETTIME, C_RECV, C_RECV_TRUNC = 21, 22, 23, 24

SI, IPMB, BROADCAST, LAN = 0, 1, 2, 3  # address types (kTypes)
NULL_POINTER = 0xF000  # pointer selector: address 0


class Ioctl:
    def __init__(self, max_msgs=10, retries=1, retry_step=20, shape=0):
        self.b = bytes([max_msgs, retries, retry_step, shape])

    def op(self, code, payload=b""):
        self.b += bytes([code]) + payload
        return self

    def open(self, slot=0):
        return self.op(0, bytes([slot]))

    def close(self, slot=0):
        return self.op(1, bytes([slot]))

    def poke(self, at, data):
        return self.op(2, struct.pack("<HB", at, len(data)) + data)

    def request(self, at, addr, addr_len, msgid, netfn, cmd, data=0, data_len=0, compat=False, retries=-1,
                retry_ms=0):
        kind = 0 | (4 if compat else 0)
        return self.op(3, struct.pack("<BHHBIBBHBBH", kind, at, addr, addr_len, msgid & 0xFFFFFFFF, netfn, cmd,
                                      data, data_len, retries + 128, retry_ms))

    def receive_buffer(self, at, addr, addr_len, data, data_len, compat=False):
        kind = 2 | (4 if compat else 0)
        return self.op(3, struct.pack("<BHHBIBBHBBH", kind, at, addr, addr_len, 0, 0, 0, data, data_len, 128, 0))

    def address(self, at, kind, channel, tail=b""):
        # tail: the bytes after addr_type and channel (SI: lun; IPMB:
        # slave_addr, lun; LAN: privilege, session_handle, remote_SWID,
        # local_SWID, lun).
        return self.op(4, struct.pack("<HBBB", at, kind, 0, channel) + tail.ljust(6, b"\0"))

    def ioctl(self, command, arg, slot=0, compat=False, in_place=False, twist=0):
        mode = (1 if compat else 0) | (2 if in_place else 0)
        return self.op(5, struct.pack("<BBBHB", slot, command, mode, arg, twist))

    def answer_cc(self, cc, data=b""):
        return self.op(6, bytes([1, cc, len(data)]) + data)

    def answer_raw(self, data):
        return self.op(6, bytes([0, len(data)]) + data)

    def bmc_message(self, data):
        return self.op(7, bytes([len(data)]) + data)

    def advance(self, ms):
        return self.op(8, struct.pack("<H", ms))

    def poll(self, slot=0):
        return self.op(9, bytes([slot]))

    def pretimeout(self):
        return self.op(10)


def send_and_receive(compat, in_place, twist=0, act=b""):
    # act: the operation a twist with bit 2 runs inside the SEND's rounds.
    send, recv = (C_SEND, C_RECV_TRUNC) if compat else (SEND, RECV_TRUNC)
    p = Ioctl().open().address(0x100, SI, 15)
    p.request(0x0, 0x100, 8, 7, 0x06, 0x01, compat=compat)
    p.ioctl(send, 0x0, compat=compat, in_place=in_place, twist=twist)
    p.b += act
    p.answer_cc(0x00, bytes(range(15)))
    p.receive_buffer(0x300, 0x400, 32, 0x500, 64, compat=compat)
    p.ioctl(recv, 0x300, compat=compat, in_place=in_place, twist=twist)
    return p.poll().b


def ioctl_seeds():
    for compat in (False, True):
        for in_place in (False, True):
            name = "send-receive-si-{}-{}".format("compat" if compat else "native", "inplace" if in_place else "retry")
            write("ioctl", name, send_and_receive(compat, in_place))
    # Between the retry rounds: the BMC answers (twist 4: round 1, act) or
    # the server forgets its plan (twist 8).
    write("ioctl", "send-receive-twist-act", send_and_receive(False, False, twist=0x04, act=bytes([8, 10, 0])))
    write("ioctl", "send-receive-twist-lost-plan", send_and_receive(False, False, twist=0x09))

    # With data, and a receive whose data buffer is too short (TRUNC: EMSGSIZE
    # with the message taken; plain: EMSGSIZE with it left queued).
    p = Ioctl().open().address(0x100, SI, 15).poke(0x200, bytes([1, 2, 3, 4]))
    p.request(0x0, 0x100, 8, 9, 0x0A, 0x43, data=0x200, data_len=4).ioctl(SEND, 0x0)
    p.answer_cc(0x00, bytes(range(40)))
    p.receive_buffer(0x300, 0x400, 32, 0x500, 4).ioctl(RECV, 0x300).ioctl(RECV_TRUNC, 0x300)
    write("ioctl", "receive-short-buffer", p.b)

    # IPMB through Send Message: the BMC accepts, the answer never comes,
    # the message handler times out with 0xC3 after its retries.
    p = Ioctl().open().address(0x100, IPMB, 0, b"\x30\x00")
    p.request(0x0, 0x100, 8, 11, 0x06, 0x01).ioctl(SEND, 0x0)
    p.answer_cc(0x00).advance(3000).answer_cc(0x00).advance(60000)
    p.receive_buffer(0x300, 0x400, 32, 0x500, 64).ioctl(RECV_TRUNC, 0x300)
    write("ioctl", "ipmb-timeout", p.b)

    # IPMB answered through Get Message (the BMC flags a message waiting).
    p = Ioctl().open().address(0x100, IPMB, 0, b"\x30\x00")
    p.request(0x0, 0x100, 8, 12, 0x06, 0x01).ioctl(SEND, 0x0).answer_cc(0x00)
    p.bmc_message(bytes([0x1C, 0x33, 0x00, 0x00, 0x81, 0x1C, 0x63, 0x30, 0x04, 0x01, 0x00, 0x20, 0x81]))
    p.answer_cc(0x00, bytes([0x00, 0x81, 0x1C, 0x63, 0x30, 0x04, 0x01, 0x00, 0x20, 0x81, 0x00]))
    p.receive_buffer(0x300, 0x400, 32, 0x500, 64).ioctl(RECV_TRUNC, 0x300)
    write("ioctl", "ipmb-get-message", p.b)

    # Broadcast, and LAN on channel 1.
    p = Ioctl().open().address(0x100, BROADCAST, 0, b"\x30\x00")
    p.request(0x0, 0x100, 8, 13, 0x06, 0x01).ioctl(SEND, 0x0).answer_cc(0x00).advance(10000)
    write("ioctl", "ipmb-broadcast", p.b)
    p = Ioctl().open().address(0x100, LAN, 1, b"\x04\x01\x81\x20\x00\x00")
    p.request(0x0, 0x100, 12, 14, 0x06, 0x01).ioctl(SEND, 0x0).answer_cc(0xC1).advance(10000)
    write("ioctl", "lan-send", p.b)

    # SETTIME with its own retries and time, native and compat.
    p = Ioctl().open().address(0x100, IPMB, 0, b"\x30\x00")
    p.request(0x0, 0x100, 8, 15, 0x06, 0x01, retries=2, retry_ms=500).ioctl(SEND_SETTIME, 0x0)
    p.request(0x80, 0x100, 8, 16, 0x06, 0x01, compat=True, retries=0, retry_ms=100).ioctl(C_SETTIME, 0x80, compat=True)
    p.answer_cc(0x00).advance(1000).answer_cc(0x00).advance(5000)
    write("ioctl", "settime", p.b)

    # Commands and events: register netfn 0x06 cmd 0x10 (chans too), take
    # events, the BMC delivers a command and an event.
    p = Ioctl().open().poke(0x600, bytes([0x06, 0x10])).ioctl(REG_CMD, 0x600)
    p.poke(0x610, struct.pack("<III", 0x06, 0x11, 0xFFFF)).ioctl(REG_CHANS, 0x610)
    p.poke(0x620, struct.pack("<i", 1)).ioctl(GETS_EVENTS, 0x620)
    p.bmc_message(bytes([0x1C, 0x33, 0x00, 0x00, 0x18, 0xC8, 0x81, 0x04, 0x10, 0xAA]))
    p.bmc_message(bytes([0x1C, 0x35, 0x00] + list(range(16))))
    p.receive_buffer(0x300, 0x400, 32, 0x500, 64).ioctl(RECV_TRUNC, 0x300).ioctl(RECV_TRUNC, 0x300)
    p.ioctl(UNREG_CMD, 0x600).ioctl(UNREG_CHANS, 0x610)
    write("ioctl", "commands-events", p.b)

    # The plain ioctls: addresses, LUNs, per-channel ones, timing, maintenance.
    p = Ioctl().open()
    p.poke(0x700, struct.pack("<I", 0x30)).ioctl(SET_ADDR, 0x700).ioctl(GET_ADDR, 0x704)
    p.poke(0x710, struct.pack("<I", 2)).ioctl(SET_LUN, 0x710).ioctl(GET_LUN, 0x714)
    p.poke(0x720, struct.pack("<HBx", 0, 0x32)).ioctl(SET_CHAN_ADDR, 0x720).ioctl(GET_CHAN_ADDR, 0x720)
    p.poke(0x730, struct.pack("<HBx", 0, 1)).ioctl(SET_CHAN_LUN, 0x730).ioctl(GET_CHAN_LUN, 0x730)
    p.poke(0x740, struct.pack("<iI", 3, 700)).ioctl(SET_TIMING, 0x740).ioctl(GET_TIMING, 0x748)
    p.poke(0x750, struct.pack("<i", 1)).ioctl(SET_MAINT, 0x750).ioctl(GET_MAINT, 0x754)
    write("ioctl", "plain-ioctls", p.b)

    # Faults: a null argument, a struct straddling the end of the mapping,
    # an address pointer to nothing; two files, one closed with a request out.
    p = Ioctl().open().open(1).address(0x100, SI, 15)
    p.ioctl(SEND, NULL_POINTER).ioctl(RECV, NULL_POINTER, in_place=True)
    p.request(0x0, NULL_POINTER, 8, 17, 0x06, 0x01).ioctl(SEND, 0x0)
    p.request(0x40, 0x100, 8, 18, 0x06, 0x01).ioctl(SEND, 0x40, slot=1).close(1)
    p.answer_cc(0x00)
    write("ioctl", "faults-and-close", p.b)

    # The interface answering garbage, short and mismatched responses.
    p = Ioctl().open().address(0x100, SI, 15)
    p.request(0x0, 0x100, 8, 19, 0x06, 0x01).ioctl(SEND, 0x0).answer_raw(b"\x1c")
    p.request(0x0, 0x100, 8, 20, 0x0A, 0x10).ioctl(SEND, 0x0).answer_raw(b"\x04\x22\x00\x01")
    p.bmc_message(b"\xff\xff").pretimeout()
    write("ioctl", "garbage-answers", p.b)


# --- watchdog_fuzz.cpp -----------------------------------------------------

WD = {  # indices into kCommands
    "GETSUPPORT": 0, "GETSTATUS": 1, "GETBOOTSTATUS": 2, "GETTEMP": 3, "SETOPTIONS": 4, "KEEPALIVE": 5,
    "SETTIMEOUT": 6, "GETTIMEOUT": 7, "SETPRETIMEOUT": 8, "GETPRETIMEOUT": 9, "GETTIMELEFT": 10,
}
PARAMS = ["timeout", "pretimeout", "action", "preaction", "preop", "start_now", "nowayout", "ifnum_to_use",
          "panic_wdt_timeout"]


class Watchdog:
    def __init__(self, params=(), version=2):
        self.b = bytes([len(params)])
        for name, value in params:
            self.b += bytes([PARAMS.index(name), len(value)]) + value.encode()
        self.b += bytes([version])

    def op(self, code, payload=b""):
        self.b += bytes([code]) + payload
        return self

    def open(self):
        return self.op(0)

    def release(self):
        return self.op(1)

    def write(self, data):
        return self.op(2, bytes([len(data)]) + data)

    def read(self, count=1, nonblock=True):
        return self.op(3, bytes([count, 1 if nonblock else 0]))

    def ioctl(self, name, offset=0):
        return self.op(4, bytes([WD[name], offset // 4]))

    def answer(self, data):
        return self.op(5, bytes([len(data)]) + data)

    def port(self, hold=False, fail=False):
        return self.op(6, bytes([(1 if hold else 0) | (2 if fail else 0)]))

    def advance(self, ms):
        return self.op(7, struct.pack("<H", ms))

    def pretimeout(self):
        return self.op(8)

    def parameter(self, name, value):
        return self.op(9, bytes([PARAMS.index(name), len(value)]) + value.encode())

    def poke(self, offset, data):
        return self.op(10, bytes([offset, len(data)]) + data)

    def interrupt(self):
        return self.op(11)

    def script(self, data):
        return self.op(12, bytes([len(data)]) + data)

    def shutdown(self, verb):
        return self.op(13, bytes([verb]))


def watchdog_seeds():
    w = Watchdog().open().ioctl("GETSUPPORT").ioctl("KEEPALIVE").write(b"xV").release()
    write("watchdog", "magic-close", w.b)
    w = Watchdog().open().poke(0, struct.pack("<i", 30)).ioctl("SETTIMEOUT").ioctl("GETTIMEOUT", 8)
    w.poke(16, struct.pack("<i", 10)).ioctl("SETPRETIMEOUT", 16).ioctl("GETPRETIMEOUT", 24)
    w.ioctl("GETSTATUS", 32).ioctl("GETBOOTSTATUS").ioctl("GETTEMP").ioctl("GETTIMELEFT").release()
    write("watchdog", "timeouts", w.b)
    w = Watchdog().open().poke(0, struct.pack("<i", 1)).ioctl("SETOPTIONS").poke(0, struct.pack("<i", 2))
    w.ioctl("SETOPTIONS").release()
    write("watchdog", "setoptions", w.b)
    w = Watchdog([("preaction", "pre_int"), ("preop", "preop_give_data"), ("pretimeout", "5")])
    w.open().write(b"k").read(1, nonblock=False).pretimeout().read(1).read(1, nonblock=True).interrupt().release()
    write("watchdog", "pretimeout-read", w.b)
    w = Watchdog().open().script(b"\x80").script(b"\x00").write(b"k").script(b"\x80").script(b"\x80")
    w.script(b"\x80").script(b"\x80").script(b"\x80").script(b"\x80").script(b"\x80").write(b"k").release()
    write("watchdog", "not-initialised", w.b)
    w = Watchdog().open().port(hold=True).write(b"k").ioctl("KEEPALIVE").answer(b"\x00").answer(b"\xc0")
    w.port().release()
    write("watchdog", "held-answers", w.b)
    w = Watchdog([("nowayout", "1"), ("start_now", "1"), ("action", "power_cycle")]).open().write(b"V").release()
    write("watchdog", "nowayout", w.b)
    w = Watchdog(version=1).open().write(b"k").parameter("timeout", "20").parameter("action", "reset")
    w.parameter("pretimeout", "50").parameter("preop", "bogus").release().shutdown(0).shutdown(2)
    write("watchdog", "ipmi10-parameters-shutdown", w.b)
    w = Watchdog().open().open().port(fail=True).write(b"k").port().script(b"").write(b"k").script(b"\xff")
    w.ioctl("KEEPALIVE", 0x1FC).release()
    write("watchdog", "errors", w.b)
    w = Watchdog([("preop", "preop_panic"), ("preaction", "pre_nmi")]).open().write(b"k").pretimeout().release()
    write("watchdog", "panic", w.b)


# --- daemon_config_fuzz.cpp ------------------------------------------------


def config(toml, *argv):
    return b"\0".join([toml.encode()] + [a.encode() for a in argv])


def daemon_config_seeds():
    with open(os.path.join(HERE, "..", "..", "packaging", "ipmi-cuse.toml"), "rb") as f:
        write("daemon_config", "packaged-config", f.read())
    write("daemon_config", "sim", config("[daemon]\nsim = true\nsim_interface = \"bt\"\nlog_level = \"debug\"\n"
                                         "debug = [\"core\", \"si\"]\n"))
    write("daemon_config", "si-lists", config("[ipmi_si]\ntype = \"kcs,bt\"\nports = [0xca2, 0xe4]\n"
                                              "regspacings = \"1,4\"\nregsizes = [1, 4]\nslave_addrs = \"0x20\"\n"
                                              "hotmod = \"add,kcs,i/o,0xca2\"\nforce_kipmid = \"0\"\n"))
    write("daemon_config", "ssif", config("[ipmi_ssif]\naddr = \"0x10\"\nadapter = \"i2c-0\"\ndbg = 7\n"
                                          "alerts_broken = true\n"))
    write("daemon_config", "watchdog", config("[ipmi_watchdog]\ntimeout = 30\npretimeout = 5\naction = \"reset\"\n"
                                              "preaction = \"pre_int\"\npreop = \"preop_give_data\"\n"
                                              "nowayout = \"Y\"\n"))
    write("daemon_config", "msghandler", config("[ipmi_msghandler]\npanic_op = \"string\"\nmax_users = 10\n"
                                                "max_msgs_per_user = 50\ndefault_retry_ms = 500\n"
                                                "[ipmi_poweroff]\npoweroff_powercycle = 1\n"))
    write("daemon_config", "device-nodes", config("[device]\nnames = [\"ipmi0\", \"bmc1\"]\nmode = 0o660\n"
                                                  "owner = \"root\"\ngroup = \"0\"\nwatchdog_name = \"watchdog0\"\n"
                                                  "major = 240\npoll_hold_us = 0\ncdi = false\n"
                                                  "[node.ipmi0-monitor]\ninterface = 0\npolicy = \"monitor\"\n"
                                                  "mode = \"0640\"\n"))
    write("daemon_config", "decimal-mode", config("[device]\nmode = 660\n"))
    write("daemon_config", "unknown-section", config("[ipmi_si]\nports = \"0xca2\"\n[bogus]\nx = 1\n"))
    write("daemon_config", "argv-module-options",
          config("", "--sim", "--ipmi_si.ports=0xca2", "--ipmi_watchdog.timeout=", "--ipmi_watchdog.nowayout",
                 "--device-name=ipmi0,ipmi1", "--node", "ipmi0-ro.policy=monitor", "--node", "ipmi0-ro.mode=0640"))
    write("daemon_config", "argv-config-and-options", config("[daemon]\nsim = true\n", "-c", "ignored",
                                                             "--log-level=warn", "--debug=all"))
    write("daemon_config", "argv-status", config("", "status", "--control-socket", "/run/x"))
    write("daemon_config", "argv-control", config("", "control", "panic-event", "it", "broke"))
    write("daemon_config", "argv-control-bad", config("", "control", "acpi-ipmi", "zz", "00"))
    write("daemon_config", "argv-shutdown-hook", config("", "shutdown-hook", "poweroff.target"))
    write("daemon_config", "argv-usage-errors", config("", "--no-such-option", "--node", "x"))
    write("daemon_config", "argv-version", config("", "--version"))


if __name__ == "__main__":
    ioctl_seeds()
    watchdog_seeds()
    daemon_config_seeds()
