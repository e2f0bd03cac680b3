"""What an SMS template may say: placeholders, URLs, the anti-phishing footer, languages.

BRIEF.md: "SMS text carries no name, amount or levy detail by default: numbers get
reassigned" (and phones are shared in families). So the default placeholders are the
safe ones only; a ward_admin may allow a personal one for one template (audited).
A message names the ward's published sender number and says the number is send-only,
and carries no URL unless a ward_admin enabled the ward's published domain for the
template: a text with a link is what a phishing message looks like.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from dataclasses import dataclass

from django.conf import settings
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from saikoku.core.phones import parse_phone, phone_display
from saikoku.sms.text import SmsCount, normalise_newlines, sms_count

__all__ = [
    "LANGUAGES",
    "LONGEST_VALUES",
    "PERSONAL_PLACEHOLDERS",
    "SAFE_PLACEHOLDERS",
    "TemplateProblem",
    "char_label",
    "display_number",
    "footer",
    "footer_units",
    "language_for_nationality",
    "longest_units",
    "placeholders_in",
    "render",
    "template_problems",
    "unfilled_placeholders",
]

# Japanese first: the variant used when the payer's language has none.
LANGUAGES: dict[str, object] = {
    "ja": gettext_lazy("日本語"),
    "en": gettext_lazy("英語"),
    "zh": gettext_lazy("中国語"),
    "ko": gettext_lazy("韓国語"),
    "vi": gettext_lazy("ベトナム語"),
    "ne": gettext_lazy("ネパール語"),
    "pt": gettext_lazy("ポルトガル語"),
}

# The ward data's nationality (persons.csv, as the ward writes it) -> language.
_NATIONALITY_LANGUAGE = {
    "中国": "zh",
    "台湾": "zh",
    "香港": "zh",
    "韓国": "ko",
    "朝鮮": "ko",
    "ベトナム": "vi",
    "ネパール": "ne",
    "ブラジル": "pt",
    "ポルトガル": "pt",
    "米国": "en",
    "アメリカ": "en",
    "英国": "en",
    "イギリス": "en",
    "フィリピン": "en",
    "オーストラリア": "en",
    "カナダ": "en",
    "インド": "en",
}

SAFE_PLACEHOLDERS: dict[str, object] = {
    "department": gettext_lazy("担当課の名称"),
    "callback_number": gettext_lazy("折返し先の電話番号"),
    "office_hours": gettext_lazy("受付時間"),
    "deadline": gettext_lazy("期限日"),
}
# Refused unless a ward_admin allows them for one template.
PERSONAL_PLACEHOLDERS: dict[str, object] = {
    "name": gettext_lazy("氏名"),
    "amount": gettext_lazy("未納額"),
    "levy": gettext_lazy("税目・保険料"),
}
# The longest value each placeholder can take, for the length check.
LONGEST_VALUES = {
    "department": "医療保険年金課",
    "callback_number": "03-0000-0000",
    "office_hours": "平日8:30〜17:15",
    "deadline": "令和10年12月31日",
    "name": "あ" * 20,
    "amount": "¥99,999,999",
    "levy": "特別区民税・都民税・森林環境税",
}

_PLACEHOLDER = re.compile(r"\{([^{}]*)\}")
# A URL or anything a phone would turn into a link: a scheme, www., or a host name
# ending in a top-level domain (ASCII or full-width dots, which phones also link).
_URL = re.compile(
    r"(?:[a-z][a-z0-9+.-]*://\S+)|(?:www\.\S+)|"
    r"(?:\b[a-z0-9-]+(?:[.．。][a-z0-9-]+)*[.．][a-z]{2,}(?:/\S*)?)",
    re.IGNORECASE,
)

_FOOTERS = {
    "ja": "この番号（{sender}）は区が公表している送信専用の番号です。返信はできません。",
    "en": "This number ({sender}) is the ward's published send-only number. Replies are not read.",
    "zh": "本号码（{sender}）是区政府公布的仅发送号码，无法回复。",
    "ko": "이 번호({sender})는 구가 공표한 발신 전용 번호입니다. 회신할 수 없습니다.",
    "vi": "Số này ({sender}) là số chỉ gửi do quận công bố. Không thể trả lời.",
    "ne": "यो नम्बर ({sender}) वडाले प्रकाशित गरेको पठाउने मात्र नम्बर हो। जवाफ दिन सकिँदैन।",
    "pt": "Este número ({sender}) é o número oficial do distrito, só para envio. Não responda.",
}


@dataclass(frozen=True)
class TemplateProblem:
    code: str  # unsendable, too_long, unknown_placeholder, personal_placeholder, url
    message: str


def language_for_nationality(nationality: str) -> str:
    return _NATIONALITY_LANGUAGE.get(nationality.strip(), "ja")


@functools.lru_cache(maxsize=16)
def display_number(raw: str) -> str:
    """A configured number (the sender, the callback number) as people in Japan write
    it, 03-3209-4111, however the setting spells it (core.phones). Cached: it ends
    every message, and a campaign of personal texts renders one per payer."""
    return phone_display(parse_phone(raw).e164, raw)


def footer(language: str) -> str:
    """The anti-phishing line every message ends with."""
    text = _FOOTERS.get(language, _FOOTERS["ja"])
    return text.format(sender=display_number(settings.SAIKOKU_SMS_SENDER))


def placeholders_in(body: str) -> list[str]:
    return [name.strip() for name in _PLACEHOLDER.findall(body)]


def render(body: str, *, language: str, values: dict[str, str]) -> str:
    """The message: the body with its placeholders filled, then the footer."""
    filled = _PLACEHOLDER.sub(lambda m: values.get(m.group(1).strip(), ""), body)
    return normalise_newlines(filled).strip() + "\n" + footer(language)


def unfilled_placeholders(body: str, *, values: dict[str, str]) -> list[str]:
    """The placeholders of `body` that render() would fill with nothing (the same
    pattern and the same values as render)."""
    return [
        name
        for name in dict.fromkeys(m.strip() for m in _PLACEHOLDER.findall(body))
        if not values.get(name)
    ]


def _urls(text: str) -> list[str]:
    # Full-width letters and dots are linked by phones too: read them as ASCII.
    return [m.group(0) for m in _URL.finditer(unicodedata.normalize("NFKC", text))]


def _host(url: str) -> str:
    host = re.sub(r"^[a-z][a-z0-9+.-]*://", "", url, flags=re.IGNORECASE)
    return re.split(r"[/?#:]", host, maxsplit=1)[0].lower().rstrip(".")


def template_problems(
    body: str, *, language: str, allowed_personal: list[str], allowed_domain: str = ""
) -> list[TemplateProblem]:
    """Every reason this body cannot be used (empty: it can), in Japanese."""
    problems: list[TemplateProblem] = []
    counted: SmsCount = sms_count(body)
    if counted.unsendable:
        where = "、".join(
            _("%(n)s文字目%(char)s") % {"n": pos, "char": char_label(ch)}
            for pos, ch in counted.unsendable
        )
        problems.append(
            TemplateProblem(
                "unsendable",
                _("SMSで送れない文字があります: %(where)s。別の字に置き換えてください。")
                % {"where": where},
            )
        )
    for name in placeholders_in(body):
        if name in SAFE_PLACEHOLDERS:
            continue
        if name in PERSONAL_PLACEHOLDERS:
            if name not in allowed_personal:
                problems.append(
                    TemplateProblem(
                        "personal_placeholder",
                        _(
                            "差込項目 {%(name)s} は個人情報のため使えません"
                            "（区の管理者が許可したテンプレートだけで使えます）。"
                        )
                        % {"name": name},
                    )
                )
            continue
        problems.append(
            TemplateProblem(
                "unknown_placeholder",
                _("差込項目 {%(name)s} はありません。使える項目: %(names)s。")
                % {"name": name, "names": ", ".join("{" + n + "}" for n in SAFE_PLACEHOLDERS)},
            )
        )
    allowed_domain = allowed_domain.strip().lower()
    for url in _urls(body):
        host = _host(url)
        if allowed_domain and (host == allowed_domain or host.endswith("." + allowed_domain)):
            continue
        problems.append(
            TemplateProblem(
                "url",
                _(
                    "URL（%(url)s）は入れられません。なりすまし防止のため、区の管理者が公表ドメインを許可した場合だけ使えます。"
                )
                % {"url": url},
            )
        )
    units = longest_units(body, language=language)
    if units > settings.SAIKOKU_SMS_MAX_CHARS:
        problems.append(
            TemplateProblem(
                "too_long",
                _("長すぎます: 差込と末尾の案内を含めて最大%(units)s文字、上限は%(max)s文字です。")
                % {"units": units, "max": settings.SAIKOKU_SMS_MAX_CHARS},
            )
        )
    return problems


def longest_units(body: str, *, language: str) -> int:
    """Units of the message with every placeholder at its longest value and the
    footer: what the length limit is checked on, and what the page's counter shows."""
    return sms_count(render(body, language=language, values=LONGEST_VALUES)).units


# Characters that show nothing on their own (combining marks, format characters,
# unassigned and private code points): named by code point so the writer can find them.
_INVISIBLE_CATEGORIES = frozenset({"Mn", "Me", "Cf", "Cs", "Co", "Cn"})


def _is_variation_selector(code: int) -> bool:
    return 0xFE00 <= code <= 0xFE0F or 0xE0100 <= code <= 0xE01EF


def char_label(char: str) -> str:
    """How a refused character is named: 「𠮷」, or by code point when it shows nothing,
    「U+E0100（異体字セレクタ）」. sms_counter.js names them the same way."""
    code = ord(char)
    if _is_variation_selector(code):
        return f"「U+{code:04X}（{_('異体字セレクタ')}）」"
    if unicodedata.category(char) in _INVISIBLE_CATEGORIES:
        return f"「U+{code:04X}」"
    return f"「{char}」"


def footer_units(language: str) -> int:
    """Units the footer and its line break add (the live counter adds them)."""
    return sms_count(footer(language)).units + 1
