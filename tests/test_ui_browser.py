"""A real browser (Debian's chromium, driven by Playwright) against the real served app and sample index."""

from pathlib import Path

import pytest

from .conftest import ROOT
from .ui_server import CHROMIUM_FLAGS, served

pytestmark = pytest.mark.slow
SHOTS = ROOT / "build" / "screenshots"


@pytest.fixture(scope="module")
def served_app(real_index, tmp_path_factory):
    workdir = tmp_path_factory.mktemp("ui")
    with served(real_index, workdir) as url:
        yield url, workdir / "index"


@pytest.fixture(scope="module")
def app_url(served_app):
    return served_app[0]


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_FLAGS)
        yield browser
        browser.close()


def _ask(page, question: str):
    page.locator("#question textarea").fill(question)
    page.locator("#send").click()


def test_ask_see_citation_open_source_and_find_the_highlight(browser, app_url):
    SHOTS.mkdir(parents=True, exist_ok=True)
    page = browser.new_page(viewport={"width": 1400, "height": 1000}, locale="zh-CN")
    page.goto(app_url, wait_until="domcontentloaded")
    page.locator("#question textarea").wait_for(timeout=60_000)
    _ask(page, "2024年西湖龙井茶春茶产量是多少？")
    page.locator("#cards .card").first.wait_for(timeout=60_000)
    chat_text = page.locator("#chat").inner_text()
    assert "500吨" in chat_text and "[1]" in chat_text
    assert "摘录式回答" in page.locator("#badge").inner_text()
    card = page.locator("#cards .card").first.inner_text()
    assert "第9期（总第697期" in card and "农工委 刘策" in card
    page.screenshot(path=str(SHOTS / "chat-with-sources.png"), full_page=True)
    # Click the card: the whole article opens, with the cited sentence highlighted.
    page.locator("#cards .card").first.click()
    mark = page.locator("#article mark").first
    mark.wait_for(timeout=30_000)
    assert "500吨" in mark.inner_text()
    assert page.locator("#article p").count() >= 3
    page.screenshot(path=str(SHOTS / "source-opened.png"), full_page=True)
    page.close()


def test_clicking_a_marker_in_the_answer_opens_its_source(browser, app_url):
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    page.goto(app_url, wait_until="domcontentloaded")
    page.locator("#question textarea").wait_for(timeout=60_000)
    _ask(page, "哪几期讲过淳安县的做法？")
    page.locator("#cards .card").nth(1).wait_for(timeout=60_000)
    box = page.evaluate("""() => {
        const walker = document.createTreeWalker(document.querySelector('#chat'), NodeFilter.SHOW_TEXT);
        while (walker.nextNode()) {
            const node = walker.currentNode, at = node.textContent.indexOf('[2]');
            if (at >= 0) {
                const range = document.createRange();
                range.setStart(node, at + 1); range.setEnd(node, at + 2);
                const r = range.getBoundingClientRect();
                return {x: r.x + r.width / 2, y: r.y + r.height / 2};
            }
        }
        return null;
    }""")
    assert box, "no [2] marker in the answer"
    page.mouse.click(box["x"], box["y"])
    page.locator("#article mark").first.wait_for(timeout=30_000)
    second_card = page.locator("#cards .card").nth(1).inner_text()
    article_head = page.locator("#article .card-head").inner_text()
    assert article_head.split(" · ")[0] in second_card
    title = page.locator("#article h3").inner_text()
    assert title in second_card
    page.close()


def test_markup_in_a_question_is_shown_as_text_not_run(browser, app_url):
    page = browser.new_page()
    dialogs = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    page.goto(app_url, wait_until="domcontentloaded")
    page.locator("#question textarea").wait_for(timeout=60_000)
    _ask(page, "<img src=x onerror=alert(1)><script>alert(2)</script>**粗体** [链接](http://evil.example) 西湖龙井产量？")
    page.locator("#cards .card, #cards .refusal").first.wait_for(timeout=60_000)
    page.wait_for_timeout(500)
    assert dialogs == []
    assert page.locator("#chat img[src='x']").count() == 0
    assert page.locator("#chat a[href='http://evil.example']").count() == 0
    assert "**粗体**" in page.locator("#chat").inner_text()
    page.close()


def test_refusal_reads_as_one_and_follow_up_works(browser, app_url):
    page = browser.new_page()
    page.goto(app_url, wait_until="domcontentloaded")
    page.locator("#question textarea").wait_for(timeout=60_000)
    _ask(page, "宁波市人大常委会在优化营商环境方面有哪些做法？")
    page.locator("#cards .refusal").wait_for(timeout=60_000)
    assert "档案中没有答案" in page.locator("#badge").inner_text()
    assert "最接近的文章" in page.locator("#cards").inner_text()
    _answered(page, "西湖区人大在优化营商环境方面做了什么？", 2)
    _ask(page, "那萧山区呢？")
    page.get_by_text("理解为：萧山区人大在优化营商环境方面做了什么？").wait_for(timeout=60_000)
    assert "萧山区" in page.locator("#cards").inner_text()
    page.close()


def test_the_check_tab_marks_each_sentence_of_a_pasted_draft(browser, app_url):
    SHOTS.mkdir(parents=True, exist_ok=True)
    page = browser.new_page(viewport={"width": 1400, "height": 1000}, locale="zh-CN")
    page.goto(app_url, wait_until="domcontentloaded")
    page.get_by_role("tab", name="核对").click()
    page.locator("#check-text textarea").fill(
        "2024年西湖龙井茶春茶产量达到500吨。西湖龙井茶春茶产量达到50吨。杭州市的市长是王伟民。")
    page.locator("#check-button").click()
    page.locator("#check-results .check").nth(2).wait_for(timeout=60_000)
    verdicts = [page.locator("#check-results .check").nth(i).get_attribute("data-verdict") for i in range(3)]
    assert verdicts == ["supported", "contradicted", "not_found"]
    contradicted = page.locator("#check-results .check-contradicted").inner_text()
    assert "来源记载为500吨" in contradicted and "第9期（总第697期" in contradicted
    assert "500吨" in page.locator("#check-results .check-supported mark").first.inner_text()
    page.screenshot(path=str(SHOTS / "check-tab.png"), full_page=True)
    page.close()


DOCS = ROOT / "docs"
UNDATED = "000_7add4dc35fc77e00.txt"


def _page(browser, app_url, width=1400, height=1000, locale="zh-CN"):
    context = browser.new_context(viewport={"width": width, "height": height}, locale=locale)
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=app_url)
    page = context.new_page()
    page.goto(app_url, wait_until="domcontentloaded")
    page.locator("#question textarea").wait_for(timeout=60_000)
    return page


def _answered(page, question: str, count: int):
    """Ask, and wait for the count-th answer bubble (its links are #ref-<k>-<n>)."""
    _ask(page, question)
    page.wait_for_function(f"document.querySelectorAll('#chat .answer').length >= {count}", timeout=60_000)
    page.wait_for_timeout(300)


def test_each_answer_opens_its_own_sources_and_takes_its_own_feedback(browser, served_app):
    import sqlite3

    app_url, index_dir = served_app
    page = _page(browser, app_url)
    _answered(page, "2024年西湖龙井茶春茶产量是多少？", 1)
    _answered(page, "建德市“健康村长”服务机制是怎么推进的？", 2)
    assert "健康村长" in page.locator("#cards").inner_text()
    link = page.locator('#chat a.ref[href="#ref-0-1"]').first
    assert link.evaluate("el => getComputedStyle(el).cursor") == "pointer"
    link.click()
    page.locator("#article mark").first.wait_for(timeout=30_000)
    assert "500吨" in page.locator("#article mark").first.inner_text()
    assert "西湖龙井" in page.locator("#cards").inner_text()  # the side panel now shows the first answer's sources
    # Dislike on the first answer's bubble is recorded against the first question.
    page.locator("#chat button[title='踩']").first.click()
    page.get_by_text("感谢反馈").wait_for(timeout=30_000)
    db = sqlite3.connect(index_dir / "feedback.sqlite")
    rows = db.execute("SELECT question, rating FROM feedback ORDER BY rowid DESC LIMIT 1").fetchall()
    db.close()
    assert rows == [("2024年西湖龙井茶春茶产量是多少？", -1)]
    page.close()


def test_filters_are_shown_validated_and_cleared(browser, app_url):
    page = _page(browser, app_url)
    page.locator("#filters").click()
    page.locator("#date-from textarea, #date-from input").first.fill("2024-13-45")
    page.locator("#date-from textarea, #date-from input").first.press("Tab")
    page.get_by_text("日期不存在：2024-13-45").wait_for(timeout=30_000)
    page.locator("#date-from textarea, #date-from input").first.fill("2024-01-01")
    page.locator("#date-from textarea, #date-from input").first.press("Tab")
    page.locator("#filter-chips .chip").first.wait_for(timeout=30_000)
    assert "日期 2024-01-01 至 不限" in page.locator("#filter-chips").inner_text()
    _answered(page, "2024年西湖龙井茶春茶产量是多少？", 1)
    assert "已按筛选：日期 2024-01-01 至 不限" in page.locator("#chat .answer").last.inner_text()
    page.get_by_role("tab", name="检索").click()
    assert "日期 2024-01-01" in page.locator("#search-scope").inner_text()
    page.get_by_role("tab", name="问答").click()
    page.locator("#clear-filters").click()
    page.wait_for_function("!document.querySelector('#filter-chips .chip')", timeout=30_000)
    assert page.locator("#date-from textarea, #date-from input").first.input_value() == ""
    page.close()


def test_copy_gives_the_answer_with_its_references(browser, app_url):
    page = _page(browser, app_url)
    _answered(page, "2024年西湖龙井茶春茶产量是多少？", 1)
    page.locator("#copy-answer").click()
    page.get_by_text("已复制回答和出处").wait_for(timeout=30_000)
    text = page.evaluate("navigator.clipboard.readText()")
    assert text.startswith("2024年，西湖龙井茶春茶产量达到500吨")
    assert "\n[1] 《杭州人大信息》第9期（总第697期，2024-06-28）《市人大常委会积极推动西湖龙井“金字招牌”越擦越亮》（农工委 刘策）" in text
    assert "\n> 2024年，西湖龙井茶春茶产量达到500吨" in text and "\n    " not in text
    # The chat's own copy button gives the text with the sources, not markup.
    page.locator("#chat button[title='复制消息']").last.click()
    page.wait_for_timeout(800)
    own = page.evaluate("navigator.clipboard.readText()")
    assert "来源" in own and "第9期（总第697期，2024-06-28）" in own and "<" not in own
    page.close()


def test_a_refusal_opens_its_closest_articles(browser, app_url):
    page = _page(browser, app_url)
    _answered(page, "宁波市人大常委会在优化营商环境方面有哪些做法？", 1)
    page.locator("#cards .refusal").wait_for(timeout=60_000)
    first = page.locator("#cards .refusal .card").first
    title = first.locator(".card-title").inner_text().strip("《》")
    first.click()
    page.locator("#article h3").wait_for(timeout=30_000)
    assert title in page.locator("#article h3").inner_text()
    assert "档案" in page.locator("#chat .answer").last.inner_text()
    page.close()


def test_an_answer_quoting_two_years_shows_the_years_above_it(browser, app_url):
    page = _page(browser, app_url)
    _answered(page, "西湖区给刚来杭州的年轻人提供免费住宿，一共住了多少人次？", 1)
    page.locator("#badge .notice").wait_for(timeout=60_000)
    notice = page.locator("#badge .notice").inner_text()
    assert "2024年、2025年" in notice and "未指明年份" in notice
    page.close()


def test_a_list_answer_is_a_list(browser, app_url):
    page = _page(browser, app_url)
    _answered(page, "哪几期讲过淳安县的做法？", 1)
    items = page.locator("#chat .answer-list li")
    assert items.count() >= 2
    assert all("淳安县" in items.nth(i).inner_text() for i in range(items.count()))
    page.close()


def _ui_strings(page) -> list[str]:
    """Visible text and tooltips of the page's chrome (not the archive's own text) with Latin words."""
    return page.evaluate("""() => {
        const skip = (el) => el.closest('#chat .message-content, #cards, #article, #sources, #issue-view, script, style, .hidden-control');
        const out = [];
        const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
        while (walker.nextNode()) {
            const node = walker.currentNode, el = node.parentElement;
            if (!el || skip(el) || !el.getClientRects().length) continue;
            out.push(node.textContent);
        }
        for (const el of document.querySelectorAll('[title], [aria-label], [placeholder]')) {
            if (skip(el)) continue;
            for (const name of ['title', 'aria-label', 'placeholder']) if (el.getAttribute(name)) out.push(el.getAttribute(name));
        }
        return out.map(t => t.trim().replace(/[\\w-]+\\.(txt|pdf)\\b|\\.(pdf|txt)\\b/gi, ''))
                  .filter(t => /[A-Za-z]{3,}/.test(t));
    }""")


@pytest.mark.parametrize("locale", ["zh-CN", "en-US"])
def test_no_english_ui_strings_whatever_the_browser_language(browser, app_url, locale):
    page = _page(browser, app_url, locale=locale)
    _answered(page, "2024年西湖龙井茶春茶产量是多少？", 1)
    found = _ui_strings(page)
    page.get_by_role("tab", name="导入").click()
    page.wait_for_timeout(500)
    found += _ui_strings(page)
    assert found == [], found
    page.close()


def test_fill_in_an_issue_date_and_see_it_cited(browser, app_url):
    DOCS.mkdir(exist_ok=True)
    page = _page(browser, app_url)
    page.get_by_role("tab", name="档案浏览").click()
    page.locator("#browse-issue input").click()
    page.get_by_role("option", name=UNDATED).click()
    page.locator("#meta-hint .suggestion").wait_for(timeout=30_000)
    assert "建议日期" in page.locator("#meta-hint").inner_text()
    assert page.locator("#meta-date textarea, #meta-date input").first.input_value() == ""  # never filled silently
    page.locator("#meta-issue-no textarea, #meta-issue-no input").first.fill("3")
    page.locator("#meta-total-no textarea, #meta-total-no input").first.fill("650")
    page.locator("#meta-date textarea, #meta-date input").first.fill("2023-02-10")
    page.screenshot(path=str(DOCS / "screenshot-archive-editor.png"), full_page=True)
    page.locator("#meta-save").click()
    page.get_by_text("今后引用为").wait_for(timeout=60_000)
    assert "第3期（总第650期，2023-02-10）" in page.locator("#meta-status").inner_text()
    page.get_by_role("tab", name="问答").click()
    _answered(page, "市人大常委会在数字经济领域的立法工作有哪些做法？", 1)
    assert "第3期（总第650期，2023-02-10）" in page.locator("#cards").inner_text()
    assert "第3期（总第650期，2023-02-10）" in page.locator("#chat .answer").last.inner_text()
    page.close()
    phone = _page(browser, app_url, width=390, height=844)
    phone.get_by_role("tab", name="档案浏览").click()
    phone.locator("#browse-issue input").click()
    phone.get_by_role("option", name="第3期（总第650期）（2023-02-10）").click()
    phone.locator("#meta-issue-no textarea, #meta-issue-no input").first.wait_for(timeout=30_000)
    phone.wait_for_function("document.querySelector('#meta-date textarea, #meta-date input').value === '2023-02-10'",
                            timeout=30_000)
    phone.screenshot(path=str(DOCS / "screenshot-archive-editor-phone.png"), full_page=True)
    phone.close()


def test_uploading_the_pdf_of_an_ingested_issue_keeps_one_entry(browser, app_url):
    from .conftest import PDFS

    page = _page(browser, app_url)
    page.get_by_role("tab", name="导入").click()
    page.locator("#upload input[type=file]").set_input_files(str(PDFS / "004_dbed6e9d040a5771.pdf"))
    page.wait_for_timeout(1500)
    page.locator("#ingest-button").click()
    page.locator("#ingest-report p").first.wait_for(timeout=120_000)
    report = page.locator("#ingest-report").inner_text()
    assert "新增 0 期" in report and "同一期" in report and "004_dbed6e9d040a5771.txt" in report
    page.get_by_role("tab", name="档案浏览").click()
    page.locator("#browse-issue input").click()
    options = page.get_by_role("option").all_inner_texts()
    assert sum("第9期（总第697期）" in option for option in options) == 1, options
    page.close()


@pytest.mark.parametrize("width,height,name", [(1400, 1000, "desktop"), (390, 844, "phone")])
def test_screenshots_of_the_chat_and_a_refusal(browser, app_url, width, height, name):
    DOCS.mkdir(exist_ok=True)
    page = _page(browser, app_url, width=width, height=height)
    _answered(page, "2024年西湖龙井茶春茶产量是多少？", 1)
    if name == "phone":  # the sources follow the answer closely on a phone
        gap = page.evaluate("document.querySelector('#cards').getBoundingClientRect().top"
                            " - document.querySelector('#chat').getBoundingClientRect().bottom")
        assert gap < 500, gap
    page.screenshot(path=str(DOCS / f"screenshot-chat-{name}.png"), full_page=True)
    _answered(page, "宁波市人大常委会在优化营商环境方面有哪些做法？", 2)
    page.locator("#cards .refusal").wait_for(timeout=60_000)
    page.screenshot(path=str(DOCS / f"screenshot-refusal-{name}.png"), full_page=True)
    page.close()


def test_rough_edges_search_opens_empty_question_highlight_in_view(browser, app_url):
    page = _page(browser, app_url, height=700)
    _answered(page, "2024年西湖龙井茶春茶产量是多少？", 1)
    cards_before = page.locator("#cards").inner_text()
    # An empty question: a word in the status line, no empty bubble, the sources stay.
    page.locator("#question textarea").fill("   ")
    page.locator("#send").click()
    page.get_by_text("请输入问题。").wait_for(timeout=30_000)
    assert page.locator("#chat .answer").count() == 1 and page.locator("#cards").inner_text() == cards_before
    # The opened article scrolls its highlighted sentence into view.
    page.locator("#cards .card").first.click()
    page.locator("#article mark").first.wait_for(timeout=30_000)
    page.wait_for_timeout(800)
    top = page.evaluate("document.querySelector('#article mark').getBoundingClientRect().top")
    assert 0 <= top <= page.viewport_size["height"], top
    # No share button; the examples hold no follow-up that needs an earlier question.
    assert page.locator("#chat button[title*='分享'], #chat button[title*='Share']").count() == 0
    assert "那临平区呢" not in page.content()
    # Search results are counted and open in full.
    page.get_by_role("tab", name="检索").click()
    page.locator("#search-query textarea, #search-query input").first.fill("健康村长")
    page.locator("#search-button").click()
    page.locator("#search-results .search-hit").first.wait_for(timeout=60_000)
    count = page.locator("#search-results .search-hit").count()
    assert f"找到 {count} 篇相关文章" in page.locator("#search-results").inner_text()
    title = page.locator("#search-results .search-hit .card-title").first.inner_text().strip("《》")
    page.locator("#search-results .search-hit").first.click()
    page.locator("#search-article h3").wait_for(timeout=30_000)
    assert title in page.locator("#search-article h3").inner_text()
    page.close()
