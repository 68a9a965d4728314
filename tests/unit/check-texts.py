#!/usr/bin/env python3
"""The text check: every user-facing text follows the glossary and the Japanese
typography rules (GLOSSARY.md, catalog/README.md). Prints TAP.

- catalog/texts.json: every text in ja and en, the same placeholders;
- Japanese texts: no ASCII ? ! ( ) (only an access key "(_E)" / "(&E)" at the
  end of a label), no ", " between Japanese words, no raw byte counts, none of
  the glossary's "avoid" terms; the same terms are absent from docs/user/ja.md
  and from the generated Japanese ADML;
- English texts: no byte counts, no "payment card", no "credit-card";
- the clients take their texts from the catalog: no Japanese in the extension's
  scripts or pages, the Outlook add-in's sources or the command line's sources
  (only in files generated from the catalog)."""
import json
import pathlib
import re
import sys

root = pathlib.Path(sys.argv[1])
checks = []


def check(ok, what):
    checks.append((bool(ok), what))


texts = json.loads((root / "catalog/texts.json").read_text(encoding="utf-8"))["texts"]
PH = re.compile(r"\{(\d)(?::[a-z]+)?\}")

# Access keys at the end of a label: 暗号化して送信(_E), 暗号化して送信(&E).
ACCESS_KEY = re.compile(r"\((?:_|&)[A-Za-z0-9]\)(?=$|:)")
JA_CHAR = re.compile(r"[\u3040-\u30ff\u3400-\u9fff\uff01-\uff60]")

# The glossary's "avoid" column: (pattern, what to use instead). Exceptions are
# written into the pattern (e.g. メッセージング, エラーメッセージ and Outlook's own
# 「メッセージ」 tab are other words).
AVOID = [
    (r"(?<!エラー)(?<!「)メッセージ(?!ング)(?!」タブ)", "メール (the mail being sent)"),
    (r"受信者|送信先", "宛先"),
    (r"組織外|社外組織|外部の", "社外"),
    (r"組織内", "社内"),
    (r"(?<!組織の)規定|規則", "ポリシー"),
    (r"安全な送信|安全に送信", "セキュア送信 / ポータル経由で送信"),
    (r"平文で送信|平文のまま", "暗号化せずに送信"),
    (r"暗号化送信", "暗号化して送信"),
    (r"経路", "ルート"),
    (r"制限された|保護が必要な|要保護", "保護対象の"),
    (r"語句", "キーワード"),
    (r"個人番号（マイナンバー）", "マイナンバー（個人番号）"),
    (r"らしきもの|と思われるもの|と思われる数字", "…と思われる番号"),
    (r"下書き", "作成中のメール"),
    (r"端末", "ターミナル"),
    (r"拡張機能", "アドオン / アドイン"),
    (r"アドオンマネージャー", "ツール → アドオンとテーマ"),
    (r"Windows 版 Outlook（クラシック）", "従来の Outlook for Windows"),
    (r"止めました", "送信を中止しました"),
    (r"合格|不合格", "正常 / 要対応"),
    (r"(?<!システム)(?<!システム )管理者(?!（情報システム部門）)(?!の方)", "システム管理者"),
    (r"あなたの", "ご自身の (or no possessive)"),
    (r"証明する", "（ローカル）署名する"),
]
AVOID_RE = [(re.compile(p), use) for p, use in AVOID]


# Texts that are a size formatter's own unit words: none in the catalog (the
# host sends sizes formatted by sg_format_size, the reasons' "shown").
SIZE_WORDS = set()

# Texts that name the unit of a number an administrator types (the Group
# Policy template's attachment_size field holds bytes): the unit, not a size.
UNIT_NAMES = {"admx_label_bytes"}

# One ASCII character quoted as itself (「!」「@」: the characters an
# address setting refuses) is data, not punctuation of the sentence.
QUOTED_CHAR = re.compile(r"「[!-~]」")


def ja_problems(s, allow_ascii_parens=False, size_words=False):
    """Typography and glossary problems of one Japanese text."""
    bad = []
    plain = QUOTED_CHAR.sub("「X」", ACCESS_KEY.sub("", s))
    plain = re.sub(r"\{\d(?::[a-z]+)?\}", "X", plain)
    if not allow_ascii_parens:
        for ch in "?!()":
            # ASCII marks next to Japanese text (an ASCII-only stretch such as
            # a command line "sealgate doctor (--json)" is not Japanese prose).
            for m in re.finditer(re.escape(ch), plain):
                near = plain[max(0, m.start() - 1) : m.end() + 1]
                if JA_CHAR.search(near) or ch in "?!":
                    bad.append(f"ASCII '{ch}' in Japanese text (use full-width)")
                    break
    for m in re.finditer(r", ", plain):
        near = plain[max(0, m.start() - 1) : m.end() + 1]
        if JA_CHAR.search(near):
            bad.append("', ' between Japanese words (use 、)")
            break
    if not size_words and (re.search(r"\d+\s*バイト|バイト数", plain) or re.search(r"\d{5,}", plain)):
        bad.append("a raw byte count (sizes come from the size formatter)")
    for rx, use in AVOID_RE:
        m = rx.search(s)
        if m:
            bad.append(f"glossary: avoid '{m.group(0)}', use {use}")
    return bad


# ---- the catalog -----------------------------------------------------------
seen = set()
for t in texts:
    tid = t["id"]
    check(tid not in seen, f"{tid}: one entry")
    seen.add(tid)
    for lang in ("en", "ja"):
        check(isinstance(t.get(lang), str) and t[lang].strip() != "", f"{tid}: has a {lang} text")
    en_ph = {m.group(1) for m in PH.finditer(t.get("en", "") + t.get("en_plural", ""))}
    ja_ph = {m.group(1) for m in PH.finditer(t.get("ja", ""))}
    check(ja_ph <= en_ph, f"{tid}: the ja text's placeholders are the English text's")
    # The ASCII parentheses of a command's usage synopsis ("[--json]") are syntax.
    probs = ja_problems(t.get("ja", ""), allow_ascii_parens=tid.endswith("_usage"), size_words=tid in SIZE_WORDS)
    check(not probs, f"{tid}: Japanese text follows the glossary" + ("".join("\n  # " + p for p in probs)))
    en = t.get("en", "") + " " + t.get("en_plural", "")
    en_bad = [w for w in (r"\b\d+ bytes?\b", r"\bbytes\b", r"payment card", r"credit-card", r"Individual Number \(My")
              if re.search(w, en) and not ((tid in SIZE_WORDS or tid in UNIT_NAMES) and "byte" in w)]
    check(not en_bad, f"{tid}: English text has no byte count and no avoided term" + "".join(f"\n  # {w}" for w in en_bad))

# ---- the docs and the Group Policy templates ---------------------------------
for rel in ("docs/user/ja.md", "packaging/admx/ja-JP/sealgate.adml"):
    path = root / rel
    if not path.exists():
        check(False, f"{rel} exists")
        continue
    text = path.read_text(encoding="utf-8")
    if rel.endswith(".md"):
        text = re.sub(r"```.*?```", "", text, flags=re.S)  # commands and samples
        text = re.sub(r"`[^`\n]*`", "", text)
    for rx, use in AVOID_RE:
        hits = [text[max(0, m.start() - 12) : m.end() + 12].replace("\n", " ") for m in rx.finditer(text)]
        check(not hits, f"{rel}: no '{rx.pattern}' (glossary: use {use})" + "".join(f"\n  # …{h}…" for h in hits[:5]))
    if rel.endswith(".md"):
        # One paragraph per line: a break between two Japanese characters shows as a space.
        wraps = [i + 1 for i, (a, b) in enumerate(zip(text.split("\n"), text.split("\n")[1:]))
                 if a and b and JA_CHAR.match(a[-1]) and JA_CHAR.match(b[0]) and not a.startswith(("|", "#"))]
        check(not wraps, f"{rel}: no Japanese paragraph hard-wrapped between two Japanese characters"
              + "".join(f"\n  # line {n}" for n in wraps[:10]))
        check(not re.search(r"まだありません|does not exist yet", text), f"{rel}: does not call shipped screens missing")

# ---- the clients take their texts from the catalog ----------------------------
GENERATED = {"messages.json"}
sources = []
for pattern in ("thunderbird-native/extension/**/*.js", "thunderbird-native/extension/*.html",
                "win32-mapi/*.c", "win32-common/*.c", "win32-mapi/*.rc", "cli/*.c", "gtk-prompt/*.c",
                "gtk-prompt/*.ui"):
    sources += sorted(root.glob(pattern))
for src in sources:
    if src.name in GENERATED:
        continue
    text = src.read_text(encoding="utf-8", errors="replace")
    # Comments may quote Japanese (explaining a separator, a test's intent).
    code = re.sub(r"/\*.*?\*/", "", text, flags=re.S)
    code = re.sub(r"(?m)^\s*//.*$", "", code)
    code = re.sub(r"<!--.*?-->", "", code, flags=re.S)
    hits = [line.strip() for line in code.splitlines()
            if JA_CHAR.search(line) or re.search(r"\\x[eE][3-9]\\x[89a-bA-B]", line)]
    # A list separator or a bracket may be a single character chosen by language.
    hits = [h for h in hits if not re.fullmatch(r'.*["\'](?:、|\\xE3\\x80\\x81)["\'].*', h)]
    check(not hits, f"{src.relative_to(root)}: no Japanese text outside the catalog"
          + "".join(f"\n  # {h[:100]}" for h in hits[:5]))

print(f"1..{len(checks)}")
for i, (ok, what) in enumerate(checks, 1):
    print(f"{'ok' if ok else 'not ok'} {i} - {what}")
sys.exit(0 if all(ok for ok, _ in checks) else 1)
