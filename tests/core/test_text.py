"""Name and kana search keys: what an operator types finds what the ward wrote."""

import unicodedata

import pytest
from hypothesis import given
from hypothesis import strategies as st

from saikoku.core.text import VARIANT_KANJI, is_kana_only, kana_key, name_key, to_katakana


@pytest.mark.parametrize(
    ("given_text", "stored"),
    [
        ("ﾔﾏﾀﾞ ﾀﾛｳ", "ヤマダ タロウ"),
        ("やまだ　たろう", "ヤマダ　タロウ"),
        ("ヤマダ タロウ", "ヤマダ タロウ"),
        ("ｻﾄｳ ﾊﾟｰｸ", "サトウ パーク"),
        ("ゐゑゔ", "ヰヱヴ"),
        ("か\u3099", "ガ"),  # decomposed dakuten, as some exports write it
        ("山田 たろう", "山田 タロウ"),
    ],
)
def test_kana_reading_is_stored_as_full_width_katakana_with_spaces_kept(given_text, stored):
    assert to_katakana(given_text) == stored


def test_to_katakana_leaves_latin_and_digits_alone():
    assert to_katakana("ABC 123 ｱ") == "ABC 123 ア"


@pytest.mark.parametrize(
    "typed",
    ["ﾔﾏﾀﾞ ﾀﾛｳ", "やまだ　たろう", "ヤマダタロウ", " ヤマダ  タロウ ", "やまダﾀﾛｳ"],
)
def test_kana_key_is_the_same_however_the_reading_was_typed(typed):
    assert kana_key(typed) == "ヤマダタロウ"


@pytest.mark.parametrize(
    "typed", ["ラーメン", "ﾗｰﾒﾝ", "ら－めん", "ラ-メン", "ラ‐メン", "ラ—メン", "ラ−メン"]
)
def test_every_long_vowel_mark_becomes_one(typed):
    assert kana_key(typed) == "ラーメン"


def test_kana_key_drops_the_middle_dot_between_names():
    assert kana_key("ジョン・スミス") == kana_key("ｼﾞｮﾝ･ｽﾐｽ") == kana_key("ジョン スミス")


def test_small_kana_and_voicing_still_distinguish_names():
    assert kana_key("サトウ") != kana_key("サドウ")
    assert kana_key("ハットリ") != kana_key("ハツトリ")


@pytest.mark.parametrize(
    ("variant", "common"),
    [
        ("髙橋", "高橋"),
        ("渡邊", "渡辺"),
        ("渡邉", "渡辺"),
        ("山﨑", "山崎"),
        ("山嵜", "山崎"),
        ("齋藤", "斎藤"),
        ("齊藤", "斎藤"),
        ("斉藤", "斎藤"),
        ("濵田", "浜田"),
        ("濱田", "浜田"),
        ("德川", "徳川"),
        ("廣瀬", "広瀬"),
        ("國分", "国分"),
        ("小澤", "小沢"),
        ("櫻井", "桜井"),
        ("中嶋", "中島"),
        ("冨田", "富田"),
        ("眞鍋", "真鍋"),
        ("瀧本", "滝本"),
        ("𠮷野", "吉野"),
        ("\ufa10本", "塚本"),  # U+FA10, a compatibility ideograph folded by NFKC
    ],
)
def test_variant_kanji_share_the_search_key(variant, common):
    assert name_key(variant) == name_key(common) == common


def test_the_three_watanabe_spellings_are_one_key():
    assert name_key("渡邊 一郎") == name_key("渡邉　一郎") == name_key("渡辺一郎")


def test_variation_selector_does_not_hide_a_name():
    with_selector = "葛\U000e0100城 花子"
    assert name_key(with_selector) == name_key("葛城花子")
    assert name_key("辻\ufe00本") == name_key("辻本")


def test_private_use_character_is_kept_in_key_and_reading():
    gaiji = "\ue000田"
    assert name_key(gaiji) == "\ue000田"
    assert to_katakana(gaiji) == gaiji
    assert name_key(gaiji) != name_key("山田")


def test_name_key_folds_kana_too():
    assert name_key("山田 ﾊﾅｺ") == name_key("山田　はなこ") == "山田ハナコ"


def test_different_surnames_stay_apart():
    assert name_key("埼玉") != name_key("崎玉")
    assert name_key("佐藤") != name_key("斎藤")


def test_variant_table_is_large_and_folds_in_one_step():
    assert len(VARIANT_KANJI) >= 30
    # A folded form is never folded again, so the key does not depend on order.
    assert not set(VARIANT_KANJI) & set(VARIANT_KANJI.values())
    for variant, common in VARIANT_KANJI.items():
        assert len(variant) == 1
        assert variant != common
        # NFKC runs first: a variant it would rewrite could never reach the table.
        assert unicodedata.normalize("NFKC", variant) == variant
        assert unicodedata.normalize("NFKC", common) == common


@pytest.mark.parametrize(
    ("query", "is_kana"),
    [
        ("やまだ", True),
        ("ヤマダ タロウ", True),
        ("ﾔﾏﾀﾞ", True),
        ("ラーメン", True),
        ("ジョン・スミス", True),
        ("山田", False),
        ("山田 たろう", False),
        ("yamada", False),
        ("090-1234-5678", False),
        ("ー", False),
        ("", False),
        ("   ", False),
    ],
)
def test_search_classifier_recognises_kana_queries(query, is_kana):
    assert is_kana_only(query) is is_kana


@given(st.text())
def test_to_katakana_is_idempotent(text):
    once = to_katakana(text)
    assert to_katakana(once) == once


@given(st.text())
def test_kana_key_is_idempotent(text):
    once = kana_key(text)
    assert kana_key(once) == once


@given(st.text())
def test_name_key_is_idempotent_and_has_no_spaces(text):
    once = name_key(text)
    assert name_key(once) == once
    assert not any(ch.isspace() for ch in once)


kana_reading = st.text(alphabet=st.characters(min_codepoint=0x3041, max_codepoint=0x3093))


@given(kana_reading)
def test_hiragana_and_katakana_readings_share_a_key(reading):
    assert kana_key(reading) == kana_key(to_katakana(reading))
