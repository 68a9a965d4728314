#!/usr/bin/env python3
"""Write the add-in tests' policy as a .reg file (regedit /S imports it) under
HKLM\\Software\\Policies\\sealgate, in the layout of docs/admin/outlook.md:
corp.example and its subdomains internal, a prompt for external mail
(encrypt / portal / send with a justification / cancel), Outlook's S/MIME for
encryption with a gateway fallback, card numbers blocked, .zip attachments
routed to the portal, a classification header
(X-Classification: secret, with its own label for users) blocked, My Numbers
blocked, and "send" forbidden for a subject with the keyword "board-only".

    addin-policy.py OUT.reg
"""
import sys

ROOT = r"HKEY_LOCAL_MACHINE\Software\Policies\sealgate"
POLICY = {
    "Internal": {"Domains": ["corp.example", "*.corp.example"]},
    "External": {"Action": "prompt"},
    "Prompt": {
        "Choices": ["encrypt", "route:portal", "send", "cancel"],
        "RequireJustification": 1,
        "TimeoutSeconds": 120,
        "JustificationHeader": "X-SecureSend-Justification",
    },
    "Encrypt": {"Methods": ["smime"], "Fallback": ["gateway-smime"]},
    r"Routes\0": {"Name": "portal", "SubjectTag": "[secure]"},
    r"Routes\0\Headers": {"X-SecureSend-Route": "portal"},
    r"Routes\1": {"Name": "gateway-smime"},
    r"Routes\1\Headers": {"X-SecureSend-Route": "smime"},
    r"Triggers\0": {"Type": "credit_card", "Action": "block"},
    r"Triggers\1": {"Type": "attachment_extension", "Action": "route", "Route": "portal", "Extensions": ["zip"]},
    r"Triggers\2": {"Type": "header", "Action": "block", "Name": "X-Classification", "Values": ["secret"],
                    "LabelEn": "The message is classified as secret.",
                    "LabelJa": "このメールは「極秘」に区分されています。"},
    r"Triggers\3": {"Type": "my_number", "Action": "block"},
    r"Triggers\4": {"Id": "board-only", "Type": "subject_keyword", "Action": "prompt", "Keywords": ["board-only"],
                    "ForbidSend": 1},
}


def value(v):
    if isinstance(v, int):
        return "dword:%08x" % v
    if isinstance(v, list):
        raw = "".join(s + "\0" for s in v) + "\0"
        return "hex(7):" + ",".join("%02x" % b for b in raw.encode("utf-16-le"))
    return '"%s"' % v.replace("\\", "\\\\").replace('"', '\\"')


def main():
    lines = ["Windows Registry Editor Version 5.00", ""]
    for key, values in POLICY.items():
        lines.append("[%s\\%s]" % (ROOT, key))
        for name, v in values.items():
            lines.append('"%s"=%s' % (name, value(v)))
        lines.append("")
    with open(sys.argv[1], "w", encoding="utf-16") as f:
        f.write("\r\n".join(lines) + "\r\n")


main()
