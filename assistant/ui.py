"""The Gradio chat page: answers with source cards, filters, archive, search, upload, feedback."""


import os
import time
from pathlib import Path

from .errors import AssistantError
from . import render
from .ui_handlers import EXAMPLES, Services, Session, filters_text, parse_filters, services_for, session_for

CSS = """
.badge {display:inline-block;padding:2px 10px;border-radius:10px;font-size:13px;margin-right:8px;color:#fff}
.badge-llm {background:#2e7d32} .badge-extractive {background:#1565c0} .badge-refused {background:#757575}
.rewrite {font-size:13px;color:#555} .notice {margin-top:6px;padding:6px 10px;background:#fff3e0;border-left:4px solid #ef6c00;font-size:13px}
.card[data-n], .search-hit {cursor:pointer} .card[data-n]:hover, .search-hit:hover {border-color:#ef6c00}
.card {border:1px solid #ddd;border-radius:8px;padding:10px 12px;margin-bottom:10px;background:#fafafa}
.card-head {font-size:12px;color:#666} .card-title {font-weight:600;margin:4px 0} .card-byline {font-size:12px;color:#888;margin-bottom:6px}
.card-text, .article p {line-height:1.7} mark {background:#ffeb3b;padding:0 2px}
.refusal {padding:10px;border:1px dashed #999;border-radius:8px}
.article h3 {margin:6px 0}
.check-supported {border-left:4px solid #2e7d32} .check-contradicted {border-left:4px solid #c62828}
.check-not_found {border-left:4px solid #9e9e9e} .check-mark {font-size:16px;font-weight:700} .check-claim {margin:4px 0;font-weight:500}
.check-reason {font-size:13px;color:#c62828} .check-source {font-size:12px;color:#555;margin-top:6px}
a.ref {color:#1565c0;text-decoration:underline;cursor:pointer;font-size:0.9em}
.answer-list {margin:0;padding-left:1.2em} .answer-list li {margin:2px 0}
.answer-refs {margin-top:8px;font-size:12px;color:#555} .answer-refs ul {margin:2px 0;padding-left:0;list-style:none}
.answer-filter {font-size:12px;color:#8a4b00;margin-bottom:4px}
.chip {display:inline-block;background:#fff3e0;border:1px solid #ef6c00;border-radius:12px;padding:1px 10px;margin:2px 6px 2px 0;font-size:13px}
#status {font-size:13px;color:#555;min-height:1.4em} .suggestion {font-size:13px;background:#e3f2fd;padding:6px 10px;border-radius:6px}
.hidden-control {display:none !important}
"""


# A [n] in an answer (bound to its own answer), a source card, a search result: each opens its article.
# The choice goes to the server through a hidden box and button; the highlighted sentence is scrolled to.
OPEN_SOURCE_JS = """
() => {
  const send = (id, value) => {
    const box = document.querySelector('#' + id + ' textarea, #' + id + ' input');
    const button = document.querySelector('#' + id + '-button');
    if (!box || !button) return;
    box.value = value;
    box.dispatchEvent(new Event('input', {bubbles: true}));
    setTimeout(() => button.click(), 50);
  };
  document.documentElement.setAttribute('lang', 'zh-CN');
  document.addEventListener('click', (event) => {
    // The chat's own copy button copies the bubble's markup: put its text, with the sources, there instead.
    const copy = event.target.closest('#chat button[title="复制消息"]');
    if (copy) {
      let group = copy;
      while (group && !group.querySelector('[data-testid="bot"] .answer')) group = group.parentElement;
      const bubbles = group ? group.querySelectorAll('[data-testid="bot"] .answer') : [];
      if (bubbles.length) {
        const text = bubbles[bubbles.length - 1].innerText;
        setTimeout(() => navigator.clipboard.writeText(text).catch(() => {}), 200);
      }
      return;
    }
    const ref = event.target.closest('a.ref');
    const target = ref && /^#ref-(\d+)-(\d+)$/.exec(ref.getAttribute('href') || '');
    if (target) { event.preventDefault(); send('open-ref', target[1] + ':' + target[2] + ':' + Date.now()); return; }
    const card = event.target.closest('#cards .card[data-n]');
    if (card) { send('open-ref', 'shown:' + card.dataset.n + ':' + Date.now()); return; }
    const hit = event.target.closest('#search-results .search-hit');
    if (hit) { send('open-article', hit.dataset.article + '|' + Date.now()); }
  });
  // Gradio labels each bubble "bot's message: <markup>" for screen readers: say it in Chinese, as text.
  const names = {'More tabs': '更多标签页', 'chatbot conversation': '对话记录',
                 'Click to upload or drop files': '点击上传或拖放文件', 'File upload': '上传文件'};
  const relabel = () => {
    for (const el of document.querySelectorAll('[aria-label]')) {
      const name = names[el.getAttribute('aria-label')];
      if (name) el.setAttribute('aria-label', name);
    }
    for (const bubble of document.querySelectorAll('#chat [data-testid="bot"], #chat [data-testid="user"]')) {
      const label = (bubble.dataset.testid === 'bot' ? '回答：' : '问题：') + bubble.innerText.slice(0, 200);
      if (bubble.getAttribute('aria-label') !== label) bubble.setAttribute('aria-label', label);
    }
  };
  const seen = new WeakSet();
  new MutationObserver(() => {
    relabel();
    for (const mark of document.querySelectorAll('#article mark, #search-article mark, #article h3, #search-article h3')) {
      if (seen.has(mark)) continue;
      seen.add(mark);
      if (mark.tagName === 'MARK' || !mark.closest('.article').querySelector('mark')) {
        mark.scrollIntoView({block: 'center'});
      }
    }
  }).observe(document.body, {childList: true, subtree: true, attributes: true, attributeFilter: ['aria-label']});
}
"""

COPY_JS = """
async (markdown) => {
  if (!markdown) return '<span>还没有可复制的回答。</span>';
  try { await navigator.clipboard.writeText(markdown); return '<span>已复制回答和出处，可直接粘贴到报告中。</span>'; }
  catch (e) { return '<span>浏览器不允许写入剪贴板，请在“复制内容”框中手动复制。</span>'; }
}
"""
FILTERS_LABEL = "筛选（对之后的每个问题和“检索”都生效，直到清除）"


def _chips(d_from, d_to, issue_list, district_list, labels: dict[str, str]):
    """The active filters as chips above the input, or the reason a typed date is not accepted."""
    import gradio as gr

    try:
        note = filters_text(parse_filters(d_from, d_to, issue_list, district_list), labels)
    except AssistantError as exc:
        return render.notice_html(f"筛选未生效：{exc}"), gr.update(visible=True)
    if not note:
        return "", gr.update(visible=False)
    return render.chips_html(note), gr.update(visible=True)


def build_app(services: Services):
    import gradio as gr

    # delete_cache: Gradio's copies of uploaded files older than an hour are removed every hour.
    with gr.Blocks(title="《杭州人大信息》档案问答", delete_cache=(3600, 3600)) as demo:
        session = gr.State(Session())
        gr.Markdown("## 《杭州人大信息》档案问答\n回答均引自档案原文，并注明期号、日期、标题和作者，引用前请核对来源。")
        with gr.Tab("问答"):
            with gr.Row(equal_height=False):
                with gr.Column(scale=3, min_width=320):
                    chatbot = gr.Chatbot(label="对话", height=460, render_markdown=False, sanitize_html=True,
                                         feedback_options=("Like", "Dislike"), elem_id="chat", buttons=["copy"])
                    chips = gr.HTML(elem_id="filter-chips")
                    clear_filters = gr.Button("清除筛选", size="sm", visible=False, elem_id="clear-filters")
                    with gr.Row():
                        question = gr.Textbox(label="问题", placeholder="请输入问题，例如：2024年西湖龙井茶春茶产量是多少？",
                                              show_label=False, scale=5, elem_id="question", max_length=2000)
                        send = gr.Button("提问", variant="primary", scale=1, elem_id="send")
                    status = gr.HTML(elem_id="status")
                    with gr.Row():
                        copy_button = gr.Button("复制回答（含出处）", elem_id="copy-answer")
                        clear = gr.Button("清空对话", elem_id="clear")
                with gr.Column(scale=2, min_width=320):
                    badge = gr.HTML(elem_id="badge")
                    cards = gr.HTML(elem_id="cards")
                    sources = gr.Radio(label="点击来源查看全文", choices=[], elem_id="sources")
                    article = gr.HTML(elem_id="article")
            gr.Examples(EXAMPLES, inputs=question, label="示例问题")
            with gr.Accordion(FILTERS_LABEL, open=False, elem_id="filters"):
                with gr.Row():
                    date_from = gr.Textbox(label="起始日期", placeholder="年-月-日，如 2024-01-01", elem_id="date-from")
                    date_to = gr.Textbox(label="截止日期", placeholder="年-月-日，如 2024-12-31", elem_id="date-to")
                issues = gr.Dropdown(label="期次", multiselect=True, choices=services.archive.issue_choices(), elem_id="filter-issues")
                districts = gr.Dropdown(label="区县", multiselect=True, choices=services.archive.district_choices(),
                                        elem_id="filter-districts")
            with gr.Accordion("评价右侧所示的回答（也可点对话中每条回答下的“赞”或“踩”）", open=False):
                comment = gr.Textbox(label="意见（可选）", max_lines=3, max_length=2000, elem_id="comment")
                with gr.Row():
                    up = gr.Button("有用", elem_id="feedback-up")
                    down = gr.Button("有问题", elem_id="feedback-down")
            with gr.Accordion("复制内容（含出处）", open=False):
                markdown = gr.Textbox(label="复制内容", show_label=False, lines=6, interactive=False, elem_id="markdown")
            open_ref = gr.Textbox(label="来源编号", elem_id="open-ref", elem_classes=["hidden-control"], show_label=False)
            open_ref_button = gr.Button("打开来源", elem_id="open-ref-button", elem_classes=["hidden-control"])
        with gr.Tab("档案浏览"):
            browse_issue = gr.Dropdown(label="期次", choices=services.archive.issue_choices(), elem_id="browse-issue")
            issue_view = gr.HTML()
            with gr.Accordion("刊期信息：填写或更正（保存后所有引用立即使用，重新导入后仍然有效）", open=True,
                              elem_id="metadata-editor"):
                with gr.Row():
                    meta_issue_no = gr.Textbox(label="期号", elem_id="meta-issue-no")
                    meta_total_no = gr.Textbox(label="总期号", elem_id="meta-total-no")
                    meta_date = gr.Textbox(label="出版日期", placeholder="年-月-日，如 2024-06-28", elem_id="meta-date")
                    meta_publication = gr.Textbox(label="刊名", elem_id="meta-publication")
                meta_hint = gr.HTML(elem_id="meta-hint")
                meta_save = gr.Button("保存刊期信息", variant="primary", elem_id="meta-save")
                meta_status = gr.HTML(elem_id="meta-status")
            browse_article = gr.Dropdown(label="文章", choices=[])
            article_view = gr.HTML()
            with gr.Accordion("导入历史", open=False):
                history_view = gr.HTML(elem_id="history")
        with gr.Tab("检索"):
            search_scope = gr.HTML(elem_id="search-scope")
            query = gr.Textbox(label="关键词或问题（只列出相关文章，不生成回答）", elem_id="search-query")
            search = gr.Button("检索", elem_id="search-button")
            results = gr.HTML(elem_id="search-results")
            search_article = gr.HTML(elem_id="search-article")
            open_article = gr.Textbox(label="文章编号", elem_id="open-article", elem_classes=["hidden-control"],
                                      show_label=False)
            open_article_button = gr.Button("打开文章", elem_id="open-article-button", elem_classes=["hidden-control"])
        with gr.Tab("核对"):
            draft = gr.Textbox(label="粘贴要核对的文字（逐句与档案比对：有据可查、与来源不符、未找到出处）", lines=8,
                               max_length=20000, elem_id="check-text")
            check_button = gr.Button("核对", variant="primary", elem_id="check-button")
            check_view = gr.HTML(elem_id="check-results")
        with gr.Tab("导入"):
            files = gr.File(label="上传 .pdf 或 .txt", file_count="multiple", file_types=[".pdf", ".txt"],
                            elem_id="upload")
            confirm_replace = gr.Checkbox(label="确认替换已导入的期（同一刊头或同一期的文件）", value=False,
                                          elem_id="confirm-replace")
            ingest_button = gr.Button("导入", variant="primary", elem_id="ingest-button")
            ingest_report = gr.HTML(elem_id="ingest-report")

        filter_inputs = [date_from, date_to, issues, districts]

        def user_of(request) -> str | None:
            return getattr(request, "username", None)

        def submit(text, history, state, d_from, d_to, issue_list, district_list, request: gr.Request):
            state = session_for(state, user_of(request))
            history = list(history or [])
            keep, asked = gr.update(), False
            if not (text or "").strip():
                yield keep, keep, keep, keep, keep, keep, keep, "请输入问题。", state
                return
            started = time.monotonic()
            try:
                state.filters = parse_filters(d_from, d_to, issue_list, district_list)
                waiting = "正在查找和作答……"
                if services.chat.importing:
                    waiting += "（同时有文件正在导入，回答可能慢一些）"
                # The chat renders HTML: every text shown there is escaped first.
                history.append({"role": "user", "content": render.question_html(text)})
                history.append({"role": "assistant", "content": "……"})
                asked = True
                yield history, "", "", "", gr.update(choices=[], value=None), "", "", waiting, state
                for partial, final in services.chat.ask_stream(text, state):
                    if final is None:
                        # The LLM's words as they arrive are not yet verified: say so until they are.
                        history[-1] = {"role": "assistant", "content": render.generating_html(partial)}
                        yield history, "", "", "", gr.update(), "", "", "正在生成，生成后逐句核验……", state
                        continue
                    k = len(state.answers) - 1
                    state.message_answer[len(history) - 1] = k
                    note = filters_text(state.filters, services.archive.issue_labels())
                    history[-1] = {"role": "assistant", "content": render.message_html(final, k, note)}
                    done = f"已回答，用时 {time.monotonic() - started:.1f} 秒"
                    yield (history, "", render.badge_html(final), render.cards_html(final),
                           gr.update(choices=render.source_choices(final), value=None), "",
                           render.answer_markdown(final), done, state)
            except AssistantError as exc:
                if asked:  # the question goes back to the input box, its bubbles leave the chat
                    del history[-2:]
                yield history, text, keep, keep, keep, keep, keep, render.notice_html(str(exc)), state

        outputs = [chatbot, question, badge, cards, sources, article, markdown, status, session]
        inputs = [question, chatbot, session, *filter_inputs]
        send.click(submit, inputs, outputs, concurrency_id="answer", show_progress="hidden")
        question.submit(submit, inputs, outputs, concurrency_id="answer", show_progress="hidden")

        def reset(state):
            services.chat.clear(state)
            return [], "", "", gr.update(choices=[], value=None), "", "", "", state

        panel = [chatbot, badge, cards, sources, article, markdown, status, session]
        clear.click(reset, [session], panel, show_progress="hidden")
        chatbot.clear(reset, [session], panel, show_progress="hidden")  # the chat's own bin empties the session too

        def show(ref, state, request: gr.Request):
            """[n] of answer k, or a card of the answer shown: that answer's sources, and article n."""
            state = session_for(state, user_of(request))
            if (ref or "").startswith("shown:"):
                ref = f"{state.shown if state.shown is not None else -1}:{ref.split(':')[1]}"
            answer, n = services.chat.show_answer(state, ref)
            if answer is None:
                return gr.update(), gr.update(), gr.update(), gr.update(), gr.update(), state
            return (render.badge_html(answer), render.cards_html(answer),
                    gr.update(choices=render.source_choices(answer), value=n),
                    services.chat.article_for_source(n, state), render.answer_markdown(answer), state)

        open_ref_button.click(show, [open_ref, session], [badge, cards, sources, article, markdown, session],
                              show_progress="hidden")
        sources.input(services.chat.article_for_source, [sources, session], article, show_progress="hidden")

        def like(data: gr.LikeData, text, state, request: gr.Request):
            state = session_for(state, user_of(request))
            index = data.index[0] if isinstance(data.index, (list, tuple)) else data.index
            k = state.message_answer.get(int(index)) if index is not None else None
            answer = state.answers[k] if k is not None and k < len(state.answers) else None
            if answer is None:
                return "这条消息没有可评价的回答。", text
            return services.chat.record_feedback(bool(data.liked), text, state, answer), ""

        chatbot.like(like, [comment, session], [status, comment], show_progress="hidden")

        def rate(liked: bool):
            def handler(text, state, request: gr.Request):
                return services.chat.record_feedback(liked, text, session_for(state, user_of(request))), ""
            return handler

        up.click(rate(True), [comment, session], [status, comment], api_name="feedback_up", show_progress="hidden")
        down.click(rate(False), [comment, session], [status, comment], api_name="feedback_down",
                   show_progress="hidden")
        copy_button.click(None, [markdown], [status], js=COPY_JS)

        def chips_and_scope(*values):
            html, button = _chips(*values, services.archive.issue_labels())
            return html, button, html

        for component in filter_inputs:
            component.change(chips_and_scope, filter_inputs, [chips, clear_filters, search_scope],
                             show_progress="hidden")
        clear_filters.click(lambda: ("", "", [], []), None, filter_inputs, show_progress="hidden")

        def pick_issue(source):
            return (services.archive.issue_html(source), gr.update(choices=services.archive.article_choices(source), value=None),
                    *services.archive.metadata_fields(source), "")

        browse_issue.change(pick_issue, browse_issue,
                            [issue_view, browse_article, meta_issue_no, meta_total_no, meta_date, meta_publication,
                             meta_hint, meta_status])
        browse_article.change(services.archive.article_by_id, browse_article, article_view)

        def save_metadata(source, issue_no, total_no, date, publication, request: gr.Request):
            try:
                message = render.progress_html(
                    services.archive.save_metadata(source, issue_no, total_no, date, publication, user_of(request)))
            except AssistantError as exc:
                message = render.notice_html(str(exc))
            choices = services.archive.issue_choices()
            return (message, services.archive.issue_html(source), gr.update(choices=choices), gr.update(choices=choices),
                    services.archive.history_html())

        meta_save.click(save_metadata, [browse_issue, meta_issue_no, meta_total_no, meta_date, meta_publication],
                        [meta_status, issue_view, browse_issue, issues, history_view], concurrency_id="ingest",
                        show_progress="hidden")

        def run_search(text, d_from, d_to, issue_list, district_list):
            try:
                return services.archive.search_html(text, parse_filters(d_from, d_to, issue_list, district_list)), ""
            except AssistantError as exc:
                return render.notice_html(str(exc)), ""

        search.click(run_search, [query, *filter_inputs], [results, search_article], show_progress="hidden")
        query.submit(run_search, [query, *filter_inputs], [results, search_article], show_progress="hidden")
        open_article_button.click(lambda ref: services.archive.article_by_id((ref or "").split("|")[0]), open_article,
                                  search_article, show_progress="hidden")

        def run_check(text, d_from, d_to, issue_list, district_list):
            try:
                return services.archive.check_html(text, parse_filters(d_from, d_to, issue_list, district_list))
            except AssistantError as exc:
                return render.notice_html(str(exc))

        check_button.click(run_check, [draft, *filter_inputs], check_view, api_name="check",
                           concurrency_id="answer", show_progress="hidden")

        def run_ingest(paths, replace):
            """The import in a thread of its own; its progress, with the time left, in the page's own words."""
            import queue
            import threading

            steps: queue.Queue = queue.Queue()
            result: dict = {}

            def progress(fraction, desc=""):
                steps.put(render.progress_html(f"{desc}（{fraction:.0%}）"))

            def work():
                try:
                    result["report"] = services.imports.ingest_uploads(paths or [], progress, replace=bool(replace))
                except AssistantError as exc:
                    result["report"] = render.notice_html(str(exc))
                except Exception as exc:  # one line for the user, never a traceback
                    result["report"] = render.notice_html(f"导入失败：{type(exc).__name__}；原有索引未受影响")
                finally:
                    steps.put(None)

            keep = gr.update()
            threading.Thread(target=work, daemon=True).start()
            yield render.progress_html("正在准备导入……"), keep, keep, keep
            while (step := steps.get()) is not None:
                yield step, keep, keep, keep
            choices = services.archive.issue_choices()
            yield (result["report"], gr.update(choices=choices), gr.update(choices=choices),
                   gr.update(choices=services.archive.district_choices()))

        # Its own concurrency group: an upload runs beside the questions, not in their queue.
        ingest_button.click(run_ingest, [files, confirm_replace], [ingest_report, issues, browse_issue, districts],
                            concurrency_limit=1, concurrency_id="ingest", show_progress="hidden")

        def on_load():
            # Choices are read at each page load, not frozen at server start: uploads since then are listed.
            services.archive.refresh()
            choices = services.archive.issue_choices()
            return (gr.update(choices=choices), gr.update(choices=choices),
                    gr.update(choices=services.archive.district_choices()), services.archive.history_html())

        demo.load(on_load, None, [issues, browse_issue, districts, history_view], show_progress="hidden")
    return demo


def serve(settings, host: str = "127.0.0.1", port: int = 7860, auth: str | None = None, share: bool = False,
          auth_file: Path | None = None) -> None:
    os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
    from .login import LoginGuard, parse_credentials, read_credentials_file
    from .pipeline import Assistant

    if auth_file is not None:
        credentials = read_credentials_file(auth_file)
    else:
        credentials = parse_credentials(auth or settings.ui_auth.get_secret_value() or None)
    assistant = Assistant(settings)
    demo = build_app(services_for(assistant, Path(settings.index_dir) / "uploads"))
    # One answer at a time from the shared model and index; the queue keeps everyone's place.
    demo.queue(default_concurrency_limit=1, max_size=256)
    mode = "大模型回答" if assistant.mode == "llm" else "摘录式回答（未配置大模型）"
    print(f"服务地址：http://{host}:{port}  回答方式：{mode}  登录：{'已开启' if credentials else '未开启'}", flush=True)
    # run_history off: questions and answers are not kept in the browser after 清空对话.
    from .ui_strings import chinese_i18n

    demo.launch(server_name=host, server_port=port, auth=LoginGuard(credentials) if credentials else None,
                share=share, show_error=False, run_history=False,
                max_file_size="50mb", css=CSS, js=OPEN_SOURCE_JS, footer_links=[], quiet=True,
                i18n=chinese_i18n())
