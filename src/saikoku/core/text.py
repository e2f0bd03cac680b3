"""Search keys for Japanese names and kana readings.

Names and kana readings are stored exactly as the ward gave them (ward-package spec §2):
a 髙 stays 髙, a 﨑 stays 﨑, an ideographic variation sequence keeps its selector and a
private-use 外字 stays in place. Only the *search key* derived here is folded, so that an
operator who types 高橋 on the phone finds 髙橋, and 渡辺 finds 渡邊 and 渡邉. Both the stored
key and the typed query go through the same function, so the key only has to be
consistent, never pretty; a fold that is too broad costs an extra row in the result list
(the operator confirms the birth date anyway), a fold that is missing loses the payer.

Pure Python: no Django import, usable from the import pipeline and the demo generator.
"""

from __future__ import annotations

import re
import unicodedata

import jaconv

__all__ = [
    "KANA_SEPARATORS",
    "LONG_VOWEL_MARKS",
    "VARIANT_KANJI",
    "is_kana_only",
    "kana_key",
    "name_key",
    "to_katakana",
]

# Common 異体字 in surnames and given names, as (form used in the key, variant forms).
# Only well-known pairs that the ward's own 名寄せ treats as the same name: the old
# (旧字体) or non-JIS-X-0208 form folds to the everyday form. Characters that merely look
# alike but are different names (埼/崎, 籐/藤, 己/巳, 草彅's 彅) are deliberately absent.
# Every form here is NFKC-stable: compatibility ideographs with a canonical mapping
# (e.g. U+FA10 塚) are already folded by NFKC and need no entry.
_VARIANT_GROUPS: tuple[tuple[str, str], ...] = (
    ("高", "髙"),  # はしごだか: 髙橋, 髙田
    ("崎", "﨑嵜碕"),  # たつさき U+FA11, 山嵜, 川碕
    ("辺", "邊邉"),  # 渡邊, 渡邉
    ("斎", "齋齊斉"),  # 齋藤, 齊藤, 斉藤 are searched as one surname
    ("浜", "濵濱"),  # 濵田, 濱田
    ("徳", "德"),
    ("広", "廣"),  # 廣瀬
    ("国", "國"),  # 國分
    ("沢", "澤"),  # 澤田, 小澤
    ("桜", "櫻"),  # 櫻井
    ("島", "嶋嶌"),  # 中嶋, 大嶌
    ("富", "冨"),  # 冨田
    ("真", "眞"),  # 眞鍋
    ("恵", "惠"),
    ("寿", "壽"),
    ("蔵", "藏"),
    ("会", "會"),
    ("滝", "瀧"),  # 瀧本
    ("竜", "龍"),
    ("吉", "𠮷"),  # つちよし U+20BB7, outside the BMP
    ("条", "條"),  # 北條
    ("鉄", "鐵"),
    ("浅", "淺"),
    ("栄", "榮"),
    ("円", "圓"),
    ("応", "應"),
    ("学", "學"),
    ("来", "來"),
    ("児", "兒"),
    ("実", "實"),
    ("与", "與"),
    ("県", "縣"),
    ("黒", "黑"),
    ("静", "靜"),
    ("荘", "莊"),
    ("将", "將"),
    ("従", "從"),
    ("弥", "彌"),
    ("豊", "豐"),
    ("礼", "禮"),
    ("万", "萬"),
    ("宝", "寶"),
    ("青", "靑"),
    ("峰", "峯"),  # 峯岸
    ("岳", "嶽"),
    ("槙", "槇"),
    ("桑", "桒"),  # 桒原
    ("館", "舘"),  # 舘野
    ("晋", "晉"),
    ("亜", "亞"),
    ("団", "團"),
    ("伝", "傳"),
    ("稲", "稻"),
    ("村", "邨"),
    ("桧", "檜"),
    ("曽", "曾"),  # 曾根
    ("増", "增"),
    ("遥", "遙"),
    ("迪", "廸"),
    ("柳", "栁"),
    ("恒", "恆"),
    ("淵", "渕"),  # 渕上 / 淵上
    ("渋", "澁澀"),  # 澁谷
    ("検", "檢"),
    ("駅", "驛"),
    ("尭", "堯"),
    ("凛", "凜"),
    ("瑶", "瑤"),
    ("餅", "餠"),
    ("鴎", "鷗"),
    ("顕", "顯"),
    ("隠", "隱"),
    ("聡", "聰"),
    ("楽", "樂"),
    ("黄", "黃"),
    ("図", "圖"),
    ("仮", "假"),
)

# variant -> everyday form, one code point each (𠮷 is one code point outside the BMP).
VARIANT_KANJI: dict[str, str] = {
    variant: common for common, variants in _VARIANT_GROUPS for variant in variants
}
_VARIANT_TABLE = str.maketrans(VARIANT_KANJI)

# Marks people type for the katakana long vowel: the half-width ｰ (folded by NFKC), the
# ASCII hyphen (what full-width － becomes under NFKC), and the dashes and minus signs
# an IME or a spreadsheet substitutes. In a key they all mean ー.
LONG_VOWEL_MARKS = "ー-‐‑‒–—―−"
_LONG_VOWEL_TABLE = str.maketrans(dict.fromkeys(LONG_VOWEL_MARKS, "ー"))

# Separators between family and given name in a kana reading (ジョン・スミス, ｼﾞｮﾝ･ｽﾐｽ):
# dropped from keys just like spaces.
KANA_SEPARATORS = "・"

# Ideographic variation selectors (U+E0100–E01EF) pick a glyph of the same character
# (葛󠄀 vs 葛), standard variation selectors (U+FE00–FE0F) likewise; zero-width characters
# arrive from spreadsheets and web forms. None of them change which name is meant.
_INVISIBLE = re.compile("[\ufe00-\ufe0f\U000e0100-\U000e01ef\u200b-\u200d\u2060\ufeff]")
_WHITESPACE = re.compile(r"\s+")
# A kana followed by a combining (han)dakuten, as produced by macOS file systems and
# some PDF exports: composed so that か+゛ and が are the same letter.
_DECOMPOSED_KANA = re.compile("[\u3041-\u30ff][\u3099\u309a]")

_KANA_RANGE = "\u3041-\u3096\u309d-\u309f\u30a1-\u30fa\u30fd-\u30ff\u31f0-\u31ff"
_KANA_CHAR = re.compile(f"[{_KANA_RANGE}]")
_KANA_QUERY = re.compile(f"[{_KANA_RANGE}\u3099-\u309c\u30fb{re.escape(LONG_VOWEL_MARKS)}\\s]+")


def to_katakana(text: str) -> str:
    """Half-width katakana and hiragana become full-width katakana; the rest is kept.

    Spaces, kanji, Latin letters and digits are left as they are: this is the form a kana
    reading is *stored* in (spec: カナ氏名 "stored as full-width katakana"), not a key.
    ゐ/ゑ become ヰ/ヱ, ゔ becomes ヴ, ｶﾞ becomes ガ.
    """
    text = jaconv.h2z(text, kana=True, ascii=False, digit=False)
    text = jaconv.hira2kata(text)
    return _DECOMPOSED_KANA.sub(lambda m: unicodedata.normalize("NFC", m.group()), text)


def kana_key(text: str) -> str:
    """Search key for a kana reading: NFKC, full-width katakana, one long mark, no spaces.

    ｶﾅ ﾀﾛｳ, かな　たろう and カナ タロウ give the same key; so do ラーメン, ﾗｰﾒﾝ and
    ラ－メン. Small kana (ッ, ャ) and voiced marks stay distinct: they change the name.
    """
    text = unicodedata.normalize("NFKC", text)
    text = _INVISIBLE.sub("", text)
    text = to_katakana(text)
    text = text.translate(_LONG_VOWEL_TABLE)
    text = _WHITESPACE.sub("", text).replace(KANA_SEPARATORS, "")
    # NFKC turns a spacing accent into space + combining mark; once the space is gone
    # the mark meets its letter, and composing it keeps the key stable (key(key) == key).
    return unicodedata.normalize("NFC", text)


def name_key(text: str) -> str:
    """Search key for a name in kanji or kana: the kana key with 異体字 folded.

    Private-use characters (ward 外字) are kept: they are the only trace of the
    character, and the same code point in the query matches it.
    """
    return kana_key(text).translate(_VARIANT_TABLE)


def is_kana_only(text: str) -> bool:
    """True when a typed query is a kana reading: kana, long marks, separators, spaces.

    At least one kana letter is required, so an empty query, "ー" or a hyphenated number
    is not taken for a reading.
    """
    text = unicodedata.normalize("NFKC", text)
    return bool(_KANA_QUERY.fullmatch(text)) and bool(_KANA_CHAR.search(text))
