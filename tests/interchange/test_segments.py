"""The importer's word-by-word memo of the name functions gives exactly their results."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from saikoku.core.text import kana_key, name_key, to_katakana
from saikoku.interchange.rows import SegmentMemo

names = st.text(
    alphabet=st.sampled_from(
        [*list("すずきスズキｽｽﾞｷﾞﾊﾟーｰ－ ・\u3000髙﨑邊齋渡辺一郎ABCａ１"), "゙", "󠄀", "\ue000"]
    ),
    max_size=16,
)


@settings(max_examples=500, deadline=None)
@given(names)
def test_segment_memo_equals_the_function(text):
    assert SegmentMemo(name_key, keep_spaces=False)(text) == name_key(text)
    assert SegmentMemo(kana_key, keep_spaces=False)(text) == kana_key(text)
    assert SegmentMemo(to_katakana, keep_spaces=True)(text) == to_katakana(text)
