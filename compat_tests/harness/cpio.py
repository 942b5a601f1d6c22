"""A writer for the kernel's initramfs format (cpio "newc").

The VM image is a stack of these archives concatenated: the kernel unpacks each
one in turn, so a per-test archive appended to a cached base one adds or
replaces files without rebuilding the base. Writing the format here (instead
of calling cpio(1)) makes every entry owned by root with fixed times, so the
same inputs give the same bytes.
"""

import os
import stat


class CpioWriter:
    """Collects entries in memory-friendly order and writes one newc archive."""

    def __init__(self, out):
        self._out = out
        self._ino = 1
        self._dirs = set()

    def _header(self, name, mode, size, nlink=1, rdev=(0, 0)):
        encoded = name.encode() + b"\0"
        fields = [
            self._ino, mode, 0, 0, nlink, 0, size,
            0, 0, rdev[0], rdev[1], len(encoded), 0,
        ]
        self._ino += 1
        head = b"070701" + b"".join(b"%08X" % f for f in fields)
        self._out.write(head + encoded)
        self._pad(len(head) + len(encoded))

    def _pad(self, length):
        rest = (-length) % 4
        if rest:
            self._out.write(b"\0" * rest)

    def _parents(self, name):
        parts = name.split("/")[:-1]
        for i in range(1, len(parts) + 1):
            self.directory("/".join(parts[:i]))

    def directory(self, name, mode=0o755):
        name = name.strip("/")
        if not name or name in self._dirs:
            return
        self._dirs.add(name)
        self._parents(name)
        self._header(name, stat.S_IFDIR | mode, 0, nlink=2)

    def data(self, name, payload, mode=0o644):
        name = name.strip("/")
        self._parents(name)
        self._header(name, stat.S_IFREG | mode, len(payload))
        self._out.write(payload)
        self._pad(len(payload))

    def file(self, name, source, mode=None):
        with open(source, "rb") as f:
            payload = f.read()
        if mode is None:
            mode = stat.S_IMODE(os.stat(source).st_mode)
        self.data(name, payload, mode)

    def symlink(self, name, target):
        name = name.strip("/")
        self._parents(name)
        payload = target.encode()
        self._header(name, stat.S_IFLNK | 0o777, len(payload))
        self._out.write(payload)
        self._pad(len(payload))

    def finish(self):
        self._header("TRAILER!!!", 0, 0, nlink=1)
