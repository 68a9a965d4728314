#!/usr/bin/env python3
"""Write a JSON policy file (docs/admin/policy.md) as a .reg file in the
registry layout of docs/admin/outlook.md (win32-common/policy-reg.c), so the
Windows host's tests run the Linux host's request/response table over the
same policy. Keys: snake_case members become CamelCase subkeys and values;
`routes` (an object keyed by name) becomes Routes\\<n> with Name; `triggers`
becomes Triggers\\<n>; a route's or trigger's `label` ({en, ja}) becomes
LabelEn and LabelJa; lists are REG_MULTI_SZ, booleans and integers REG_DWORD
(`bytes` REG_QWORD), strings REG_SZ.

    policy-to-reg.py POLICY.json OUT.reg [ROOT]
"""
import json
import sys

ROOT = r"HKEY_LOCAL_MACHINE\Software\Policies\sealgate"


def camel(name):
    return "".join(p[:1].upper() + p[1:] for p in name.split("_"))


def reg_string(s):
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'


def value(name, v):
    if isinstance(v, bool):
        return f'"{name}"=dword:{int(v):08x}'
    if isinstance(v, int):
        if name == "Bytes":
            return f'"{name}"=hex(b):' + ",".join(f"{b:02x}" for b in v.to_bytes(8, "little"))
        return f'"{name}"=dword:{v:08x}'
    if isinstance(v, str):
        return f'"{name}"={reg_string(v)}'
    if isinstance(v, list):
        data = "".join(s + "\0" for s in v) + "\0"
        raw = data.encode("utf-16-le")
        return f'"{name}"=hex(7):' + ",".join(f"{b:02x}" for b in raw)
    raise ValueError(f"{name}: cannot write {v!r}")


def main():
    policy = json.load(open(sys.argv[1], encoding="utf-8"))
    root = sys.argv[3] if len(sys.argv) > 3 else ROOT
    keys = {}  # path -> [value lines]

    def put(path, name, v):
        keys.setdefault(path, []).append(value(name, v))

    for section, body in policy.items():
        if section == "version":
            continue
        if section == "routes":
            for i, (name, route) in enumerate(body.items()):
                put(rf"Routes\{i}", "Name", name)
                for k, v in route.items():
                    if k == "headers":
                        for hn, hv in v.items():
                            put(rf"Routes\{i}\Headers", hn, hv)
                    elif k == "label":
                        put(rf"Routes\{i}", "LabelEn", v["en"])
                        put(rf"Routes\{i}", "LabelJa", v["ja"])
                    else:
                        put(rf"Routes\{i}", camel(k), v)
        elif section == "triggers":
            for i, t in enumerate(body):
                for k, v in t.items():
                    if k == "label":
                        put(rf"Triggers\{i}", "LabelEn", v["en"])
                        put(rf"Triggers\{i}", "LabelJa", v["ja"])
                    else:
                        put(rf"Triggers\{i}", camel(k), v)
        elif isinstance(body, dict):
            for k, v in body.items():
                if isinstance(v, dict):
                    for k2, v2 in v.items():
                        put(rf"{camel(section)}\{camel(k)}", camel(k2), v2)
                else:
                    put(camel(section), camel(k), v)
        else:
            raise ValueError(f"{section}: not an object")
    lines = ["Windows Registry Editor Version 5.00", "", f"[-{root}]", "", f"[{root}]", ""]
    for path in sorted(keys):
        lines.append(f"[{root}\\{path}]")
        lines.extend(keys[path])
        lines.append("")
    open(sys.argv[2], "w", encoding="utf-16").write("\r\n".join(lines) + "\r\n")


if __name__ == "__main__":
    main()
