"""The claim checker and its parts: figures as whole quantities, verdicts, attribution of LLM sentences."""

import pytest

from assistant.attribution import attribute
from assistant.claims import ClaimChecker
from assistant.figures import chinese_number, find_figures
from assistant.records import Article, Hit, Issue

TEA = ("2024年,西湖龙井茶春茶产量达到500吨,产值约6亿元,“西湖龙井”品牌价值达84.35亿元,"
       "连续六年蝉联中国茶叶区域公用品牌价值榜首。")
LIST = "市场准入负面清单从17项扩容至21项,其中A类事项12项,B类事项9项。"
NEGATIVE = "该条例尚未提请审议,相关调研报告已经完成。"
MORE = ("活动每月安排1-2期,由主任李火林带队,在萧山区宁围街道试点,将“政府选址”模式转变为“镇街上报+专业踏勘”,"
        "从三个方面不断完善监督机制。")
POSTS = ("由区人大常委会主任与区长共同挂帅,区人大常委会副主任、副区长双线牵头。领导小组由常委会主任担任组长,"
         "区委副书记担任第一副组长。茶文化展示馆将于明年建成开放,两个茶园驿站已经建成。")


def _hit(paragraphs, title="西湖区以法治护航西湖龙井茶产业", ordinal=1, district="西湖区") -> Hit:
    issue = Issue("t.txt", "0" * 64, issue_no=9, total_no=697, date="2024-06-28")
    article = Article(f"t-{ordinal}", "t.txt", ordinal, title, "article", "西湖区人大常委会 张三", "西湖区人大常委会",
                      ("张三",), district, "", tuple(paragraphs))
    return Hit(issue, article, (), 1.0)


@pytest.fixture(scope="module")
def checker(real_embedder):
    def sentences(hit):
        from assistant.sentences import split_sentences

        found = split_sentences(hit.article.text)
        return found, real_embedder.embed_passages(found)

    return ClaimChecker(sentences, real_embedder.embed_question)


@pytest.fixture(scope="module")
def tea(checker):
    return checker.candidates_from([_hit([TEA, LIST, NEGATIVE, MORE, POSTS])])


@pytest.mark.parametrize("a, b", [
    ("1.2万人", "12000人"), ("三张清单", "3张清单"), ("百分之五十", "50%"), ("１２０吨", "120吨"),
    ("30余人", "30多名"), ("77. 8%", "77.8%"), ("两个平台", "2个平台"), ("十二项", "12项"), ("6亿元", "60000万元"),
    ("三成", "30%"), ("二〇二四年", "2024年"), ("两张清单", "2张清单"), ("4至6名", "4名"), ("三个方面", "三方面"),
])
def test_forms_of_one_figure_are_equal(a, b):
    fa, fb = find_figures(a)[0], find_figures(b)[0]  # a range's first number has the range's unit
    assert fa.same_value(fb), (fa, fb)


@pytest.mark.parametrize("a, b", [
    ("500吨", "50吨"), ("500吨", "500万吨"), ("84.35亿元", "84亿元"), ("77.8%", "7.8%"), ("2024年", "2023年"),
    ("500吨", "500元"), ("第一", "第二"),
])
def test_different_figures_are_different(a, b):
    (fa,), (fb,) = find_figures(a), find_figures(b)
    assert not fa.same_value(fb), (fa, fb)


def test_chinese_numbers_and_words_that_are_not_numbers():
    assert chinese_number("两千三百万") == 23_000_000
    assert chinese_number("一百零五") == 105
    assert chinese_number("七十七点八") == pytest.approx(77.8)
    assert chinese_number("十四五") is None
    assert find_figures("一是加强监督,推进“五水共治”和“十四五”规划") == ()


def test_a_figure_knows_its_measure():
    figures = {f.text: f for f in find_figures(TEA)}
    assert "产量" in figures["500吨"].context and "产值" in figures["6亿元"].context


@pytest.mark.parametrize("claim", [
    "2024年西湖龙井茶春茶产量达到500吨，产值约6亿元。",
    "西湖龙井茶2024年的春茶产量为500吨。",
    "西湖龙井品牌价值达到84.35亿元，已连续六年位居全国茶叶区域公用品牌价值第一。",
    "负面清单由17项扩大到21项。",
    "据第9期（总第697期）报道，2024年西湖龙井茶春茶产量达到500吨。",  # the masthead's numbers
    "市人大常委会主任李火林带队，从三方面不断完善监督机制。",  # 三个方面 = 三方面; 不断 denies nothing
    "宁围街道将“政府选址”模式转变为“镇街上报+专业踏勘”。",
    "区人大常委会主任和区长共同挂帅。",
    "区人大常委会副主任、副区长双线牵头。",
    "区委副书记担任领导小组第一副组长。",
    "茶文化展示馆将于明年建成开放。",
    "两个茶园驿站已经建成。",
])
def test_faithful_claims_are_supported(checker, tea, claim):
    result = checker.check(claim, tea)
    assert result.verdict == "supported", result
    assert result.support and result.support[0].hit.issue.label == "第9期（总第697期）"


@pytest.mark.parametrize("claim, says", [
    ("2024年西湖龙井茶春茶产量达到50吨。", "500吨"),
    ("2024年西湖龙井茶春茶产量达到5吨。", "500吨"),
    ("2024年西湖龙井茶春茶产量达到500万吨。", "500吨"),
    ("“西湖龙井”品牌价值达84亿元。", "84.35亿元"),
    ("2023年西湖龙井茶春茶产量达到500吨。", "2024年"),
    ("西湖龙井品牌价值连续六年位居第二。", "榜首"),
    ("第8期报道，2024年西湖龙井茶春茶产量达到500吨。", "第9期"),
    ("总第698期报道，2024年西湖龙井茶春茶产量达到500吨。", "总第697期"),
])
def test_wrong_figures_are_contradicted_with_what_the_source_says(checker, tea, claim, says):
    result = checker.check(claim, tea)
    assert result.verdict == "contradicted", result
    assert says in result.reason


@pytest.mark.parametrize("claim", [
    "2024年西湖龙井茶春茶产量没有达到500吨。",  # polarity
    "2024年西湖龙井茶春茶产值达到500吨。",  # the figure of another measure
    "2024年西湖龙井茶春茶产量约6亿元，产值达到500吨。",  # two figures swapped
    "负面清单从21项缩减到17项。",  # direction reversed
    "其中A类事项9项。",  # A类 against B类
    "该条例已经提请审议。",  # a negated fact stated as done
    "2024年上城区西湖龙井茶春茶产量达到500吨。",  # another district
    "杭州市的市长是王伟民。",  # made up
    "活动每周安排1-2期。",  # how often
    "在萧山区瓜沥镇试点。",  # a town the article does not name
    "将“镇街上报+专业踏勘”模式转变为“政府选址”模式。",  # the change reversed
    "市人大常委会秘书长李火林带队。",  # another post
    "相关调研报告尚未完成。",  # denied where the source affirms
    "区人大常委会副主任与副区长共同挂帅。",  # the deputies for the heads
    "区委副书记担任领导小组组长。",  # 第一副组长 as 组长
    "茶文化展示馆已经建成开放。",  # done, where the source says it is to come
])
def test_mutated_claims_are_never_supported(checker, tea, claim):
    result = checker.check(claim, tea)
    assert result.verdict in ("contradicted", "not_found"), result


def test_a_claim_about_nothing_in_the_sources_is_not_found(checker, tea):
    result = checker.check("西湖区计划在明年建成三座茶叶博物馆。", tea)
    assert result.verdict == "not_found" and result.reason


def test_attribution_cites_unmarked_sentences_and_corrects_wrong_markers(checker):
    packed = [(1, _hit(["西湖区召开了人大代表座谈会,听取意见建议。"], title="座谈会", ordinal=2), "x"),
              (2, _hit([TEA]), "y")]
    answer = "2024年西湖龙井茶春茶产量达到500吨。品牌价值达84.35亿元[1]。春茶产量达到50吨[2]。"
    first, second, third = attribute(answer, packed, checker)
    assert first.check.supported and first.sources == (2,) and first.markers == () and not first.reattributed
    assert second.check.supported and second.sources == (2,) and second.reattributed
    assert third.check.verdict == "contradicted" and third.sources == ()


@pytest.mark.parametrize("question, reply, statement", [
    ("2024年西湖龙井茶春茶产量达到多少吨？", "500吨", "2024年西湖龙井茶春茶产量达到500吨。"),
    ("会上一共提了多少个问题？有几个部门回答？", "12个。", "会上一共提了12个问题。"),
    ("座谈会、论证会一共开了多少场次？", "15场次", "座谈会、论证会一共开了15场次。"),
    ("那期的责任编辑是谁？", "徐佳琪", "那期的责任编辑是徐佳琪。"),
    ("产量是多少？", "产量达到500吨，产值约6亿元，品牌价值达84.35亿元。", "产量达到500吨，产值约6亿元，品牌价值达84.35亿元。"),
])
def test_a_reply_that_is_only_the_value_is_read_in_the_question(question, reply, statement):
    from assistant.attribution import stated

    assert stated(question, reply) == statement


def test_bare_values_are_checked_for_what_they_say_and_file_names_are_dropped(checker):
    packed = [(1, _hit([TEA, LIST]), "x")]
    question = "2024年西湖龙井茶春茶产量达到多少吨？"
    right, = attribute("500吨[1]", packed, checker, question)
    wrong, = attribute("50吨", packed, checker, question)
    # Shown as it was checked: the value in the question's words.
    assert right.check.supported and right.sources == (1,) and right.text == "2024年西湖龙井茶春茶产量达到500吨。"
    assert wrong.check.verdict == "contradicted" and "500吨" in wrong.check.reason
    # An answer that counts issues: each sentence shown under the issue of its support; a lone 第二期 is a claim.
    first, second = attribute("第一期：A类事项12项[1]。第二期：B类事项9项。", packed, checker, "两期里各有多少项？")
    assert first.check.supported and first.text == "第9期（总第697期）：A类事项12项。"
    assert second.check.supported and second.text == "第9期（总第697期）：B类事项9项。"
    lone, = attribute("第二期：A类事项12项。", packed, checker, "两期里A类事项各有多少项？")
    assert not lone.check.supported
    bare = _hit([LIST])  # an issue without a masthead is named by its file name, which is not shown as an issue
    bare = Hit(Issue("x.txt", "0" * 64), bare.article, (), 1.0)
    first, _ = attribute("第一期：A类事项12项。第二期：B类事项9项。", [(1, bare, "x")], checker, "两期里各有多少项？")
    assert first.check.supported and first.text == "A类事项12项。"
    named, = attribute("t.txt：A类事项12项。", packed, checker, "清单里有哪些事项？")
    assert named.text == "A类事项12项。" and named.check.supported


def test_a_date_written_as_the_citations_write_it_is_the_same_date(checker, tea):
    from assistant.figures import find_figures

    iso, written = find_figures("2024-06-28"), find_figures("2024年6月28日")
    assert [f.kind for f in iso] == ["year", "date"] and all(a.same_value(b) for a, b in zip(iso, written))
    assert checker.check("《杭州人大信息》第9期（2024-06-28）报道，2024年西湖龙井茶春茶产量达到500吨。", tea).supported
    assert not checker.check("《杭州人大信息》第9期（2024-07-28）报道，2024年西湖龙井茶春茶产量达到500吨。", tea).supported


def test_where_an_article_appeared_is_its_source_too(checker):
    """The masthead (期号, 总期号, date, column) supports a claim about it, and only the right one."""
    packed = [(1, _hit([TEA]), "x")]
    candidates = checker.candidates_from([hit for _, hit, _ in packed], [1])
    assert checker.check("总第697期《杭州人大信息》是2024年6月28日出版的。", candidates).supported
    assert not checker.check("总第697期《杭州人大信息》是2024年7月28日出版的。", candidates).supported
    assert not checker.check("总第698期《杭州人大信息》是2024年6月28日出版的。", candidates).supported
    bare = Hit(Issue("x.txt", "0" * 64), _hit([TEA]).article, (), 1.0)  # no masthead: nothing said of it
    assert all(c.index >= 0 for c in checker.candidates_from([bare]))


def test_an_answer_counting_the_items_it_lists_is_checked_item_by_item(checker):
    packed = [(1, _hit(["推动建立村社工作服务清单、居民健康数据清单、团队需求清单等“三张清单”。"]), "x")]
    first, second, third = attribute("第一张清单是村社工作服务清单。第二张清单是居民健康数据清单。第三张清单是团队需求清单。",
                                     packed, checker, "三张清单是哪三张？")
    assert [a.text for a in (first, second, third)] == ["村社工作服务清单。", "居民健康数据清单。", "团队需求清单。"]
    assert first.check.supported and second.check.supported and third.check.supported
    lone, = attribute("第二张清单是居民健康数据清单。", packed, checker, "三张清单是哪三张？")
    assert lone.text == "第二张清单是居民健康数据清单。"  # not a count of the answer's own: a claim about an order


@pytest.mark.parametrize("english, chinese, agrees", [
    ("Spring tea output reached 500 tons in 2024.", "2024年春茶产量达到500吨。", True),
    ("Spring tea output reached 50 tons in 2024.", "2024年春茶产量达到500吨。", False),  # a rendering that "corrects"
    ("It was passed with 99.8% approval.", "以99.80%的赞成率通过。", True),
    ("The regulation has not been submitted.", "该条例已提请审议。", False),
    ("The regulation has been submitted.", "该条例尚未提请审议。", False),
    ("Work continued steadily.", "工作不断推进。", True),
    ("The 38 projects have a total investment of 609 million yuan.", "38个项目总投资609亿元。", False),  # the scale
    ("The 38 projects have a total investment of 609亿元.", "38个项目总投资609亿元。", True),
    ("He is deputy secretary-general of the committee.", "他是常委会副秘书长。", True),
    ("He is deputy secretary-general of the committee.", "他是常委会秘书长。", False),  # the post, not its deputy
    ("The vice chairman attended.", "副主任出席。", True),
    ("The director attended.", "副主任出席。", False),
    ("The name lives up to its reputation.", "名副其实。", True),
])
def test_a_rendering_must_keep_the_numbers_denials_and_deputies_of_its_english(english, chinese, agrees):
    from assistant.attribution import rendering_disagrees

    assert (rendering_disagrees(english, chinese) == "") is agrees


def test_english_sentences_are_checked_through_their_chinese_rendering(checker):
    packed = [(1, _hit([TEA]), "x")]
    right = "Spring tea output reached 500 tons in 2024."
    wrong = "Spring tea output reached 50 tons in 2024."
    unchanged = attribute(f"{right} {wrong}", packed, checker, "How much spring tea was produced in 2024?")
    assert [a.check.verdict for a in unchanged] == ["not_found", "not_found"]  # English alone is not confirmed
    rendered = attribute(f"{right} {wrong}", packed, checker, "2024年春茶产量是多少？",
                         {right: "2024年西湖龙井茶春茶产量达到500吨。", wrong: "2024年西湖龙井茶春茶产量达到50吨。"})
    assert rendered[0].check.supported and rendered[0].text == right and "500吨" in rendered[0].check.quote
    assert "按中文译文核验" in rendered[0].check.reason
    assert rendered[1].check.verdict == "contradicted"
    # A bare value is read in the rendered question; a rendering that changes a number is refused.
    value, = attribute("500 tons", packed, checker, "2024年西湖龙井茶春茶产量达到多少吨？", {"500 tons": "500吨"})
    assert value.check.supported
    fixed, = attribute(wrong, packed, checker, "", {wrong: "2024年西湖龙井茶春茶产量达到500吨。"})
    assert not fixed.check.supported and "数字" in fixed.check.reason


def test_articles_named_for_which_articles_are_checked_against_where_they_appeared(checker):
    from dataclasses import replace

    tea, posts = _hit([TEA]), _hit([POSTS], title="西湖区茶文化展示馆", ordinal=2)
    tea = replace(tea, article=replace(tea.article, column="监督纵横"))
    posts = replace(posts, article=replace(posts.article, column="情况交流"))
    packed = [(1, tea, "x"), (2, posts, "y")]
    named, = attribute("《西湖区以法治护航西湖龙井茶产业》。", packed, checker, "总第697期“监督纵横”栏目有哪些文章？")
    assert named.check.supported and named.sources == (1,) and "刊于" in named.check.quote
    for question in ("总第698期“监督纵横”栏目有哪些文章？", "总第697期“情况交流”栏目有哪些文章？"):
        wrong, = attribute("《西湖区以法治护航西湖龙井茶产业》。", packed, checker, question)
        assert not wrong.check.supported
    invented, = attribute("《西湖区茶产业发展报告》。", packed, checker, "总第697期有哪些文章？")
    assert not invented.check.supported  # not a source's title
    not_asked, = attribute("《西湖区以法治护航西湖龙井茶产业》。", packed, checker, "西湖龙井茶的品牌价值是多少？")
    assert not not_asked.check.supported  # a title answers only a question asking for articles


def test_a_bare_value_in_the_classifier_asked_and_issues_named_for_which_issues(checker):
    from assistant.attribution import stated

    # 多少稿 answered 70余稿: the classifier is the question's, though not a unit the figures know.
    assert stated("条例文本前后打磨修改了多少稿？", "70余稿。") == "条例文本前后打磨修改了70余稿。"
    assert stated("条例文本前后打磨修改了多少稿？", "70余次会议") == "70余次会议"
    packed = [(1, _hit([TEA]), "x")]
    named, = attribute("第9期", packed, checker, "哪几期讲过西湖龙井茶？")
    assert named.check.supported and "刊于" in named.check.quote
    other, = attribute("第8期", packed, checker, "哪几期讲过西湖龙井茶？")
    assert not other.check.supported  # not the issue of a source
    # 在第一期中… 在第二期中…: the answer's own count, as 第一期：
    first, second = attribute("在第一期中，A类事项12项。在第二期中，B类事项9项。", [(1, _hit([LIST]), "x")], checker,
                              "两期里各有多少项？")
    assert first.check.supported and second.check.supported and first.text.startswith("第9期")


def test_two_counts_swapped_are_caught_by_what_follows_them(checker):
    """Chinese names what a count counts after it (7幢写字楼): a swap with other words before is still a swap."""
    source = checker.candidates_from([_hit(["在运河商务社区7幢写字楼和14幢独栋楼宇内，均设立“商圈立法信息采集点”。"])])
    swapped = checker.check("运河商务社区设立立法信息采集点，包括14幢写字楼和7幢独栋楼宇。", source)
    assert swapped.verdict == "contradicted" and "14幢" in swapped.reason
    assert checker.check("运河商务社区设立立法信息采集点，包括7幢写字楼和14幢独栋楼宇。", source).supported


def _issue_hit(paragraphs, title, ordinal, issue_no, date) -> Hit:
    issue = Issue(f"i{issue_no}.txt", "0" * 64, issue_no=issue_no, total_no=690 + issue_no, date=date)
    article = Article(f"i{issue_no}-{ordinal}", issue.source, ordinal, title, "article", "西湖区人大常委会办公室",
                      "西湖区人大常委会", (), "西湖区", "", tuple(paragraphs))
    return Hit(issue, article, (), 1.0)


def test_figures_given_respectively_rest_each_on_its_own_issue(checker):
    """两期…分别是387家和2075家: one sentence about two issues, each figure supported by its own article."""
    first = _issue_hit(["目前，全区已新增大学生创业企业387家，新增就业1.38万人。"], "西湖区：聚焦三个“更”", 1, 9, "2024-06-28")
    second = _issue_hit(["累计助力新增大学生创业企业2075家，为青年提供全周期支持。"], "西湖区：多措并举", 2, 5, "2025-07-11")
    both = checker.candidates_from([first, second], [1, 2])
    check = checker.check("两期中，西湖区新增大学生创业企业分别是387家和2075家。", both)
    assert check.supported and {s.hit.article.article_id for s in check.support} == {"i9-1", "i5-2"}
    assert not checker.check("两期中，西湖区新增大学生创业企业分别是387家和2076家。", both).supported
    assert not checker.check("两期中，西湖区新增大学生创业企业分别是38家和2075家。", both).supported
    # 两期 counts issues: two articles of one issue do not give "two issues' figures".
    same = checker.candidates_from([first, _issue_hit(["累计助力新增大学生创业企业2075家。"], "西湖区：多措并举", 2, 9,
                                                      "2024-06-28")], [1, 2])
    assert not checker.check("两期中，西湖区新增大学生创业企业分别是387家和2075家。", same).supported
    # Where one sentence holds both figures, it decides their order: a swap stays a swap.
    one = checker.candidates_from([_hit(["西湖区新增大学生创业企业和新增就业分别为387家和1.38万人。"])])
    assert checker.check("西湖区新增大学生创业企业和新增就业分别为387家和1.38万人。", one).supported
    assert not checker.check("西湖区新增大学生创业企业和新增就业分别为1.38万人和387家。", one).supported


def test_an_item_of_a_list_must_be_the_articles_item_in_that_place(checker):
    """三是深化预算执行监督 where the article's third item is 深化项目审查监督: contradicted, with the item."""
    hit = _hit(["临平区人大常委会聚焦预算、计划、审计三大审查监督重点。", "一是深化预算审查监督。",
                "强化预算全口径审查、全过程监督，深入调研预算执行情况，提出意见建议13条。", "二是深化计划审查监督。",
                "认真审查计划草案，推进共同富裕等方面意见建议16条。", "三是深化项目审查监督。", "对重大项目开展跟踪监督。",
                "四是深化审计整改监督。", "推动审计查出问题整改到位。"], title="临平区：抓实“四个深化”")
    source = checker.candidates_from([hit])
    assert checker.check("三是深化项目审查监督。", source).supported
    assert checker.check("一是深化预算审查监督。", source).supported
    for wrong, place in (("三是深化预算执行监督。", "第3项"), ("四是深化共同富裕监督。", "第4项"),
                         ("一是深化计划审查监督。", "第1项")):
        check = checker.check(wrong, source)
        assert check.verdict == "contradicted" and place in check.reason, (wrong, check)
    # Without its ordinal the sentence is not placed in the list, and is checked as any other.
    assert checker.check("临平区深化计划审查监督。", source).supported


def test_a_bare_number_counts_the_character_after_it(checker):
    """连发12问 supports 提了12个问题; it does not support 12个部门."""
    source = checker.candidates_from([_hit(["常委会组成人员直奔主题、连发12问，7个区级职能部门负责人积极作答。"])])
    assert checker.check("常委会组成人员一共提了12个问题，7个区级职能部门负责人作答。", source).supported
    assert not checker.check("常委会组成人员连发7问，12个区级职能部门负责人作答。", source).supported


def test_the_issues_editor_and_phone_are_its_footers(checker):
    issue = Issue("f.txt", "0" * 64, issue_no=5, total_no=711, date="2025-07-11", editor="杨青青", phone="(0571)85250657")
    article = Article("f-1", "f.txt", 1, "富阳区：“双标双带”制推动代表工作高质量发展", "article", "富阳区人大常委会办公室",
                      "富阳区人大常委会办公室", (), "富阳区", "代表工作", ("富阳区人大常委会创新开展“双标双带”制工作。",))
    source = checker.candidates_from([Hit(issue, article, (), 1.0)])
    assert checker.check("第5期（总第711期）的责任编辑是杨青青。", source).supported
    assert checker.check("第5期的联系电话是(0571)85250657。", source).supported
    wrong = checker.check("第5期（总第711期）的责任编辑是富阳区人大常委会办公室。", source)
    assert wrong.verdict == "contradicted" and "杨青青" in wrong.reason
    assert checker.check("第5期的联系电话是(0571)85250658。", source).verdict == "contradicted"
