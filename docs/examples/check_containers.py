#!/usr/bin/env python3
"""Checks that the commands of docs/containers.md are the ones that are run.

1. Every ```sh block of the page is a block of docs/examples/containers.sh
   (between "# >>> NAME" and "# <<<", word for word), or one of NOT_RUN
   below, which says why it is not run.
2. `containers.sh docker-cli` runs the page's `docker run` command lines
   through the docker client on PATH (if there is one), against a stand-in
   daemon on a unix socket that answers the client's ping, records each
   container it is asked to create and creates nothing. The client parses
   the whole command line before it asks, so a refused argument fails here;
   the records must carry the devices, cgroup rules and command the page
   means. The blocks that need CUSE run in the VM (the compat suite's
   `containers` scenario).

    check_containers.py [--root DIR]

Exit status 0 when all hold; otherwise each failure on its own line.
"""

import argparse
import http.server
import json
import os
import re
import shutil
import socketserver
import subprocess
import sys
import tempfile
import threading

# ```sh blocks of the page that are not run, by their first line, with why.
NOT_RUN = {
    "podman run --rm --device ipmi-cuse.org/ipmi=ipmi0-monitor debian:12 \\":
        "podman and a CDI-enabled runtime are not on the build machines",
    "journalctl -t ipmi-cuse IPMI_NODE=ipmi0-monitor IPMI_EVENT=refused":
        "the VM has no journal; the audit records themselves are checked by the policy-nodes scenario",
}

# What each `docker run` of the page must ask the daemon for, in order:
# (image, devices as (host, container), cgroup rules, the command's first words).
EXPECTED = [
    ("debian-with-ipmitool", [("/dev/ipmi0", "/dev/ipmi0")], [], ["ipmitool", "mc", "info"]),
    ("debian-with-ipmitool", [("/dev/ipmi0-monitor", "/dev/ipmi0")], [], ["ipmitool", "sdr", "list"]),
    ("debian-with-ipmitool", [("/dev/ipmi0-monitor", "/dev/ipmi0")], [], ["ipmitool", "chassis", "power", "off"]),
    ("debian-with-ipmitool", [], ["c 120:256 rwm"], ["sh", "-c"]),
    ("debian-with-ipmi-cuse", [("/dev/cuse", "/dev/cuse")], [f"c {m}:* rwm" for m in range(234, 255)],
     ["sh", "-c"]),
]

failures = []


def fail(message):
    failures.append(message)


def page_blocks(text):
    return [m.group(1) for m in re.finditer(r"^```sh\n(.*?)^```$", text, re.S | re.M)]


def script_blocks(text):
    return {m.group(1): m.group(2) for m in re.finditer(r"^# >>> (\S+)\n(.*?)^# <<<$", text, re.S | re.M)}


def check_blocks(page, script):
    blocks = script_blocks(script)
    used = set()
    for block in page_blocks(page):
        first = block.split("\n", 1)[0]
        if first in NOT_RUN:
            continue
        names = [name for name, body in blocks.items() if body == block]
        if not names:
            fail(f"containers.md: this ```sh block is not in containers.sh (nor in NOT_RUN):\n{block}")
        used.update(names)
    for name in sorted(set(blocks) - used):
        fail(f"containers.sh: block {name} is not on the page (any more)")
    for first in NOT_RUN:
        if not any(b.split("\n", 1)[0] == first for b in page_blocks(page)):
            fail(f"check_containers.py: NOT_RUN names a block the page no longer has: {first}")


class StandInDaemon(http.server.BaseHTTPRequestHandler):
    """Docker's API, as far as `docker run` goes before a container exists."""

    creates = []

    def _ping(self):
        self.send_response(200)
        self.send_header("API-Version", "1.41")
        self.send_header("OSType", "linux")
        self.send_header("Content-Length", "2")
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(b"OK")

    def do_HEAD(self):
        self._ping()

    def do_GET(self):
        if self.path.endswith("/_ping"):
            self._ping()
        else:
            self._refuse(404, f"stand-in daemon: no {self.path}")

    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        if re.search(r"/containers/create(\?|$)", self.path):
            StandInDaemon.creates.append(json.loads(body))
        self._refuse(500, "stand-in daemon: recorded, not created")

    def _refuse(self, status, message):
        payload = json.dumps({"message": message}).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, *args):
        pass


class UnixServer(socketserver.ThreadingMixIn, socketserver.UnixStreamServer):
    daemon_threads = True

    def get_request(self):
        request, _ = super().get_request()
        return request, ("stand-in", 0)


def check_docker(root):
    docker = shutil.which("docker")
    if not docker:
        print("check_containers: no docker client on PATH; the docker command lines were not checked")
        return
    with tempfile.TemporaryDirectory() as tmp:
        sock = os.path.join(tmp, "docker.sock")
        server = UnixServer(sock, StandInDaemon)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        try:
            env = dict(os.environ, DOCKER_HOST=f"unix://{sock}", DOCKER_CONFIG=tmp)
            done = subprocess.run(["sh", os.path.join(root, "docs", "examples", "containers.sh"), "docker-cli"],
                                  env=env, capture_output=True, text=True, timeout=120)
        finally:
            server.shutdown()
            server.server_close()
    output = done.stdout + done.stderr
    for refusal in ("invalid argument", "unknown flag", "Usage:"):
        if refusal in output:
            fail(f"docker refused a command line of the page:\n{output}")
            return
    creates = StandInDaemon.creates
    if len(creates) != len(EXPECTED):
        fail(f"docker asked for {len(creates)} containers, the page has {len(EXPECTED)} docker runs:\n{output}")
        return
    for n, (create, (image, devices, rules, command)) in enumerate(zip(creates, EXPECTED), 1):
        host = create.get("HostConfig", {})
        got_devices = [(d["PathOnHost"], d["PathInContainer"]) for d in host.get("Devices") or []]
        got = (create.get("Image"), got_devices, host.get("DeviceCgroupRules") or [],
               (create.get("Cmd") or [])[:len(command)])
        if got != (image, devices, rules, command):
            fail(f"docker run #{n}: asked for {got}, the page means {(image, devices, rules, command)}")
    print(f"check_containers: {docker} took all {len(creates)} docker command lines of the page")


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--root", default=os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
    args = p.parse_args()
    with open(os.path.join(args.root, "docs", "containers.md")) as f:
        page = f.read()
    with open(os.path.join(args.root, "docs", "examples", "containers.sh")) as f:
        script = f.read()
    check_blocks(page, script)
    check_docker(args.root)
    for message in failures:
        print(message)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
