"""A real browser (Debian's chromium, driven by Playwright) against the real served app and sample index."""

from pathlib import Path

import pytest

from .conftest import ROOT
from .ui_server import CHROMIUM_FLAGS, served

pytestmark = pytest.mark.slow
SHOTS = ROOT / "build" / "screenshots"


@pytest.fixture(scope="module")
def app_url(real_index, tmp_path_factory):
    with served(real_index, tmp_path_factory.mktemp("ui")) as url:
        yield url


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
    _ask(page, "西湖区人大在优化营商环境方面做了什么？")
    page.locator("#cards .card").first.wait_for(timeout=60_000)
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
