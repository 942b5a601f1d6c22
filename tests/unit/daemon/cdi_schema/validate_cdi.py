#!/usr/bin/env python3
"""Validates a CDI spec written by ipmi-cuse (see README.md beside this file).

Usage: validate_cdi.py SPEC.json. Exit 0 when it is valid; otherwise each
problem on its own line and exit 1.
"""

import json
import os
import re
import sys
import warnings

import jsonschema

HERE = os.path.dirname(os.path.abspath(__file__))

# What the CDI library 0.5.x (podman 4.3, Debian 12) accepts.
ACCEPTED_VERSIONS = {"0.1.0", "0.2.0", "0.3.0", "0.4.0", "0.5.0"}
# The JSON fields of its Go structs; it refuses any other (UnmarshalStrict).
SPEC_FIELDS = {"cdiVersion", "kind", "devices", "containerEdits"}
DEVICE_FIELDS = {"name", "containerEdits"}
EDITS_FIELDS = {"env", "deviceNodes", "hooks", "mounts"}
NODE_FIELDS = {"path", "hostPath", "type", "major", "minor", "fileMode", "permissions", "uid", "gid"}
VENDOR = re.compile(r"^[A-Za-z]([A-Za-z0-9_.-]*[A-Za-z0-9])?$")
CLASS = re.compile(r"^[A-Za-z]([A-Za-z0-9_-]*[A-Za-z0-9])?$")
NAME = re.compile(r"^[A-Za-z0-9]([A-Za-z0-9_.:-]*[A-Za-z0-9])?$")


def load(name):
    with open(os.path.join(HERE, name)) as f:
        return json.load(f)


def schema_problems(spec):
    schema = load("schema.json")
    base = "file://" + os.path.join(HERE, "schema.json")
    store = {base: schema, "file://" + os.path.join(HERE, "defs.json"): load("defs.json")}
    with warnings.catch_warnings():
        # RefResolver is deprecated in newer jsonschema, the only one Debian 12 has.
        warnings.simplefilter("ignore", DeprecationWarning)
        resolver = jsonschema.RefResolver(base, schema, store=store)
        validator = jsonschema.Draft7Validator(schema, resolver=resolver)
        return [f"schema: {'/'.join(map(str, e.absolute_path))}: {e.message}" for e in validator.iter_errors(spec)]


def unknown(where, obj, known):
    return [f"{where}: field '{k}' is unknown to cdiVersion 0.5.0 readers" for k in sorted(set(obj) - known)]


def reader_problems(spec):
    problems = unknown("spec", spec, SPEC_FIELDS)
    if spec.get("cdiVersion") not in ACCEPTED_VERSIONS:
        problems.append(f"cdiVersion {spec.get('cdiVersion')!r} is not one podman 4.3 reads")
    vendor, _, cls = str(spec.get("kind", "")).partition("/")
    if not VENDOR.match(vendor) or not CLASS.match(cls):
        problems.append(f"kind {spec.get('kind')!r} is not vendor/class")
    devices = spec.get("devices", [])
    if not devices:
        problems.append("devices: a spec needs at least one device")
    names = [d.get("name") for d in devices]
    if len(set(names)) != len(names):
        problems.append(f"devices: names repeat: {names}")
    for d in devices:
        where = f"device {d.get('name')!r}"
        problems += unknown(where, d, DEVICE_FIELDS)
        if not NAME.match(str(d.get("name", ""))):
            problems.append(f"{where}: not a CDI device name")
        edits = d.get("containerEdits", {})
        problems += unknown(where + " containerEdits", edits, EDITS_FIELDS)
        for node in edits.get("deviceNodes", []):
            problems += unknown(where + " deviceNode", node, NODE_FIELDS)
            if node.get("type") not in ("", "b", "c", "u", "p", None):
                problems.append(f"{where}: type {node.get('type')!r}")
            if not set(node.get("permissions", "")) <= set("rwm"):
                problems.append(f"{where}: permissions {node.get('permissions')!r}")
            if not str(node.get("path", "")).startswith("/"):
                problems.append(f"{where}: path {node.get('path')!r} is not absolute")
    return problems


def main():
    if len(sys.argv) != 2:
        sys.exit("usage: validate_cdi.py SPEC.json")
    with open(sys.argv[1]) as f:
        spec = json.load(f)
    problems = schema_problems(spec) + reader_problems(spec)
    for p in problems:
        print(p)
    print(f"{sys.argv[1]}: {'valid' if not problems else f'{len(problems)} problem(s)'}")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
