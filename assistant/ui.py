"""The Gradio chat page: answers with source cards, filters, archive, search, upload, feedback."""


import os
from pathlib import Path

from .errors import AssistantError
from .ui_handlers import EXAMPLES, ChatService, Session, esc, parse_filters, session_for

CSS = """
.badge {display:inline-block;padding:2px 10px;border-radius:10px;font-size:13px;margin-right:8px;color:#fff}
.badge-llm {background:#2e7d32} .badge-extractive {background:#1565c0} .badge-refused {background:#757575}
.rewrite {font-size:13px;color:#555} .notice {margin-top:6px;padding:6px 10px;background:#fff3e0;border-left:4px solid #ef6c00;font-size:13px}
.card[data-n] {cursor:pointer} .card[data-n]:hover {border-color:#ef6c00}
.card {border:1px solid #ddd;border-radius:8px;padding:10px 12px;margin-bottom:10px;background:#fafafa}
.card-head {font-size:12px;color:#666} .card-title {font-weight:600;margin:4px 0} .card-byline {font-size:12px;color:#888;margin-bottom:6px}
.card-text, .article p {line-height:1.7} mark {background:#ffeb3b;padding:0 2px}
.refusal {padding:10px;border:1px dashed #999;border-radius:8px}
.article h3 {margin:6px 0}
.check-supported {border-left:4px solid #2e7d32} .check-contradicted {border-left:4px solid #c62828}
.check-not_found {border-left:4px solid #9e9e9e} .check-mark {font-size:16px} .check-claim {margin:4px 0;font-weight:500}
.check-reason {font-size:13px;color:#c62828} .check-source {font-size:12px;color:#555;margin-top:6px}
"""


# Clicking a source card, or a [n] marker in the chat, selects that source: the article opens.
OPEN_SOURCE_JS = """
() => {
  const openSource = (n) => {
    const labels = document.querySelectorAll('#sources label');
    if (labels[n - 1]) labels[n - 1].click();
  };
  document.addEventListener('click', (event) => {
    const card = event.target.closest('#cards .card[data-n]');
    if (card) { openSource(parseInt(card.dataset.n, 10)); return; }
    if (!event.target.closest('#chat') || !document.caretRangeFromPoint) return;
    const range = document.caretRangeFromPoint(event.clientX, event.clientY);
    if (!range || range.startContainer.nodeType !== Node.TEXT_NODE) return;
    const text = range.startContainer.textContent, at = range.startOffset;
    for (const m of text.matchAll(/\[(\d+)\]/g)) {
      if (m.index <= at && at <= m.index + m[0].length) { openSource(parseInt(m[1], 10)); return; }
    }
  });
}
"""


def build_app(service: ChatService):
    import gradio as gr

    # delete_cache: Gradio's copies of uploaded files older than an hour are removed every hour.
    with gr.Blocks(title="《杭州人大信息》档案问答", delete_cache=(3600, 3600)) as demo:
        session = gr.State(Session())
        gr.Markdown("## 《杭州人大信息》档案问答\n回答均引自档案原文，并注明期号、日期、标题和作者，引用前请核对来源。")
        with gr.Tab("问答"):
            with gr.Row():
                with gr.Column(scale=3):
                    chatbot = gr.Chatbot(label="对话", height=460, render_markdown=False, sanitize_html=True,
                                         feedback_options=("Like", "Dislike"), elem_id="chat")
                    with gr.Row():
                        question = gr.Textbox(placeholder="请输入问题，例如：2024年西湖龙井茶春茶产量是多少？",
                                              show_label=False, scale=5, elem_id="question", max_length=2000)
                        send = gr.Button("提问", variant="primary", scale=1, elem_id="send")
                    with gr.Row():
                        clear = gr.Button("清空对话", elem_id="clear")
                    gr.Examples(EXAMPLES, inputs=question, label="示例问题")
                    with gr.Accordion("筛选（对下一个问题生效）", open=False):
                        with gr.Row():
                            date_from = gr.Textbox(label="起始日期", placeholder="YYYY-MM-DD")
                            date_to = gr.Textbox(label="截止日期", placeholder="YYYY-MM-DD")
                        issues = gr.Dropdown(label="期次", multiselect=True, choices=service.issue_choices())
                        districts = gr.Dropdown(label="区县", multiselect=True, choices=service.district_choices())
                    with gr.Accordion("评价这个回答", open=False):
                        comment = gr.Textbox(label="意见（可选）", max_lines=3, max_length=2000)
                        with gr.Row():
                            up = gr.Button("👍 有用")
                            down = gr.Button("👎 有问题")
                        feedback_status = gr.Markdown()
                    with gr.Accordion("复制回答（Markdown，含出处）", open=False):
                        markdown = gr.Textbox(show_label=False, lines=6, buttons=["copy"], elem_id="markdown")
                with gr.Column(scale=2):
                    badge = gr.HTML(elem_id="badge")
                    cards = gr.HTML(elem_id="cards")
                    sources = gr.Radio(label="点击来源查看全文", choices=[], elem_id="sources")
                    article = gr.HTML(elem_id="article")
        with gr.Tab("档案浏览"):
            browse_issue = gr.Dropdown(label="期次", choices=service.issue_choices(), elem_id="browse-issue")
            issue_view = gr.HTML()
            browse_article = gr.Dropdown(label="文章", choices=[])
            article_view = gr.HTML()
            with gr.Accordion("导入历史", open=False):
                history_view = gr.HTML(elem_id="history")
        with gr.Tab("检索"):
            query = gr.Textbox(label="关键词或问题（只列出相关文章，不生成回答）", elem_id="search-query")
            search = gr.Button("检索")
            results = gr.HTML()
        with gr.Tab("核对"):
            draft = gr.Textbox(label="粘贴要核对的文字（逐句与档案比对：有据可查、与来源不符、未找到出处）", lines=8,
                               max_length=20000, elem_id="check-text")
            check_button = gr.Button("核对", variant="primary", elem_id="check-button")
            check_view = gr.HTML(elem_id="check-results")
        with gr.Tab("导入"):
            files = gr.File(label="上传 .pdf 或 .txt", file_count="multiple", file_types=[".pdf", ".txt"])
            confirm_replace = gr.Checkbox(label="确认替换已导入的期（同一刊头或同一期的文件）", value=False,
                                          elem_id="confirm-replace")
            ingest_button = gr.Button("导入", variant="primary")
            ingest_report = gr.HTML()

        def submit(text, history, state, d_from, d_to, issue_list, district_list, request: gr.Request):
            state = session_for(state, getattr(request, "username", None))
            history = list(history or [])
            try:
                state.filters = parse_filters(d_from, d_to, issue_list, district_list)
                # The chat renders HTML: every text shown there is escaped first.
                history.append({"role": "user", "content": esc(text)})
                history.append({"role": "assistant", "content": "……"})
                yield history, "", "", "", gr.update(choices=[], value=None), "", "", state
                for partial, final in service.ask_stream(text, state):
                    if final is None:
                        # The LLM's words as they arrive are not yet verified: say so until they are.
                        history[-1] = {"role": "assistant", "content": f"【生成中，尚未核验】{esc(partial)}"}
                        yield history, "", "", "", gr.update(), "", "", state
                        continue
                    history[-1] = {"role": "assistant", "content": esc(final.text)}
                    yield (history, "", service.badge_html(final), service.cards_html(final),
                           gr.update(choices=service.source_choices(final), value=None), "",
                           service.markdown_copy(final), state)
            except AssistantError as exc:
                if history and history[-1].get("role") == "assistant":
                    history.pop()
                yield history, text, f'<div class="notice">{esc(str(exc))}</div>', "", gr.update(), "", "", state

        outputs = [chatbot, question, badge, cards, sources, article, markdown, session]
        inputs = [question, chatbot, session, date_from, date_to, issues, districts]
        send.click(submit, inputs, outputs, concurrency_id="answer")
        question.submit(submit, inputs, outputs, concurrency_id="answer")

        def reset(state):
            service.clear(state)
            return [], "", "", gr.update(choices=[], value=None), "", "", state

        clear.click(reset, [session], [chatbot, badge, cards, sources, article, markdown, session])
        sources.change(service.article_for_source, [sources, session], article)

        def like(data: gr.LikeData, text, state, request: gr.Request):
            return service.record_feedback(bool(data.liked), text, session_for(state, getattr(request, "username", None)))

        chatbot.like(like, [comment, session], feedback_status)
        def rate(liked: bool):
            def handler(text, state, request: gr.Request):
                return service.record_feedback(liked, text, session_for(state, getattr(request, "username", None)))
            return handler

        up.click(rate(True), [comment, session], feedback_status, api_name="feedback_up")
        down.click(rate(False), [comment, session], feedback_status, api_name="feedback_down")

        browse_issue.change(lambda s: (service.issue_html(s), gr.update(choices=service.article_choices(s), value=None)),
                            browse_issue, [issue_view, browse_article])
        browse_article.change(service.article_by_id, browse_article, article_view)

        def run_search(text, d_from, d_to, issue_list, district_list):
            try:
                return service.search_html(text, parse_filters(d_from, d_to, issue_list, district_list))
            except AssistantError as exc:
                return f'<div class="notice">{esc(str(exc))}</div>'

        search.click(run_search, [query, date_from, date_to, issues, districts], results)
        query.submit(run_search, [query, date_from, date_to, issues, districts], results)

        def run_check(text, d_from, d_to, issue_list, district_list):
            try:
                return service.check_html(text, parse_filters(d_from, d_to, issue_list, district_list))
            except AssistantError as exc:
                return f'<div class="notice">{esc(str(exc))}</div>'

        check_button.click(run_check, [draft, date_from, date_to, issues, districts], check_view, api_name="check",
                           concurrency_id="answer")

        def run_ingest(paths, replace, progress=gr.Progress()):
            try:
                report = service.ingest_uploads(paths or [], progress, replace=bool(replace))
            except AssistantError as exc:
                report = f'<div class="notice">{esc(str(exc))}</div>'
            choices = service.issue_choices()
            return report, gr.update(choices=choices), gr.update(choices=choices), gr.update(
                choices=service.district_choices())

        # Its own concurrency group: an upload runs beside the questions, not in their queue.
        ingest_button.click(run_ingest, [files, confirm_replace], [ingest_report, issues, browse_issue, districts],
                            concurrency_limit=1, concurrency_id="ingest")

        def on_load():
            # Choices are read at each page load, not frozen at server start: uploads since then are listed.
            service.refresh()
            choices = service.issue_choices()
            return (gr.update(choices=choices), gr.update(choices=choices),
                    gr.update(choices=service.district_choices()), service.history_html())

        demo.load(on_load, None, [issues, browse_issue, districts, history_view])
    return demo


def serve(settings, host: str = "127.0.0.1", port: int = 7860, auth: str | None = None, share: bool = False,
          auth_file: Path | None = None) -> None:
    os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
    from .login import LoginGuard, parse_credentials, read_credentials_file
    from .pipeline import Assistant

    if auth_file is not None:
        credentials = read_credentials_file(auth_file)
    else:
        credentials = parse_credentials(auth or os.environ.get("ASSISTANT_UI_AUTH"))
    assistant = Assistant(settings)
    service = ChatService(assistant, Path(settings.index_dir) / "uploads")
    demo = build_app(service)
    # One answer at a time from the shared model and index; the queue keeps everyone's place.
    demo.queue(default_concurrency_limit=1, max_size=256)
    mode = "大模型回答" if assistant.mode == "llm" else "摘录式回答（未配置大模型）"
    print(f"服务地址：http://{host}:{port}  回答方式：{mode}  登录：{'已开启' if credentials else '未开启'}", flush=True)
    # run_history off: questions and answers are not kept in the browser after 清空对话.
    demo.launch(server_name=host, server_port=port, auth=LoginGuard(credentials) if credentials else None,
                share=share, show_error=False, run_history=False,
                max_file_size="50mb", css=CSS, js=OPEN_SOURCE_JS, footer_links=[], quiet=True)
