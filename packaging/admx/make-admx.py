#!/usr/bin/env python3
"""Write sealgate.admx and its en-US and ja-JP .adml from one table, so the
three files always declare the same policies, strings and presentations.
Run from anywhere: python3 packaging/admx/make-admx.py. The registry layout is
win32-common/policy-reg.c's (docs/admin/outlook.md); tests/win32/check-admx.py
checks that the reader and the ADMX name the same values."""
import pathlib
import re
from xml.sax.saxutils import escape, quoteattr

HERE = pathlib.Path(__file__).resolve().parent
POLICY_H = HERE.parent.parent / "core/engine/sealgate/policy.h"


def policy_limits():
    """The SG_POLICY_* (and SG_MSG_*) numbers of core/engine/sealgate/policy.h, the
    one place the settings' ranges and defaults are written (its sg_settings and
    trigger-key tables use them); SG_POLICY_X is LIM["X"], SG_MSG_X is LIM["MSG_X"]."""
    text = POLICY_H.read_text(encoding="utf-8")
    return {m.group(1): int(m.group(2))
            for m in re.finditer(r"^#define SG_(?:POLICY_)?(\w+)\s+(\d+)\b", text, re.M)}


LIM = policy_limits()
ROOT = r"Software\Policies\sealgate"
ROUTE_SLOTS = 8     # the reader takes up to 64 routes; more through the registry directly
TRIGGER_SLOTS = 16  # the reader takes up to 256 triggers

ACTIONS = ["prompt", "route", "encrypt", "block", "allow"]
TRIGGER_ACTIONS = ["prompt", "route", "encrypt", "block"]
TRIGGER_TYPES = ["attachments", "attachment_extension", "attachment_type", "attachment_size", "subject_keyword",
                 "external_domains", "credit_card", "my_number", "body_pattern", "header"]

# Element kinds: multi (REG_MULTI_SZ), text (REG_SZ), etext (REG_EXPAND_SZ), dec (REG_DWORD),
# bool (REG_DWORD 1/0), enum (REG_SZ from a list), list (one REG_SZ per header, in a subkey).
# (id, kind, value name, extra) ; labels per language in LABELS.


def policies():
    """(name, category, key, elements, en (title, explain), ja (title, explain))."""
    P = []

    def add(name, cat, key, elements, en, ja):
        P.append(dict(name=name, cat=cat, key=key, elements=elements, en=en, ja=ja))

    add("Version", "sealgate", ROOT, [("Version", "dec", "Version", dict(min=1, max=1))],
        ("Policy format version",
         "The format version of this policy. Must be 1 if set; may be left unset."),
        ("ポリシー形式のバージョン",
         "このポリシーの形式のバージョンです。設定する場合は 1 にしてください。未設定でもかまいません。"))
    for sec, sec_en, sec_ja, what_en, what_ja in [
            ("Internal", "Internal", "社内", "treated as inside the organisation", "社内として扱う"),
            ("Exceptions", "Exception", "例外", "treated as external even under an internal domain",
             "社内ドメインの下にあっても社外として扱う")]:
        add(sec + "Domains", "sealgate", ROOT + "\\" + sec, [("Domains", "multi", "Domains", {})],
            (f"{sec_en} domains",
             f"Domains {what_en}, one per line: \"corp.example\" (that domain only) or \"*.corp.example\" "
             "(every subdomain, not the domain itself). Unicode or xn-- form, any case. "
             "Policy key: " + sec.lower() + ".domains. At most 100,000 entries."),
            (f"{sec_ja}ドメイン",
             f"{what_ja}ドメインを 1 行に 1 つ書きます。\"corp.example\" はそのドメインだけ、"
             "\"*.corp.example\" はすべてのサブドメイン（そのドメイン自身は含みません）に一致します。"
             "Unicode 表記でも xn-- 表記でもよく、大文字小文字は区別しません。"
             "ポリシーのキー: " + sec.lower() + ".domains。最大 100,000 件です。"))
        add(sec + "Addresses", "sealgate", ROOT + "\\" + sec, [("Addresses", "multi", "Addresses", {})],
            (f"{sec_en} addresses",
             f"Single mailboxes (user@domain) {what_en}, one per line. Policy key: " + sec.lower() + ".addresses."),
            (f"{sec_ja}アドレス",
             f"{what_ja}メールアドレス（user@domain）を 1 行に 1 つ書きます。"
             "ポリシーのキー: " + sec.lower() + ".addresses。"))
    add("ExternalAction", "sealgate", ROOT + "\\External",
        [("Action", "enum", "Action", dict(items=ACTIONS)), ("Route", "text", "Route", {})],
        ("Action for mail to external recipients",
         "What sealgate does with a message that has at least one external recipient, before content "
         "triggers: prompt (ask the user), route (hand to the gateway through a route; name the route), "
         "encrypt, block or allow. Default: prompt. Policy keys: external.action, external.route."),
        ("社外宛てメールの処理",
         "社外の宛先を 1 つ以上含むメールに対して、内容のトリガーを評価する前に行う処理です。"
         "prompt（利用者に確認する）、route（ルートを通してゲートウェイに渡す。ルート名を指定）、"
         "encrypt（暗号化）、block（送信しない）、allow（そのまま送る）から選びます。既定は prompt です。"
         "ポリシーのキー: external.action、external.route。"))
    add("PromptChoices", "sealgate", ROOT + "\\Prompt", [("Choices", "multi", "Choices", {})],
        ("Prompt choices",
         "What the prompt offers, in order, one per line: encrypt, send, cancel or route:<route name>. "
         "cancel is always offered. Default: encrypt, send, cancel. Policy key: prompt.choices."),
        ("確認画面の選択肢",
         "確認画面に表示する選択肢を表示順に 1 行に 1 つ書きます。encrypt、send、cancel、"
         "route:<ルート名> が使えます。cancel は常に表示されます。既定は encrypt、send、cancel です。"
         "ポリシーのキー: prompt.choices。"))
    add("PromptRequireJustification", "sealgate", ROOT + "\\Prompt",
        [("RequireJustification", "bool", "RequireJustification", {})],
        ("Require a justification to send unencrypted",
         "When on, the user must give a reason to send a message in the clear. Default: off. "
         "Policy key: prompt.require_justification."),
        ("暗号化せずに送信するときに理由を求める",
         "オンにすると、暗号化せずに送信する場合に利用者は理由を入力する必要があります。既定はオフです。"
         "ポリシーのキー: prompt.require_justification。"))
    add("PromptAcceptComposeChoice", "sealgate", ROOT + "\\Prompt",
        [("AcceptComposeChoice", "bool", "AcceptComposeChoice", {})],
        ("Accept the method chosen in the compose window",
         "When on, a method the user chose before Send with Thunderbird's Secure send button answers the "
         "prompt, so no prompt is shown (never for sending in the clear when a justification is required). "
         "When off, the prompt still appears with that method as its default. Default: off. "
         "Policy key: prompt.accept_compose_choice."),
        ("作成画面で選んだ方法を確認画面の回答とする",
         "オンにすると、利用者が送信前に Thunderbird の「セキュア送信」ボタンで選んだ方法を確認画面の回答とし、"
         "確認画面を表示しません（理由の入力が必要な暗号化なしの送信は除きます）。オフにすると、確認画面は"
         "その方法を既定の選択として表示されます。既定はオフです。ポリシーのキー: prompt.accept_compose_choice。"))
    add("PromptFallback", "sealgate", ROOT + "\\Prompt", [("Fallback", "text", "Fallback", {})],
        ("Choice when no prompt can be shown",
         "The choice taken when a prompt is due but cannot be shown; one of the prompt choices. "
         "Default: cancel. Policy key: prompt.fallback."),
        ("確認画面を表示できないときの選択",
         "確認画面を表示すべきときに表示できなかった場合の選択です。確認画面の選択肢のいずれかを指定します。"
         "既定は cancel です。ポリシーのキー: prompt.fallback。"))
    add("PromptRecommended", "sealgate", ROOT + "\\Prompt", [("Recommended", "text", "Recommended", {})],
        ("Recommended choice",
         "The choice the prompt selects first and marks as recommended: encrypt or route:<route name>, "
         "one of the prompt choices. Default: the first of encrypt and the routes in the prompt choices. "
         "Policy key: prompt.recommended."),
        ("推奨する送信方法",
         "確認画面で最初に選択され、（推奨）と表示される選択肢です。encrypt または route:<ルート名> のうち、"
         "確認画面の選択肢にあるものを指定します。既定は、確認画面の選択肢のうち最初の encrypt またはルートです。"
         "ポリシーのキー: prompt.recommended。"))
    add("PromptTimeout", "sealgate", ROOT + "\\Prompt",
        [("TimeoutSeconds", "dec", "TimeoutSeconds",
          dict(min=LIM["PROMPT_TIMEOUT_MIN"], max=LIM["PROMPT_TIMEOUT_MAX"]))],
        ("Prompt timeout",
         "Seconds an unanswered prompt stays open before it is cancelled "
         f"({LIM['PROMPT_TIMEOUT_MIN']} to {LIM['PROMPT_TIMEOUT_MAX']}). "
         f"Default: {LIM['PROMPT_TIMEOUT_DEFAULT']}. Policy key: prompt.timeout_seconds."),
        ("確認画面のタイムアウト",
         f"応答のない確認画面を取り消すまでの秒数です（{LIM['PROMPT_TIMEOUT_MIN']}～{LIM['PROMPT_TIMEOUT_MAX']}）。"
         f"既定は {LIM['PROMPT_TIMEOUT_DEFAULT']} です。ポリシーのキー: prompt.timeout_seconds。"))
    add("PromptJustificationHeader", "sealgate", ROOT + "\\Prompt",
        [("JustificationHeader", "text", "JustificationHeader", {}),
         ("JustificationTo", "enum", "JustificationTo", dict(items=["message", "gateway", "audit"]))],
        ("Header for the justification",
         "A header starting with X- that carries the user's justification for sending in the clear. "
         "Default: none. Where the justification goes: message (the header, every recipient sees it; default), "
         "gateway (the header, which the mail gateway must remove) or audit (no header, the audit log only). "
         "Policy keys: prompt.justification_header, prompt.justification_to."),
        ("理由を記録するヘッダー",
         "暗号化せずに送信する理由を入れるヘッダー名です（X- で始まる名前）。既定はなしです。"
         "理由の送り先: message（ヘッダーに入れ、すべての宛先に届く。既定）、gateway（ヘッダーに入れ、"
         "メールゲートウェイが削除する）、audit（ヘッダーに入れず、監査ログにだけ残す）。"
         "ポリシーのキー: prompt.justification_header、prompt.justification_to。"))
    add("EncryptMethods", "sealgate", ROOT + "\\Encrypt", [("Methods", "multi", "Methods", {})],
        ("Encryption methods",
         "Local encryption methods allowed, preferred first, one per line: smime, openpgp. "
         "Outlook itself encrypts with S/MIME. Default: smime, openpgp. Policy key: encrypt.methods."),
        ("暗号化の方式",
         "使用を許可する暗号化方式を優先順に 1 行に 1 つ書きます（smime、openpgp）。"
         "Outlook 自身の暗号化は S/MIME です。既定は smime、openpgp です。ポリシーのキー: encrypt.methods。"))
    add("EncryptFallback", "sealgate", ROOT + "\\Encrypt", [("Fallback", "multi", "Fallback", {})],
        ("Routes when a recipient has no certificate",
         "Route names to use, in order, when a recipient has no usable certificate or key. "
         "Default: none. Policy key: encrypt.fallback."),
        ("証明書のない宛先に使うルート",
         "宛先に使える証明書や鍵がない場合に、順に使うルート名です。既定はなしです。"
         "ポリシーのキー: encrypt.fallback。"))
    add("EncryptSplitDelivery", "sealgate", ROOT + "\\Encrypt",
        [("SplitDelivery", "bool", "SplitDelivery", {})],
        ("Deliver by the best method per recipient",
         "When on, and some recipients are ready for local encryption and the others are not, Thunderbird "
         "sends two copies: encrypted to the ready recipients, through the first fallback route to the rest. "
         "Not done for Send Later, and never by the Outlook add-in. Default: off. "
         "Policy key: encrypt.split_delivery."),
        ("宛先ごとに最適な方法で送る",
         "オンにすると、ローカル暗号化の準備ができている宛先とできていない宛先が混在する場合、Thunderbird は"
         "2 通に分けて送信します。準備ができている宛先には暗号化したメールを、残りの宛先には最初の代替ルートで"
         "送ります。あとで送信する場合は分けません。Outlook アドインは分けません。既定はオフです。"
         "ポリシーのキー: encrypt.split_delivery。"))
    add("Audit", "sealgate", ROOT + "\\Audit",
        [("Enabled", "bool", "Enabled", {}), ("Directory", "etext", "Directory", {}),
         ("RetentionDays", "dec", "RetentionDays", dict(min=0, max=LIM["AUDIT_RETENTION_MAX"])),
         ("Required", "bool", "Required", {}), ("Journal", "bool", "Journal", {})],
        ("Audit log",
         "The local audit log of every send decision. Enabled: default on. Directory: default "
         "%LOCALAPPDATA%\\sealgate\\audit (environment variables are expanded). Retention in days: "
         f"0 to {LIM['AUDIT_RETENTION_MAX']}, "
         f"0 keeps files forever, default {LIM['AUDIT_RETENTION_DEFAULT']}. Required: when on and a record "
         "cannot be written, the message "
         "is not sent. Event Log: each record also goes to the Windows Event Log (Application log, source "
         "sealgate, event ID 1, the record's JSON as the event data), default off. "
         "Policy keys: audit.enabled, audit.directory, audit.retention_days, audit.required, audit.journal."),
        ("監査ログ",
         "送信の判断をすべて記録するローカルの監査ログです。有効: 既定はオン。保存先: 既定は "
         "%LOCALAPPDATA%\\sealgate\\audit（環境変数は展開されます）。"
         f"保存日数: 0～{LIM['AUDIT_RETENTION_MAX']}、0 は無期限、既定は {LIM['AUDIT_RETENTION_DEFAULT']}。"
         "必須: オンの場合、記録を書き込めないとメールは送信されません。"
         "イベント ログ: 各記録を Windows のイベント ログ（Application ログ、ソース sealgate、イベント ID 1、"
         "記録の JSON をイベント データとして）にも書き込みます。既定はオフ。"
         "ポリシーのキー: audit.enabled、audit.directory、audit.retention_days、audit.required、audit.journal。"))
    add("Addresses", "sealgate", ROOT + "\\Addresses",
        [("SubaddressDelimiters", "text", "SubaddressDelimiters", {}),
         ("SourceRoutes", "text", "SourceRoutes", {})],
        ("How addresses are compared",
         "Sub-address delimiters: the characters that start a sub-address in a local part, so that an internal "
         "or exception address also matches contractor+q3@corp.example (default +; empty for none; at most "
         f"{LIM['SUBADDRESS_DELIMITERS_MAX']} ASCII punctuation characters other than @ \" \\ . % !). "
         "Source routes: what a local part with %, ! or a quoted @ (bob%evil.net@corp.example, which a default "
         "Postfix relays outside) means: external (default: the recipient counts as external), error (the "
         "message is not evaluated) or domain (classified by its domain). "
         "Policy keys: addresses.subaddress_delimiters, addresses.source_routes."),
        ("アドレスの比較方法",
         "サブアドレスの区切り文字: ローカル部でサブアドレスを始める文字です。社内アドレスや例外アドレスが "
         "contractor+q3@corp.example にも一致するようになります（既定は +、空にすると使いません。"
         f"@ \" \\ . % ! 以外の ASCII 記号を最大 {LIM['SUBADDRESS_DELIMITERS_MAX']} 文字）。"
         "ソースルート: ローカル部に %、! または引用符で囲んだ @ を含むアドレス（既定の Postfix は "
         "bob%evil.net@corp.example を社外へ中継します）の扱いです。external（既定。社外の宛先とみなす）、"
         "error（メールを評価しない）、domain（ドメインで判定する）から選びます。"
         "ポリシーのキー: addresses.subaddress_delimiters、addresses.source_routes。"))
    # Mis-send prevention (誤送信防止; docs/admin/policy.md): core's settings table's prompt.confirm*,
    # send.* and rules.* keys, read by win32-common/policy-reg.c.
    add("PromptConfirm", "sealgate", ROOT + "\\Prompt",
        [("Confirm", "enum", "Confirm", dict(items=["none", "external", "all"])),
         ("ConfirmAttachments", "bool", "ConfirmAttachments", {}),
         ("AllowCheckAll", "bool", "AllowCheckAll", {}),
         ("ShowSender", "bool", "ShowSender", {}),
         ("ConfirmSender", "bool", "ConfirmSender", {})],
        ("Confirm each recipient and attachment",
         "Confirm: none (default), external (each external recipient gets a check box) or all (every recipient); "
         "the send choices stay disabled until every box is ticked. Attachments: each attachment gets a check box "
         "too. Check all: the checklist offers one control that ticks every box (default off). Show the sender: "
         "the sender address is shown above the choices. Confirm the sender: a sender address outside the "
         "internal domains is asked about. Default: all off. Policy keys: prompt.confirm, "
         "prompt.confirm_attachments, prompt.allow_check_all, prompt.show_sender, prompt.confirm_sender."),
        ("宛先と添付ファイルを 1 件ずつ確認する",
         "確認: none（既定）、external（社外の宛先ごとにチェックボックスを表示）、all（すべての宛先）。"
         "すべてのチェックボックスをオンにするまで送信の選択肢は使えません。添付ファイル: 添付ファイルごとにも"
         "チェックボックスを表示します。すべてチェック: すべてのチェックボックスをまとめてオンにする操作を"
         "表示します（既定はオフ）。差出人を表示: 選択肢の上に差出人のアドレスを表示します。差出人を確認: "
         "差出人のアドレスが社内のドメイン以外の場合に確認します。既定はすべてオフです。ポリシーのキー: "
         "prompt.confirm、prompt.confirm_attachments、prompt.allow_check_all、prompt.show_sender、"
         "prompt.confirm_sender。"))
    add("SendDelay", "sealgate", ROOT + "\\Send",
        [("DelaySeconds", "dec", "DelaySeconds", dict(min=0, max=LIM["SEND_DELAY_MAX"])),
         ("DelaySkippable", "bool", "DelaySkippable", {}),
         ("DelayMode", "enum", "DelayMode", dict(items=["countdown", "deferred"])),
         ("DelayScope", "enum", "DelayScope", dict(items=["external", "all"]))],
        ("Hold messages before sending",
         f"Seconds (0 to {LIM['SEND_DELAY_MAX']}, default 0: no hold) a message is held after the user's choice. "
         "Skippable: the user may send at once. Mode: countdown (the message stays on the computer until the "
         "time is up) or deferred (Outlook hands it over at once with a deferred delivery time; it waits in the "
         "Outbox). Scope: external (only messages with an external recipient, default) or all. "
         "Policy keys: send.delay_seconds, send.delay_skippable, send.delay_mode, send.delay_scope."),
        ("送信前にメールを保留する",
         f"利用者の選択のあとメールを保留する秒数です（0～{LIM['SEND_DELAY_MAX']}、既定は 0: 保留しない）。"
         "スキップ可: 利用者がすぐに送信できます。方式: countdown（時間になるまでメールはコンピューターに"
         "とどまります）または deferred（Outlook は配信日時を指定してすぐに引き渡し、メールは送信トレイで"
         "待機します）。対象: external（社外宛てを含むメールのみ。既定）または all。"
         "ポリシーのキー: send.delay_seconds、send.delay_skippable、send.delay_mode、send.delay_scope。"))
    add("RulesConvertToBcc", "sealgate", ROOT + "\\Rules\\ConvertToBcc",
        [("MinDomains", "dec", "MinDomains", dict(min=0, max=LIM["BCC_MIN_MAX"])),
         ("MinAddresses", "dec", "MinAddresses", dict(min=0, max=LIM["BCC_MIN_MAX"])),
         ("BccMode", "enum", "Mode", dict(items=["auto", "ask"])),
         ("Placeholder", "text", "Placeholder", {})],
        ("Move external recipients to Bcc",
         "When the external recipients in To and Cc span at least this many domains, or this many addresses "
         f"(0 to {LIM['BCC_MIN_MAX']}; 0: not used; both 0: off, the default), they move to Bcc. Mode: auto (moved, "
         "with a notice) or ask (the prompt asks). Placeholder: what To holds when every To recipient moved: "
         "sender (the default) or one address. Internal recipients never move. Policy keys: "
         "rules.convert_to_bcc.min_domains, rules.convert_to_bcc.min_addresses, rules.convert_to_bcc.mode, "
         "rules.convert_to_bcc.placeholder."),
        ("社外の宛先を BCC に移す",
         "宛先と CC の社外の宛先がこの数以上のドメイン、またはこの数以上のアドレスにわたる場合に、BCC に移します"
         f"（0～{LIM['BCC_MIN_MAX']}、0 は使わない、両方 0 でオフ。既定はオフ）。方式: auto（移して通知する）"
         "または ask（確認画面で確認する）。代わりの宛先: 宛先がすべて移ったときに宛先に入れるアドレスです。"
         "sender（差出人。既定）またはアドレスを 1 つ指定します。社内の宛先は移しません。ポリシーのキー: "
         "rules.convert_to_bcc.min_domains、rules.convert_to_bcc.min_addresses、rules.convert_to_bcc.mode、"
         "rules.convert_to_bcc.placeholder。"))
    add("RulesNewDomainInReply", "sealgate", ROOT + "\\Rules",
        [("NewDomainInReply", "enum", "NewDomainInReply", dict(items=["off", "prompt", "block"]))],
        ("A new domain in a reply or forward",
         "What happens when a reply or forward adds an external recipient whose domain is in none of the "
         "original message's addresses: off (default), prompt or block. Policy key: rules.new_domain_in_reply."),
        ("返信・転送で加わった新しいドメイン",
         "返信や転送に、元のメールのどのアドレスにもないドメインの社外の宛先が加わった場合の処理です。"
         "off（既定）、prompt、block から選びます。ポリシーのキー: rules.new_domain_in_reply。"))
    for n in range(ROUTE_SLOTS):
        add(f"Route{n}", "Routes", ROOT + f"\\Routes\\{n}",
            [(f"Route{n}_Name", "text", "Name", dict(required=True)),
             (f"Route{n}_SubjectTag", "text", "SubjectTag", {}),
             (f"Route{n}_LabelEn", "text", "LabelEn", {}),
             (f"Route{n}_LabelJa", "text", "LabelJa", {}),
             (f"Route{n}_Headers", "list", None, dict(key=ROOT + f"\\Routes\\{n}\\Headers"))],
            (f"Route {n}",
             "A gateway route: its name (1 to 64 of A-Z a-z 0-9 _ . -), the headers the gateway acts on "
             "(name and value; at least one, at most 32) and an optional subject tag such as [secure]. "
             "Routes are numbered from 0 without gaps. The labels, in English and Japanese (both or neither, "
             "at most 256 bytes each), are what the send prompt shows for the route instead of its name. "
             "Policy keys: routes.<name>.headers, routes.<name>.subject_tag, routes.<name>.label."),
            (f"ルート {n}",
             "ゲートウェイへのルートです。名前（A-Z a-z 0-9 _ . - で 1～64 文字）、ゲートウェイが処理に使う"
             "ヘッダー（名前と値。1～32 個）、および任意の件名タグ（例: [secure]）を指定します。"
             "ルートは 0 から欠番なしで番号を付けてください。利用者に表示する名前（英語と日本語。両方を指定するか、"
             "どちらも指定しません。それぞれ 256 バイト以内）は、送信確認画面でルート名の代わりに表示されます。"
             "ポリシーのキー: routes.<名前>.headers、routes.<名前>.subject_tag、routes.<名前>.label。"))
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
            (f"Content trigger {n}",
             "A content trigger, checked in number order (from 0, without gaps). Fill in the fields of its "
             "type only: attachment_extension: Extensions; attachment_type: Types; attachment_size: Bytes; "
             "subject_keyword: Keywords; external_domains: Min; header: Name and optionally Values; "
             "body_pattern: Patterns (PCRE2 regular expressions). "
             "Route is required when the action is route. Fields of other types must stay empty or 0. "
             "The labels, in English and Japanese (both or neither, at most 256 bytes each), are what users "
             "see for this trigger's reason instead of the built-in sentence. "
             "Policy keys: triggers[n].*."),
            (f"内容のトリガー {n}",
             "メールの内容を調べるトリガーです。番号順（0 から欠番なし）に評価されます。"
             "種類に応じた項目だけを入力してください。attachment_extension: 拡張子、attachment_type: "
             "コンテンツタイプ、attachment_size: バイト数、subject_keyword: キーワード、external_domains: "
             "最小ドメイン数、header: ヘッダー名と値（値は任意）、body_pattern: パターン（PCRE2 の正規表現）。"
             "処理が route の場合はルート名が必要です。"
             "ほかの種類の項目は空欄または 0 のままにしてください。"
             "利用者に表示する名前（英語と日本語。両方を指定するか、どちらも指定しません。それぞれ 256 バイト以内）は、"
             "このトリガーの理由として、標準の文の代わりに表示されます。ポリシーのキー: triggers[n].*。"))
    return P


# Control labels: (en, ja) per element value name.
LABELS = {
    "Version": ("Version", "バージョン"),
    "Domains": ("Domains, one per line", "ドメイン（1 行に 1 つ）"),
    "Addresses": ("Addresses, one per line", "アドレス（1 行に 1 つ）"),
    "Action": ("Action", "処理"),
    "Route": ("Route name (when the action is route)", "ルート名（処理が route の場合）"),
    "Choices": ("Choices, one per line", "選択肢（1 行に 1 つ）"),
    "RequireJustification": ("Require a justification", "理由の入力を求める"),
    "AcceptComposeChoice": ("Accept the compose window's choice", "作成画面での選択を回答とする"),
    "SplitDelivery": ("Split delivery", "分割して送信する"),
    "Fallback": ("Choice / route names", "選択肢・ルート名"),
    "Recommended": ("Choice", "選択肢"),
    "TimeoutSeconds": ("Seconds", "秒数"),
    "JustificationHeader": ("Header name (X-...)", "ヘッダー名（X-...）"),
    "JustificationTo": ("Where the justification goes", "理由の送り先"),
    "Methods": ("Methods, one per line", "方式（1 行に 1 つ）"),
    "Enabled": ("Write the audit log", "監査ログを記録する"),
    "Directory": ("Directory", "保存先フォルダー"),
    "RetentionDays": ("Keep files for (days, 0 = forever)", "保存日数（0 = 無期限）"),
    "Required": ("Do not send when the record cannot be written", "記録できない場合は送信しない"),
    "Journal": ("Also write each record to the Windows Event Log", "各記録を Windows のイベント ログにも書き込む"),
    "Name": ("Name", "名前"),
    "SubjectTag": ("Subject tag", "件名タグ"),
    "LabelEn": ("Label shown to users, in English", "利用者に表示する名前（英語）"),
    "LabelJa": ("Label shown to users, in Japanese", "利用者に表示する名前（日本語）"),
    None: ("Headers (name = value)", "ヘッダー（名前 = 値）"),
    "Type": ("Type", "種類"),
    "Id": ("Id (optional)", "ID（任意）"),
    "Scope": ("Scope", "対象"),
    "ForbidSend": ("Do not offer sending unencrypted", "暗号化せずに送信する選択肢を出さない"),
    "Extensions": ("Extensions (attachment_extension)", "拡張子（attachment_extension）"),
    "Types": ("Content types (attachment_type)", "コンテンツタイプ（attachment_type）"),
    "Bytes": ("Total attachment bytes (attachment_size)", "添付ファイルの合計バイト数（attachment_size）"),
    "Keywords": ("Subject keywords (subject_keyword)", "件名のキーワード（subject_keyword）"),
    "Min": ("External domains at least (external_domains)", "社外ドメイン数の下限（external_domains）"),
    "Patterns": ("Regular expressions (body_pattern)", "正規表現（body_pattern）"),
    "Caseless": ("Ignore case (body_pattern)", "大文字小文字を区別しない（body_pattern）"),
    "Values": ("Header values (header)", "ヘッダーの値（header）"),
    "SubaddressDelimiters": ("Sub-address delimiters", "サブアドレスの区切り文字"),
    "SourceRoutes": ("Source routes: external, error or domain", "ソースルート: external、error、domain"),
    "Confirm": ("Recipients to confirm", "確認する宛先"),
    "ConfirmAttachments": ("Confirm each attachment too", "添付ファイルも 1 件ずつ確認する"),
    "AllowCheckAll": ("Offer \"check all\"", "「すべてチェック」を表示する"),
    "ShowSender": ("Show the sender", "差出人を表示する"),
    "ConfirmSender": ("Confirm a sender outside the organisation", "社外ドメインの差出人を確認する"),
    "DelaySeconds": ("Seconds to hold (0 = no hold)", "保留する秒数（0 = 保留しない）"),
    "DelaySkippable": ("Let the user send at once", "利用者がすぐに送信できる"),
    "DelayMode": ("How the message is held", "保留の方式"),
    "DelayScope": ("Messages held", "保留するメール"),
    "MinDomains": ("External domains at least (0 = not used)", "社外ドメイン数の下限（0 = 使わない）"),
    "MinAddresses": ("External addresses at least (0 = not used)", "社外アドレス数の下限（0 = 使わない）"),
    "Mode": ("Mode", "方式"),
    "Placeholder": ("To when every To recipient moved (sender or an address)",
                    "宛先がすべて移ったときの宛先（sender またはアドレス）"),
    "NewDomainInReply": ("Action", "処理"),
}
HEADER_NAME = {"Name": None}

ITEM_LABELS = {
    "prompt": ("prompt: ask the user", "prompt: 利用者に確認する"),
    "route": ("route: through a gateway route", "route: ゲートウェイのルートを使う"),
    "encrypt": ("encrypt: encrypt", "encrypt: 暗号化する"),
    "block": ("block: do not send", "block: 送信しない"),
    "allow": ("allow: send as it is", "allow: そのまま送信する"),
    "external": ("external: mail with an external recipient", "external: 社外宛てを含むメール"),
    "all": ("all: every message", "all: すべてのメール"),
    "none": ("none: no checklist", "none: 確認しない"),
    "countdown": ("countdown: hold on this computer", "countdown: このコンピューターで保留する"),
    "message": ("message: in the header, every recipient sees it", "message: ヘッダーに入れる（すべての宛先に届く）"),
    "gateway": ("gateway: in the header, the gateway removes it", "gateway: ヘッダーに入れ、ゲートウェイが削除する"),
    "audit": ("audit: the audit log only", "audit: 監査ログにだけ残す"),
    "deferred": ("deferred: deferred delivery (Outbox)", "deferred: 配信日時を指定する（送信トレイ）"),
    "auto": ("auto: move them and tell the user", "auto: 移して通知する"),
    "ask": ("ask: ask the user", "ask: 利用者に確認する"),
    "off": ("off: not checked", "off: 確認しない"),
}

# The trigger types in the dropdown: the code (what the registry holds) and
# what it checks, in words.
TRIGGER_TYPE_LABELS = {
    "attachments": ("attachments: any attachment", "attachments: 添付ファイルあり"),
    "attachment_extension": ("attachment_extension: file extension of an attachment",
                             "attachment_extension: 添付ファイルの拡張子"),
    "attachment_type": ("attachment_type: content type of an attachment", "attachment_type: 添付ファイルの種類"),
    "attachment_size": ("attachment_size: total size of the attachments", "attachment_size: 添付ファイルの合計サイズ"),
    "subject_keyword": ("subject_keyword: keyword in the subject", "subject_keyword: 件名のキーワード"),
    "external_domains": ("external_domains: number of external domains", "external_domains: 社外ドメイン数"),
    "credit_card": ("credit_card: credit card number", "credit_card: クレジットカード番号"),
    "my_number": ("my_number: My Number (Individual Number)", "my_number: マイナンバー（個人番号）"),
    "body_pattern": ("body_pattern: pattern in the body (regular expression)",
                     "body_pattern: 本文のパターン（正規表現）"),
    "header": ("header: a header", "header: ヘッダー"),
}


def header_label(p, el, lang):
    if el[1] == "text" and el[2] == "Name" and p["cat"] == "Triggers":
        return ("Header name (header)", "ヘッダー名（header）")[lang]
    return LABELS[el[2]][lang]


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


def adml(P, lang):
    li = 0 if lang == "en-US" else 1
    s = [("sealgate", "sealgate"),
         ("SUPPORTED_sealgate_0_1", ("sealgate 0.1 or later, classic Outlook for Windows (Outlook 2016 or later)",
                                     "sealgate 0.1 以降、従来の Outlook for Windows（Outlook 2016 以降）")[li]),
         ("Routes", ("Gateway routes", "ゲートウェイのルート")[li]),
         ("Triggers", ("Content triggers", "内容のトリガー")[li])]
    for it, labels in ITEM_LABELS.items():
        s.append(("item_" + it, labels[li]))
    for t in TRIGGER_TYPES:
        s.append(("item_" + t, TRIGGER_TYPE_LABELS[t][li]))
    for p in P:
        title, explain = p["en"] if li == 0 else p["ja"]
        s.append((p["name"], title))
        s.append((p["name"] + "_Explain", explain))
    out = ['<?xml version="1.0" encoding="utf-8"?>',
           '<!-- sealgate: Group Policy strings. Generated by make-admx.py; do not edit by hand. -->',
           '<policyDefinitionResources xmlns:xsd="http://www.w3.org/2001/XMLSchema" '
           'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" revision="1.0" schemaVersion="1.0" '
           'xmlns="http://schemas.microsoft.com/GroupPolicy/2006/07/PolicyDefinitions">',
           f'  <displayName>{("sealgate Secure send", "sealgate セキュア送信")[li]}</displayName>',
           f'  <description>{escape(("Policy for the sealgate Outlook add-in.", "sealgate Outlook アドインのポリシーです。")[li])}</description>',
           '  <resources>',
           '    <stringTable>']
    seen = set()
    for sid, text in s:
        if sid in seen:
            continue
        seen.add(sid)
        out.append(f'      <string id="{sid}">{escape(text)}</string>')
    out += ['    </stringTable>', '    <presentationTable>']
    for p in P:
        out.append(f'      <presentation id="{p["name"]}">')
        for eid, kind, value, x in p["elements"]:
            label = escape(header_label(p, (eid, kind, value, x), li))
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


def main():
    P = policies()
    (HERE / "sealgate.admx").write_text(admx(P), encoding="utf-8")
    for lang in ("en-US", "ja-JP"):
        (HERE / lang).mkdir(exist_ok=True)
        (HERE / lang / "sealgate.adml").write_text(adml(P, lang), encoding="utf-8")


if __name__ == "__main__":
    main()
