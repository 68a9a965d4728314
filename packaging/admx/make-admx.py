#!/usr/bin/env python3
"""Write sealgate.admx and its en-US and ja-JP .adml from one table, so the
three files always declare the same policies, strings and presentations.
Every text of the .adml files (titles, explanations, control labels, list
items) comes from the one catalog, catalog/texts.json (the entries whose
"for" lists "admx", ids admx_*): this file holds only the structure, the
registry layout and the numbers it fills in. Run from anywhere:
python3 packaging/admx/make-admx.py (--check: exit 1 when the files in the
tree are not what the catalog makes). The registry layout is
win32-common/policy-reg.c's (docs/admin/outlook.md);
tests/win32/check-admx.py checks that the reader and the ADMX name the same
values, tests/unit/check-admx-catalog.py that the texts are the catalog's."""
import importlib.util
import pathlib
import re
import sys
from xml.sax.saxutils import escape, quoteattr

HERE = pathlib.Path(__file__).resolve().parent
SOURCE_ROOT = HERE.parent.parent
POLICY_H = SOURCE_ROOT / "core/engine/sealgate/policy.h"
TEXTS = SOURCE_ROOT / "catalog/texts.json"
LANGS = {"en-US": "en", "ja-JP": "ja"}


def load_catalog():
    """The catalog's admx texts by id, loaded (and checked) by catalog/catalog.py."""
    spec = importlib.util.spec_from_file_location("catalog", SOURCE_ROOT / "catalog/catalog.py")
    catalog = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(catalog)
    return {t["id"]: t for t in catalog.for_client(catalog.load(TEXTS), "admx")}


CATALOG = load_catalog()
PH = re.compile(r"\{(\d)\}")


def text(tid, lang, *args):
    """The catalog's text `tid` in `lang` (en, ja), placeholders {1}, {2}, ...
    filled with `args` (numbers with thousands separators)."""
    t = CATALOG.get(tid)
    if t is None:
        raise SystemExit(f"make-admx.py: no text {tid} for admx in catalog/texts.json")

    def fill(m):
        v = args[int(m.group(1)) - 1]
        return f"{v:,}" if isinstance(v, int) else str(v)

    return PH.sub(fill, t[lang])


def snake(name):
    return re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", name).lower()


def policy_limits():
    """The SG_POLICY_* (and SG_MSG_*) numbers of core/engine/sealgate/policy.h, the
    one place the settings' ranges and defaults are written (its sg_settings and
    trigger-key tables use them); SG_POLICY_X is LIM["X"], SG_MSG_X is LIM["MSG_X"]."""
    src = POLICY_H.read_text(encoding="utf-8")
    return {m.group(1): int(m.group(2))
            for m in re.finditer(r"^#define SG_(?:POLICY_)?(\w+)\s+(\d+)\b", src, re.M)}


LIM = policy_limits()
ROOT = r"Software\Policies\sealgate"
ROUTE_SLOTS = 8     # the reader takes up to 64 routes; more through the registry directly
TRIGGER_SLOTS = 16  # the reader takes up to 256 triggers
# A label is at most SG_POLICY_LABEL_MAX bytes of UTF-8: as many ASCII
# characters, a third as many Japanese ones (3 bytes each).
LABEL_CHARS = (LIM["LABEL_MAX"], LIM["LABEL_MAX"] // 3)

ACTIONS = ["prompt", "route", "encrypt", "block", "allow"]
TRIGGER_ACTIONS = ["prompt", "route", "encrypt", "block"]
TRIGGER_TYPES = ["attachments", "attachment_extension", "attachment_type", "attachment_size", "subject_keyword",
                 "external_domains", "credit_card", "my_number", "body_pattern", "header"]

# Element kinds: multi (REG_MULTI_SZ), text (REG_SZ), etext (REG_EXPAND_SZ), dec (REG_DWORD),
# bool (REG_DWORD 1/0), enum (REG_SZ from a list), list (one REG_SZ per header, in a subkey).
# (id, kind, value name, extra); a control's label is the catalog's
# admx_label_<value name in snake case>.


def policies():
    """(name, category, key, elements, texts): texts is (catalog id of the
    title, the numbers its title and explanation take); the explanation is
    the id + "_explain"."""
    P = []

    def add(name, cat, key, elements, tid=None, args=(), title_args=()):
        P.append(dict(name=name, cat=cat, key=key, elements=elements, tid=tid or "admx_" + snake(name),
                      args=args, title_args=title_args))

    add("Version", "sealgate", ROOT, [("Version", "dec", "Version", dict(min=1, max=1))])
    for sec in ("Internal", "Exceptions"):
        add(sec + "Domains", "sealgate", ROOT + "\\" + sec, [("Domains", "multi", "Domains", {})],
            args=(LIM["DOMAINS_MAX"],))
        add(sec + "Addresses", "sealgate", ROOT + "\\" + sec, [("Addresses", "multi", "Addresses", {})],
            args=(LIM["ADDRESSES_MAX"],))
    add("ExternalAction", "sealgate", ROOT + "\\External",
        [("Action", "enum", "Action", dict(items=ACTIONS)), ("Route", "text", "Route", {})])
    add("PromptChoices", "sealgate", ROOT + "\\Prompt", [("Choices", "multi", "Choices", {})])
    add("PromptRequireJustification", "sealgate", ROOT + "\\Prompt",
        [("RequireJustification", "bool", "RequireJustification", {})])
    add("PromptAcceptComposeChoice", "sealgate", ROOT + "\\Prompt",
        [("AcceptComposeChoice", "bool", "AcceptComposeChoice", {})])
    add("PromptFallback", "sealgate", ROOT + "\\Prompt", [("Fallback", "text", "Fallback", {})])
    add("PromptRecommended", "sealgate", ROOT + "\\Prompt", [("Recommended", "text", "Recommended", {})])
    add("PromptTimeout", "sealgate", ROOT + "\\Prompt",
        [("TimeoutSeconds", "dec", "TimeoutSeconds",
          dict(min=LIM["PROMPT_TIMEOUT_MIN"], max=LIM["PROMPT_TIMEOUT_MAX"]))],
        args=(LIM["PROMPT_TIMEOUT_MIN"], LIM["PROMPT_TIMEOUT_MAX"], LIM["PROMPT_TIMEOUT_DEFAULT"]))
    add("PromptJustificationHeader", "sealgate", ROOT + "\\Prompt",
        [("JustificationHeader", "text", "JustificationHeader", {}),
         ("JustificationTo", "enum", "JustificationTo", dict(items=["message", "gateway", "audit"]))])
    add("EncryptMethods", "sealgate", ROOT + "\\Encrypt", [("Methods", "multi", "Methods", {})])
    add("EncryptFallback", "sealgate", ROOT + "\\Encrypt", [("Fallback", "multi", "Fallback", {})])
    add("EncryptSplitDelivery", "sealgate", ROOT + "\\Encrypt", [("SplitDelivery", "bool", "SplitDelivery", {})])
    add("Audit", "sealgate", ROOT + "\\Audit",
        [("Enabled", "bool", "Enabled", {}), ("Directory", "etext", "Directory", {}),
         ("RetentionDays", "dec", "RetentionDays", dict(min=0, max=LIM["AUDIT_RETENTION_MAX"])),
         ("Required", "bool", "Required", {}), ("Journal", "bool", "Journal", {})],
        args=(LIM["AUDIT_RETENTION_MAX"], LIM["AUDIT_RETENTION_DEFAULT"]))
    add("Addresses", "sealgate", ROOT + "\\Addresses",
        [("SubaddressDelimiters", "text", "SubaddressDelimiters", {}),
         ("SourceRoutes", "text", "SourceRoutes", {})],
        args=(LIM["SUBADDRESS_DELIMITERS_MAX"],))
    # Mis-send prevention (誤送信防止; docs/admin/policy.md): core's settings table's prompt.confirm*,
    # send.* and rules.* keys, read by win32-common/policy-reg.c.
    add("PromptConfirm", "sealgate", ROOT + "\\Prompt",
        [("Confirm", "enum", "Confirm", dict(items=["none", "external", "all"])),
         ("ConfirmAttachments", "bool", "ConfirmAttachments", {}),
         ("AllowCheckAll", "bool", "AllowCheckAll", {}),
         ("ShowSender", "bool", "ShowSender", {}),
         ("ConfirmSender", "bool", "ConfirmSender", {})])
    add("SendDelay", "sealgate", ROOT + "\\Send",
        [("DelaySeconds", "dec", "DelaySeconds", dict(min=0, max=LIM["SEND_DELAY_MAX"])),
         ("DelaySkippable", "bool", "DelaySkippable", {}),
         ("DelayMode", "enum", "DelayMode", dict(items=["countdown", "deferred"])),
         ("DelayScope", "enum", "DelayScope", dict(items=["external", "all"]))],
        args=(LIM["SEND_DELAY_MAX"],))
    add("RulesConvertToBcc", "sealgate", ROOT + "\\Rules\\ConvertToBcc",
        [("MinDomains", "dec", "MinDomains", dict(min=0, max=LIM["BCC_MIN_MAX"])),
         ("MinAddresses", "dec", "MinAddresses", dict(min=0, max=LIM["BCC_MIN_MAX"])),
         ("BccMode", "enum", "Mode", dict(items=["auto", "ask"])),
         ("Placeholder", "text", "Placeholder", {})],
        args=(LIM["BCC_MIN_MAX"],))
    add("RulesNewDomainInReply", "sealgate", ROOT + "\\Rules",
        [("NewDomainInReply", "enum", "NewDomainInReply", dict(items=["off", "prompt", "block"]))])
    for n in range(ROUTE_SLOTS):
        add(f"Route{n}", "Routes", ROOT + f"\\Routes\\{n}",
            [(f"Route{n}_Name", "text", "Name", dict(required=True)),
             (f"Route{n}_SubjectTag", "text", "SubjectTag", {}),
             (f"Route{n}_LabelEn", "text", "LabelEn", {}),
             (f"Route{n}_LabelJa", "text", "LabelJa", {}),
             (f"Route{n}_Headers", "list", None, dict(key=ROOT + f"\\Routes\\{n}\\Headers"))],
            tid="admx_route", title_args=(n,), args=(LIM["NAME_MAX"], LIM["ROUTE_HEADERS_MAX"]) + LABEL_CHARS)
    for n in range(TRIGGER_SLOTS):
        add(f"Trigger{n}", "Triggers", ROOT + f"\\Triggers\\{n}",
            [(f"Trigger{n}_Type", "enum", "Type", dict(items=TRIGGER_TYPES, required=True)),
             (f"Trigger{n}_Action", "enum", "Action", dict(items=TRIGGER_ACTIONS, required=True)),
             (f"Trigger{n}_Route", "text", "Route", {}),
             (f"Trigger{n}_Id", "text", "Id", {}),
             (f"Trigger{n}_Scope", "enum", "Scope", dict(items=["external", "all"])),
             (f"Trigger{n}_ForbidSend", "bool", "ForbidSend", {}),
             (f"Trigger{n}_Extensions", "multi", "Extensions", {}),
             (f"Trigger{n}_Types", "multi", "Types", {}),
             (f"Trigger{n}_Bytes", "dec", "Bytes", dict(min=0, max=4294967295)),
             (f"Trigger{n}_Keywords", "multi", "Keywords", {}),
             (f"Trigger{n}_Min", "dec", "Min", dict(min=0, max=LIM["MSG_RECIPIENTS_MAX"])),
             (f"Trigger{n}_Patterns", "multi", "Patterns", {}),
             (f"Trigger{n}_Caseless", "bool", "Caseless", {}),
             (f"Trigger{n}_Name", "text", "Name", {}),
             (f"Trigger{n}_Values", "multi", "Values", {}),
             (f"Trigger{n}_LabelEn", "text", "LabelEn", {}),
             (f"Trigger{n}_LabelJa", "text", "LabelJa", {})],
            tid="admx_trigger", title_args=(n,), args=LABEL_CHARS)
    return P


# The dropdowns' items: the code (what the registry holds) and what it
# means, catalog admx_item_<code>.
ITEMS = ["prompt", "route", "encrypt", "block", "allow", "external", "all", "none", "countdown", "message",
         "gateway", "audit", "deferred", "auto", "ask", "off"] + TRIGGER_TYPES


def label_id(p, el):
    """The catalog id of an element's control label."""
    if el[2] is None:
        return "admx_label_headers"
    if el[1] == "text" and el[2] == "Name" and p["cat"] == "Triggers":
        return "admx_label_header_name"
    if el[1] == "text" and el[2] == "Name":
        return "admx_label_route_name"
    return "admx_label_" + snake(el[2])


def admx(P):
    out = ['<?xml version="1.0" encoding="utf-8"?>',
           '<!-- sealgate: Group Policy template. Generated by make-admx.py; do not edit by hand. -->',
           '<policyDefinitions xmlns:xsd="http://www.w3.org/2001/XMLSchema" '
           'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" revision="1.0" schemaVersion="1.0" '
           'xmlns="http://schemas.microsoft.com/GroupPolicy/2006/07/PolicyDefinitions">',
           '  <policyNamespaces>',
           '    <target prefix="sealgate" namespace="sealgate.Policies.sealgate" />',
           '    <using prefix="windows" namespace="Microsoft.Policies.Windows" />',
           '  </policyNamespaces>',
           '  <resources minRequiredRevision="1.0" />',
           '  <supportedOn>',
           '    <definitions>',
           '      <definition name="SUPPORTED_sealgate_0_1" displayName="$(string.SUPPORTED_sealgate_0_1)" />',
           '    </definitions>',
           '  </supportedOn>',
           '  <categories>',
           '    <category name="sealgate" displayName="$(string.sealgate)" />',
           '    <category name="Routes" displayName="$(string.Routes)"><parentCategory ref="sealgate" /></category>',
           '    <category name="Triggers" displayName="$(string.Triggers)"><parentCategory ref="sealgate" /></category>',
           '  </categories>',
           '  <policies>']
    for p in P:
        n = p["name"]
        out.append(f'    <policy name="{n}" class="Machine" displayName="$(string.{n})" '
                   f'explainText="$(string.{n}_Explain)" presentation="$(presentation.{n})" key={quoteattr(p["key"])}>')
        out.append(f'      <parentCategory ref="{p["cat"]}" />')
        out.append('      <supportedOn ref="SUPPORTED_sealgate_0_1" />')
        out.append('      <elements>')
        for eid, kind, value, x in p["elements"]:
            req = ' required="true"' if x.get("required") else ""
            if kind == "multi":
                out.append(f'        <multiText id="{eid}" valueName="{value}"{req} />')
            elif kind in ("text", "etext"):
                exp = ' expandable="true"' if kind == "etext" else ""
                out.append(f'        <text id="{eid}" valueName="{value}" maxLength="4096"{req}{exp} />')
            elif kind == "dec":
                out.append(f'        <decimal id="{eid}" valueName="{value}" minValue="{x["min"]}" '
                           f'maxValue="{x["max"]}"{req} />')
            elif kind == "bool":
                out.append(f'        <boolean id="{eid}" valueName="{value}">'
                           '<trueValue><decimal value="1" /></trueValue>'
                           '<falseValue><decimal value="0" /></falseValue></boolean>')
            elif kind == "enum":
                out.append(f'        <enum id="{eid}" valueName="{value}"{req}>')
                for it in x["items"]:
                    out.append(f'          <item displayName="$(string.item_{it})"><value><string>{it}</string>'
                               '</value></item>')
                out.append('        </enum>')
            elif kind == "list":
                out.append(f'        <list id="{eid}" key={quoteattr(x["key"])} explicitValue="true" />')
        out.append('      </elements>')
        out.append('    </policy>')
    out += ['  </policies>', '</policyDefinitions>', '']
    return "\n".join(out)


def adml(P, locale):
    lang = LANGS[locale]
    s = [("sealgate", text("admx_category_sealgate", lang)),
         ("SUPPORTED_sealgate_0_1", text("admx_supported", lang)),
         ("Routes", text("admx_category_routes", lang)),
         ("Triggers", text("admx_category_triggers", lang))]
    for it in ITEMS:
        s.append(("item_" + it, text("admx_item_" + it, lang)))
    for p in P:
        s.append((p["name"], text(p["tid"], lang, *p["title_args"])))
        s.append((p["name"] + "_Explain", text(p["tid"] + "_explain", lang, *p["args"])))
    out = ['<?xml version="1.0" encoding="utf-8"?>',
           '<!-- sealgate: Group Policy strings. Generated by make-admx.py from catalog/texts.json; '
           'do not edit by hand. -->',
           '<policyDefinitionResources xmlns:xsd="http://www.w3.org/2001/XMLSchema" '
           'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" revision="1.0" schemaVersion="1.0" '
           'xmlns="http://schemas.microsoft.com/GroupPolicy/2006/07/PolicyDefinitions">',
           f'  <displayName>{escape(text("admx_display_name", lang))}</displayName>',
           f'  <description>{escape(text("admx_description", lang))}</description>',
           '  <resources>',
           '    <stringTable>']
    seen = set()
    for sid, t in s:
        if sid in seen:
            continue
        seen.add(sid)
        out.append(f'      <string id="{sid}">{escape(t)}</string>')
    out += ['    </stringTable>', '    <presentationTable>']
    for p in P:
        out.append(f'      <presentation id="{p["name"]}">')
        for el in p["elements"]:
            eid, kind = el[0], el[1]
            label = escape(text(label_id(p, el), lang))
            if kind == "multi":
                out.append(f'        <multiTextBox refId="{eid}">{label}</multiTextBox>')
            elif kind in ("text", "etext"):
                out.append(f'        <textBox refId="{eid}"><label>{label}</label></textBox>')
            elif kind == "dec":
                out.append(f'        <decimalTextBox refId="{eid}">{label}</decimalTextBox>')
            elif kind == "bool":
                out.append(f'        <checkBox refId="{eid}">{label}</checkBox>')
            elif kind == "enum":
                out.append(f'        <dropdownList refId="{eid}" noSort="true">{label}</dropdownList>')
            elif kind == "list":
                out.append(f'        <listBox refId="{eid}">{label}</listBox>')
        out.append('      </presentation>')
    out += ['    </presentationTable>', '  </resources>', '</policyDefinitionResources>', '']
    return "\n".join(out)


def outputs():
    """{path: contents} of the three files."""
    P = policies()
    files = {HERE / "sealgate.admx": admx(P)}
    for locale in LANGS:
        files[HERE / locale / "sealgate.adml"] = adml(P, locale)
    return files


def main(argv):
    files = outputs()
    if argv[1:] == ["--check"]:
        stale = [str(path.relative_to(SOURCE_ROOT)) for path, body in files.items()
                 if not path.exists() or path.read_text(encoding="utf-8") != body]
        if stale:
            print("not what catalog/texts.json makes (run: python3 packaging/admx/make-admx.py): "
                  + ", ".join(stale), file=sys.stderr)
            return 1
        return 0
    if argv[1:]:
        print("usage: make-admx.py [--check]", file=sys.stderr)
        return 2
    for path, body in files.items():
        path.parent.mkdir(exist_ok=True)
        path.write_text(body, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
