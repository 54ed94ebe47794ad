from assistant.cleaning import compact, is_page_furniture, join_lines, normalise, repair_characters


def test_radicals_from_pdf_text_become_ideographs():
    # Kangxi radicals (⼈⼤, NFKC folds them) and CJK Radicals Supplement (⻰ ⻅ ⻘, NFKC does not).
    assert repair_characters("杭州\u2f08\u2f24信息 西湖\u2ef0井 意\u2ec5 \u2ed8年") == "杭州人大信息 西湖龙井 意见 青年"


def test_full_width_punctuation_survives_repair():
    assert repair_characters("市人大常委会，依法履职。") == "市人大常委会，依法履职。"


def test_split_numbers_and_spaces_between_chinese_are_removed():
    text = "占总数的 77. 8%,较去年提升 2. 6%。 截至 6 月底,8 件"
    assert normalise(text) == "占总数的77.8%，较去年提升2.6%。截至6月底，8件"


def test_spaces_inside_latin_text_are_kept():
    assert normalise("秉承Education（教育）、Exchange Explore 理念") == "秉承Education（教育）、Exchange Explore理念"


def test_ascii_parentheses_around_chinese_become_full_width():
    assert normalise("联络总站(市人大代表联络总站),与") == "联络总站（市人大代表联络总站），与"


def test_page_footer_is_furniture_but_text_is_not():
    assert is_page_furniture("—01—")
    assert is_page_furniture(" —1— ")
    assert not is_page_furniture("2024年6月")


def test_hard_wrapped_lines_rejoin_into_paragraphs():
    lines = ["近年来,市人大常委会聚焦数字经济领域持续推进立法工作,", "相继实施制定条例。", "一是转变时机。"]
    assert join_lines(lines) == ["近年来，市人大常委会聚焦数字经济领域持续推进立法工作，相继实施制定条例。", "一是转变时机。"]


def test_compact_ignores_spaces_and_punctuation():
    assert compact("西湖区:“点、线、面” 结合") == compact("西湖区：“点、线、面”结合")
