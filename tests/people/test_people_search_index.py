"""The search index: name and kana search find exactly whom a scan of every resident
finds, in the same order, for queries of any length (a two-character surname such as
佐藤 is shorter than a trigram), across width, kana and 異体字, and after every import."""

from __future__ import annotations

from django.db import connection
from django.db.models import Q
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from saikoku.people.search_index import pieces, search_index_sync
from saikoku.people.selectors import (
    SearchKind,
    classify_query,
    payer_rows,
    search_payers,
)


def found(user, query: str) -> list[str]:
    """Every resident number the search lists, over all its pages, in order."""
    first = search_payers(user, query)
    numbers = [row.resident_no for row in first.rows]
    for page in range(2, (first.page.paginator.num_pages if first.page else 0) + 1):
        numbers += [row.resident_no for row in search_payers(user, query, page=page).rows]
    return numbers


def scanned(user, query: str) -> list[str]:
    """What the search returned before it had an index: the key conditions tried on
    every visible payer."""
    classified = classify_query(query)
    value = classified.value
    if classified.kind == SearchKind.KANA:
        match, prefix = Q(kana_key__contains=value), value
    else:
        match, prefix = Q(name_key__contains=value) | Q(kana_key__contains=value), ""
    return list(payer_rows(user, match, prefer_prefix=prefix).values_list("resident_no", flat=True))


SATO_NAMES = [
    ("佐藤 花子", "サトウ ハナコ"),  # at the start
    ("伊佐藤 一", "イサトウ ハジメ"),  # in the middle
    ("加藤 佐藤", "カトウ サトウ"),  # at the end
    ("佐々木 二郎", "ササキ ジロウ"),  # 佐 alone: not 佐藤
    ("藤佐 三郎", "フジサ サブロウ"),  # the two characters the other way round
]


def test_a_two_character_surname_finds_every_name_holding_it(operator, import_names):
    numbers = import_names(SATO_NAMES)
    result = found(operator, "佐藤")
    assert set(result) == {numbers["佐藤 花子"], numbers["伊佐藤 一"], numbers["加藤 佐藤"]}
    assert result == scanned(operator, "佐藤")


def test_a_one_character_query_finds_the_character_anywhere_in_a_name(operator, import_names):
    numbers = import_names(
        [
            ("林 一郎", "ハヤシ イチロウ"),
            ("小林 二郎", "コバヤシ ジロウ"),
            ("若林 林", "ワカバヤシ リン"),
            ("森 三郎", "モリ サブロウ"),
        ]
    )
    result = found(operator, "林")
    assert set(result) == {numbers["林 一郎"], numbers["小林 二郎"], numbers["若林 林"]}
    assert result == scanned(operator, "林")
    # The last character of a key ends no two-character piece: it is indexed alone.
    assert found(operator, "郎") == scanned(operator, "郎")
    assert len(found(operator, "郎")) == 3


def test_short_kana_queries_find_the_reading_in_any_width(operator, import_names):
    numbers = import_names(SATO_NAMES)
    for query in ("さと", "サト", "ｻﾄ", "さ", "ｻ"):
        result = found(operator, query)
        assert classify_query(query).kind == SearchKind.KANA
        assert result == scanned(operator, query), query
        assert numbers["佐藤 花子"] in result
    assert numbers["佐々木 二郎"] not in found(operator, "サト")


def test_variant_kanji_are_found_by_the_everyday_form_and_back(operator, import_names):
    numbers = import_names(
        [
            ("髙橋 花子", "タカハシ ハナコ"),
            ("高橋 一郎", "タカハシ イチロウ"),
            ("渡邊 三郎", "ワタナベ サブロウ"),
            ("渡邉 四郎", "ワタナベ シロウ"),
            ("渡辺 五郎", "ワタナベ ゴロウ"),
            ("﨑山 六郎", "サキヤマ ロクロウ"),
            ("𠮷田 七郎", "ヨシダ シチロウ"),
        ]
    )
    takahashi = {numbers["髙橋 花子"], numbers["高橋 一郎"]}
    watanabe = {numbers["渡邊 三郎"], numbers["渡邉 四郎"], numbers["渡辺 五郎"]}
    for query, expected in [
        ("高", takahashi),
        ("髙", takahashi),
        ("髙橋", takahashi),
        ("高橋 花子", {numbers["髙橋 花子"]}),
        ("辺", watanabe),
        ("渡邊", watanabe),
        ("渡辺五郎", {numbers["渡辺 五郎"]}),
        ("崎", {numbers["﨑山 六郎"]}),
        ("崎山", {numbers["﨑山 六郎"]}),
        ("吉", {numbers["𠮷田 七郎"]}),
        ("𠮷田", {numbers["𠮷田 七郎"]}),
    ]:
        assert set(found(operator, query)) == expected, query
        assert found(operator, query) == scanned(operator, query), query


def test_width_long_marks_and_spaces_match_as_before(operator, import_names):
    numbers = import_names(
        [
            ("ラーメン 太郎", "ラーメン タロウ"),
            ("ジョン・スミス", "ジョン・スミス"),
            ("ＳＭＩＴＨ Ｊｏｈｎ", "スミス ジョン"),
        ]
    )
    for query, expected in [
        ("ﾗｰﾒﾝ", "ラーメン 太郎"),
        ("ら－めん", "ラーメン 太郎"),
        ("ラ-", "ラーメン 太郎"),
        ("ジョンスミス", "ジョン・スミス"),
        ("ｼﾞｮﾝ･ｽﾐｽ", "ジョン・スミス"),
        ("SMITH", "ＳＭＩＴＨ Ｊｏｈｎ"),
        ("ＳＭ", "ＳＭＩＴＨ Ｊｏｈｎ"),
    ]:
        result = found(operator, query)
        assert numbers[expected] in result, query
        assert result == scanned(operator, query), query
    # Latin letters keep each engine's own case rule (SQLite's LIKE ignores ASCII case).
    for query in ("smith", "jo", "h"):
        assert found(operator, query) == scanned(operator, query), query


def test_the_index_follows_a_later_package_that_renames_and_adds(operator, import_names):
    numbers = import_names([("佐藤 花子", "サトウ ハナコ"), ("鈴木 一郎", "スズキ イチロウ")])
    assert found(operator, "佐藤") == [numbers["佐藤 花子"]]
    # A delta package: 佐藤 花子 married and is 田中 花子 now; a new 佐藤 arrives.
    import_names([("田中 花子", "タナカ ハナコ")], kind="delta")
    newcomer = import_names([("佐藤 健", "サトウ ケン")], kind="delta", first=5)
    assert found(operator, "佐藤") == [newcomer["佐藤 健"]]
    assert found(operator, "佐藤花子") == []
    assert found(operator, "田中") == [numbers["佐藤 花子"]]
    assert found(operator, "田中花子") == [numbers["佐藤 花子"]]
    assert found(operator, "ハナコ") == [numbers["佐藤 花子"]]
    assert found(operator, "サトウ") == [newcomer["佐藤 健"]]


def test_an_index_in_step_is_left_alone_and_a_damaged_one_is_mended(operator, import_names):
    numbers = import_names(SATO_NAMES)
    assert search_index_sync() == 0
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM people_search")
        if connection.vendor == "sqlite":
            cursor.execute("DELETE FROM people_search_pieces")
    assert found(operator, "佐藤") == []  # the index is what the search reads
    assert search_index_sync() == len(SATO_NAMES)
    assert numbers["佐藤 花子"] in found(operator, "佐藤")
    assert found(operator, "佐藤") == scanned(operator, "佐藤")


def test_a_key_holds_exactly_the_pieces_short_queries_look_up():
    assert pieces("佐藤花子") == sorted(["佐藤", "藤花", "花子", "子"])
    assert pieces("林", "ハヤシ") == sorted(["林", "ハヤ", "ヤシ", "シ"])
    assert pieces("") == []


# Characters that put every fold to work: variants and their everyday forms, kana in
# both scripts and half width, long marks, separators, Latin letters in both cases and
# widths, a character outside the BMP, a ward 外字 (private use), a variation selector.
NAME_CHARACTERS = "佐藤林田中高髙崎﨑辺邊邉斎齋吉𠮷木々aAbＢ\ue000・ー-"
NAME_CHARACTERS += "\U000e0100"
KANA_CHARACTERS = "サトウタカハシさとうたかはしｻﾄｳﾀｶﾊｼーｰ・"
names = st.text(alphabet=NAME_CHARACTERS, min_size=1, max_size=6).filter(
    lambda text: text.strip(" ・ー-\U000e0100") != ""
)
readings = st.text(alphabet=KANA_CHARACTERS, min_size=1, max_size=8).filter(
    lambda text: any(ch not in "ーｰ・" for ch in text)
)
people = st.lists(st.tuples(names, names, readings), min_size=1, max_size=8)
queries = st.text(alphabet=NAME_CHARACTERS + KANA_CHARACTERS + " ", min_size=1, max_size=4)


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(people=people, typed=st.lists(queries, min_size=1, max_size=6), data=st.data())
def test_the_indexed_search_returns_exactly_what_a_scan_returns(
    operator, import_names, people, typed, data
):
    # The same resident numbers each time: later examples rename earlier residents,
    # so the index is also checked after its keys changed.
    import_names([(f"{family} {given_name}", kana) for family, given_name, kana in people])
    # Parts of the names as imported, as someone would type them, and random text.
    for family, given_name, kana in people:
        for text in (family, given_name, kana):
            start = data.draw(st.integers(0, len(text) - 1))
            typed.append(text[start : start + data.draw(st.integers(1, 3))])
    for query in typed:
        classified = classify_query(query)
        if classified is None or classified.kind not in (SearchKind.NAME, SearchKind.KANA):
            continue
        assert found(operator, query) == scanned(operator, query), query


def test_ward_staff_find_by_name_only_payers_of_their_levies_as_the_index_follows(
    import_names,
):
    from support.personas import make_user

    tax = make_user("tax", "ward_staff", "tax")
    nhi = make_user("nhi", "ward_staff", "nhi")
    numbers = import_names([("佐藤 花子", "サトウ ハナコ")], levy="NH")
    for query in ("佐藤", "サトウ", "佐", "佐藤花子"):
        assert found(tax, query) == [] == scanned(tax, query), query
        assert found(nhi, query) == [numbers["佐藤 花子"]] == scanned(nhi, query), query
    # A later package brings her resident tax: the tax clerk finds her from then on.
    import_names([("佐藤 花子", "サトウ ハナコ")], kind="delta", levy="RT")
    for query in ("佐藤", "サトウ", "佐", "佐藤花子"):
        assert found(tax, query) == [numbers["佐藤 花子"]] == scanned(tax, query), query
