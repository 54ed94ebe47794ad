"""What the chat page does, as plain functions over the Assistant: tested without a browser.

Everything that reaches the page from a document or a question is HTML-escaped here.
"""

from __future__ import annotations

import html
import queue
import re
import shutil
import threading
from dataclasses import dataclass, field
from pathlib import Path

from .answering import answer_json
from .citations import issue_reference, source_line
from .conversation import Conversation
from .errors import AssistantError
from .feedback import FeedbackStore
from .pipeline import clean_question
from .answering import REFUSAL_EN, REFUSAL_ZH
from .metadata import parse_date
from .records import Answer, Article, Filters, Issue

MAX_UPLOAD_BYTES = 50 * 1024 * 1024
EXAMPLES = [
    "2024年西湖龙井茶春茶产量是多少？",
    "哪几期讲过淳安县的做法？",
    "建德市“健康村长”服务机制是怎么推进的？",
    "代表建议A类件占总数的比例是多少？",
]


@dataclass
class Session:
    """Per-browser-tab state: the conversation, every answer of it, the filters in force.

    Each answer keeps its own sources: a [n] or a 👎 on an older message refers to that message's
    answer, however many questions followed (`answers[k]`, `message_answer[chat position] = k`)."""

    conversation: Conversation = field(default_factory=Conversation)
    answers: list[Answer] = field(default_factory=list)
    message_answer: dict[int, int] = field(default_factory=dict)
    shown: int | None = None  # the answer whose sources the side panel shows
    filters: Filters = field(default_factory=Filters)
    owner: str | None = None  # the logged-in user the state belongs to (None: no login, or not yet used)

    @property
    def last(self) -> Answer | None:
        return self.answers[-1] if self.answers else None

    @property
    def current(self) -> Answer | None:
        """The answer the side panel shows (and the feedback buttons and copy refer to)."""
        if self.shown is not None and 0 <= self.shown < len(self.answers):
            return self.answers[self.shown]
        return self.last


def session_for(state: Session | None, username: str | None) -> Session:
    """The state only its own user sees: a state that arrives under another login starts empty."""
    if state is None or (state.owner is not None and state.owner != username):
        return Session(owner=username)
    state.owner = username
    return state


MAX_DRAFT_CHARS = 20_000  # a pasted draft of several pages


def esc(text: str) -> str:
    return html.escape(text or "", quote=True)


def parse_filters(date_from: str, date_to: str, issues: list[str] | None, districts: list[str] | None) -> Filters:
    """The filters as typed; a date that is malformed or not on the calendar (2024-13-45) is a clear error."""
    start, end = parse_date(date_from), parse_date(date_to)
    if start and end and start > end:
        raise AssistantError(f"起始日期 {start} 晚于截止日期 {end}")
    return Filters(date_from=start, date_to=end, sources=tuple(issues or ()), districts=tuple(districts or ()))


def filters_text(filters: Filters, labels: dict[str, str] | None = None) -> str:
    """The filters in force, in words: 日期 2024-01-01 至 2024-06-30；期次 第9期；区县 余杭区."""
    parts = []
    if filters.date_from or filters.date_to:
        parts.append(f"日期 {filters.date_from or '不限'} 至 {filters.date_to or '不限'}")
    if filters.sources:
        parts.append("期次 " + "、".join((labels or {}).get(s, s) for s in filters.sources))
    if filters.districts:
        parts.append("区县 " + "、".join(filters.districts))
    return "；".join(parts)


class ChatService:
    def __init__(self, assistant, upload_dir: Path) -> None:
        self.assistant = assistant
        self.upload_dir = upload_dir
        self.feedback = FeedbackStore(Path(assistant.settings.index_dir))
        self._lock = threading.Lock()  # one reader of the shared index/model at a time; reloads wait
        self._ingest_lock = threading.Lock()  # uploads one at a time, beside the chat, never under its lock
        self._ingest_embedder = None

    @property
    def importing(self) -> bool:
        """An upload is being ingested: questions are answered meanwhile, a little slower."""
        return self._ingest_lock.locked()

    # --- chat ---------------------------------------------------------------------------------
    def ask_stream(self, question: str, session: Session):
        """Yield (partial answer text, final Answer or None) while the answer is written."""
        question = clean_question(question)
        if not question:
            raise AssistantError("请输入问题")
        tokens: queue.Queue = queue.Queue()
        result: dict = {}

        def work():
            try:
                with self._lock:
                    self.assistant.reload_if_changed()
                    result["answer"] = self.assistant.ask(
                        question, session.filters, session.conversation, on_token=tokens.put)
            except Exception as exc:  # reported to the page as one line
                result["error"] = exc
            finally:
                tokens.put(None)

        thread = threading.Thread(target=work, daemon=True)
        thread.start()
        partial = ""
        while True:
            piece = tokens.get()
            if piece is None:
                break
            partial += piece
            yield partial, None
        thread.join()
        if "error" in result:
            error = result["error"]
            if isinstance(error, AssistantError):
                raise error
            raise AssistantError(f"内部错误：{type(error).__name__}")
        session.answers.append(result["answer"])
        session.shown = len(session.answers) - 1
        yield result["answer"].text, result["answer"]

    def clear(self, session: Session) -> None:
        session.conversation.clear()
        session.answers.clear()
        session.message_answer.clear()
        session.shown = None

    def show_answer(self, session: Session, ref: str) -> tuple[Answer | None, str]:
        """A click on "[n]" of answer k ("k:n", the chat's links are #ref-k-n): that answer's sources go to the side panel, n opens."""
        try:
            k, n = (int(part) for part in (ref or "").split(":")[:2])
        except ValueError:
            return None, ""
        if not 0 <= k < len(session.answers):
            return None, ""
        session.shown = k
        return session.answers[k], str(n)

    # --- rendering ------------------------------------------------------------------------------
    @staticmethod
    def badge_html(answer: Answer | None) -> str:
        if answer is None:
            return ""
        if answer.refused:
            label, kind = "档案中没有答案", "refused"
        elif answer.mode == "llm":
            label, kind = "大模型回答 · 已核验引用", "llm"
        else:
            label, kind = "摘录式回答", "extractive"
        parts = [f'<span class="badge badge-{kind}">{esc(label)}</span>']
        if answer.rewritten:
            parts.append(f'<span class="rewrite">理解为：{esc(answer.rewritten)}</span>')
        if answer.notice:
            parts.append(f'<div class="notice">{esc(answer.notice)}</div>')
        removed = [c for c in answer.checked if c.verdict != "supported"]
        if removed:
            # What the model wrote and the checker removed, with why: a reader can see what was not shown.
            from .citations import VERDICT_LABELS

            rows = "".join(f'<li>{esc(c.text)}（{VERDICT_LABELS["zh"][c.verdict]}：{esc(c.reason)}）</li>' for c in removed)
            parts.append(f'<details class="removed"><summary>未通过核验的句子（{len(removed)}）</summary><ul>{rows}</ul></details>')
        return "".join(parts)

    @staticmethod
    def message_html(answer: Answer, k: int, filters_note: str = "") -> str:
        """The chat bubble of answer k: the answer (a list answer as a list), its [n] as links bound to
        this answer, and its references, so the chat's own copy carries the sources."""
        zh = answer.language != "en"
        head = (f'<div class="answer-filter">{"已按筛选" if zh else "Filtered by"}：{esc(filters_note)}</div>'
                if filters_note else "")
        lines = [line for line in answer.text.split("\n") if line.strip()]
        if len(lines) > 1:
            body = '<ul class="answer-list">' + "".join(f"<li>{_linked(line, k)}</li>" for line in lines) + "</ul>"
        else:
            body = f'<div class="answer-text">{_linked(answer.text, k)}</div>'
        refs = [(c.n, source_line(c.hit.issue, c.hit.article, answer.language)) for c in distinct_citations(answer)]
        title = "来源" if zh else "Sources"
        if answer.refused:
            refs = [(n, source_line(h.issue, h.article, answer.language)) for n, h in enumerate(answer.closest, 1)]
            title = "最接近的文章（点击查看）" if zh else "Closest articles (click to open)"
        items = "".join(f'<li><a class="ref" href="#ref-{k}-{n}">[{n}]</a> {esc(line)}</li>'
                        for n, line in refs)
        listing = f'<div class="answer-refs">{title}：<ul>{items}</ul></div>' if items else ""
        return f'<div class="answer">{head}{body}{listing}</div>'

    @staticmethod
    def cards_html(answer: Answer | None) -> str:
        if answer is None:
            return ""
        if answer.refused:
            headline = REFUSAL_EN if answer.language == "en" else REFUSAL_ZH
            reason = f'<p class="reason">{esc(answer.reason)}</p>' if answer.reason else ""
            closest = "Closest articles (click to open):" if answer.language == "en" else "最接近的文章（点击查看全文）："
            cards = "".join(
                f'<div class="card" data-n="{n}" title="点击查看全文">'
                f'<div class="card-head">[{n}] {esc(issue_reference(h.issue))}</div>'
                f'<div class="card-title">《{esc(h.article.title)}》</div>'
                f'<div class="card-byline">{esc(h.article.byline)}</div></div>'
                for n, h in enumerate(answer.closest, 1))
            return (f'<div class="refusal"><b>{esc(headline)}</b>{reason}'
                    f'{f"<p>{closest}</p>" + cards if cards else ""}</div>')
        cards = []
        for citation in distinct_citations(answer):
            issue, article = citation.hit.issue, citation.hit.article
            quotes = [c.quote for c in answer.citations if c.n == citation.n]
            paragraph = next((p for p in article.paragraphs if any(q in p for q in quotes)), quotes[0])
            cards.append(
                f'<div class="card" id="card-{citation.n}" data-n="{citation.n}" title="点击查看全文">'
                f'<div class="card-head">[{citation.n}] '
                f'{esc(issue_reference(issue))}{" · " + esc(article.column) if article.column else ""}</div>'
                f'<div class="card-title">《{esc(article.title)}》</div>'
                f'<div class="card-byline">{esc(article.byline)}</div>'
                f'<div class="card-text">{highlight(paragraph, quotes)}</div></div>'
            )
        return "".join(cards)

    @staticmethod
    def source_choices(answer: Answer | None) -> list[tuple[str, str]]:
        """The side panel's list: the cited articles, or a refusal's closest ones, each opens in full."""
        if answer is None:
            return []
        if answer.refused:
            return [(f"[{n}] {h.article.title}", str(n)) for n, h in enumerate(answer.closest, 1)]
        return [(f"[{c.n}] {c.hit.article.title}", str(c.n)) for c in distinct_citations(answer)]

    def article_for_source(self, n: str, session: Session) -> str:
        answer = session.current
        if answer is None or not n:
            return ""
        if answer.refused:
            index = int(n) - 1 if str(n).isdigit() else -1
            if not 0 <= index < len(answer.closest):
                return ""
            hit = answer.closest[index]
            return article_html(hit.issue, hit.article, [])
        quotes = [c.quote for c in answer.citations if str(c.n) == str(n)]
        citation = next((c for c in answer.citations if str(c.n) == str(n)), None)
        if citation is None:
            return ""
        return article_html(citation.hit.issue, citation.hit.article, quotes)

    @staticmethod
    def markdown_copy(answer: Answer | None) -> str:
        """The answer with its references as Markdown, ready to paste into a report: quotes as `>` blocks,
        each reference in the form staff cite: [1] 《杭州人大信息》第9期（总第697期，2024-06-28）《标题》（署名）."""
        if answer is None:
            return ""
        if answer.refused:
            return answer.text
        lines = [answer.text.replace("\n", "  \n"), "", "来源：" if answer.language != "en" else "Sources:", ""]
        for citation in distinct_citations(answer):
            lines.append(f"[{citation.n}] {source_line(citation.hit.issue, citation.hit.article, answer.language)}")
            lines.append("")
            for quote in dict.fromkeys(c.quote for c in answer.citations if c.n == citation.n):
                lines.append(f"> {quote}")
            lines.append("")
        return "\n".join(lines).rstrip() + "\n"

    # --- feedback -------------------------------------------------------------------------------
    def record_feedback(self, liked: bool, comment: str, session: Session, answer: Answer | None = None) -> str:
        """Record a rating of `answer` (default: the one the side panel shows), with its sources."""
        answer = answer or session.current
        if answer is None:
            return "还没有可以评价的回答。"
        if self.feedback.disabled:
            return self.feedback.disabled
        sources = answer_json(answer)["citations"]
        self.feedback.add(1 if liked else -1, answer.question, answer.text, answer.mode, sources,
                          clean_question(comment)[:2000])
        return "感谢反馈，已记录。"

    # --- archive ----------------------------------------------------------------------------------
    def refresh(self) -> None:
        """Pick up a generation written since (an upload, a CLI ingest, a rollback)."""
        with self._lock:
            self.assistant.reload_if_changed()

    def history_html(self) -> str:
        """The index versions, newest first, each with what its ingest added, replaced and removed."""
        from .index import history, history_lines

        lines = history_lines(history(Path(self.assistant.settings.index_dir)))
        if not lines:
            return "<p>还没有索引版本。</p>"
        return ("<p>索引版本（最近的在前；命令行 <code>assistant rollback [版本]</code> 可回退）：</p><ul>"
                + "".join(f"<li>{esc(line)}</li>" for line in lines) + "</ul>")

    def issue_choices(self) -> list[tuple[str, str]]:
        store = self.assistant.index.store
        return [(f"{i.label}{'（' + i.date + '）' if i.date else ''}", i.source) for i in store.issues()]

    def district_choices(self) -> list[str]:
        return [d for d in self.assistant.index.store.districts()]

    def issue_html(self, source: str) -> str:
        store = self.assistant.index.store
        issue = store.issue(source) if source else None
        if issue is None:
            return ""
        rows = "".join(
            f'<li><span class="kind">{"简讯" if a.kind == "brief" else esc(a.column) or "文章"}</span> '
            f'《{esc(a.title)}》 <span class="byline">{esc(a.byline)}</span></li>'
            for a in store.articles(source)
        )
        return f'<div class="issue"><h3>{esc(issue_reference(issue))}</h3><ol>{rows}</ol></div>'

    def article_choices(self, source: str) -> list[tuple[str, str]]:
        if not source:
            return []
        return [(a.title, a.article_id) for a in self.assistant.index.store.articles(source)]

    def article_by_id(self, article_id: str) -> str:
        store = self.assistant.index.store
        article = store.article(article_id) if article_id else None
        if article is None:
            return ""
        return article_html(store.issue(article.source), article, [])

    def search_html(self, query: str, filters: Filters) -> str:
        """The matching articles, counted, each opening in full; the filters in force are named."""
        query = clean_question(query)
        if not query:
            return ""
        with self._lock:
            self.assistant.reload_if_changed()
            hits = self.assistant.search(query, filters, k=10)
        note = filters_text(filters, self.issue_labels())
        scope = f'<p class="answer-filter">已按筛选：{esc(note)}</p>' if note else ""
        if not hits:
            return scope + '<p class="refusal">没有找到相关文章。</p>'
        items = [scope, f'<p class="search-count">找到 {len(hits)} 篇相关文章（点击查看全文）：</p>']
        for hit in hits:
            snippet = hit.chunks[0].text[:160] if hit.chunks else ""
            items.append(f'<div class="card search-hit" data-article="{esc(hit.article.article_id)}" title="点击查看全文">'
                         f'<div class="card-head">{esc(issue_reference(hit.issue))}</div>'
                         f'<div class="card-title">《{esc(hit.article.title)}》</div>'
                         f'<div class="card-byline">{esc(hit.article.byline)}</div>'
                         f'<div class="card-text">{esc(snippet)}…</div></div>')
        return "".join(items)

    def issue_labels(self) -> dict[str, str]:
        return {source: label for label, source in self.issue_choices()}

    # --- issue metadata ---------------------------------------------------------------------------
    def metadata_fields(self, source: str) -> tuple[str, str, str, str, str]:
        """(期号, 总期号, date, publication, suggestion HTML) of an issue for the archive tab's editor."""
        from .metadata import suggest_date

        store = self.assistant.index.store
        issue = store.issue(source) if source else None
        if issue is None:
            return "", "", "", "", ""
        suggestion = suggest_date(store.articles(source))
        hint = ""
        if suggestion is not None and suggestion.date != issue.date:
            hint = (f'<div class="suggestion">建议日期 <b>{esc(suggestion.date)}</b>（{esc(suggestion.note)}），'
                    f'依据：“{esc(suggestion.evidence)}”。未自动填入，核对后可填入日期并保存。</div>')
        elif not issue.date:
            hint = '<div class="suggestion">正文中没有可推断出版日期的日子，请按纸本或 PDF 填写。</div>'
        return (str(issue.issue_no or ""), str(issue.total_no or ""), issue.date, issue.publication, hint)

    def save_metadata(self, source: str, issue_no: str, total_no: str, date: str, publication: str,
                      user: str | None = None) -> str:
        """Store staff's 期号/总期号/date/publication for an issue; every citation shows it from now on."""
        from .metadata import set_issue_metadata

        if not source:
            raise AssistantError("请先选择一期")
        if self._ingest_lock.locked():
            raise AssistantError("正在导入文件，导入完成后再保存")
        issue = set_issue_metadata(Path(self.assistant.settings.index_dir), source,
                                   {"issue_no": issue_no, "total_no": total_no, "date": date,
                                    "publication": publication}, user=user)
        self.refresh()
        return f'<p class="saved">已保存：{esc(source)} 今后引用为 {esc(issue_reference(issue))}。</p>'

    # --- check a draft ------------------------------------------------------------------------------
    def check_html(self, text: str, filters: Filters) -> str:
        """Each sentence of a pasted paragraph with its mark, verdict, citation and the source's own words."""
        from .citations import VERDICT_LABELS, check_citations

        text = (text or "").strip()[:MAX_DRAFT_CHARS]
        if not text:
            return ""
        with self._lock:
            self.assistant.reload_if_changed()
            checks = self.assistant.check(text, filters)
        if not checks:
            return '<p class="refusal">没有可核对的句子。</p>'
        marks = {"supported": "✔", "contradicted": "✘", "not_found": "？"}
        rows = []
        for check in checks:
            sources = "".join(
                f'<div class="check-source">[{n}] {esc(source_line(issue, article))}'
                f'<div class="card-text">{highlight(quote, [quote])}</div></div>'
                for n, issue, article, quote in check_citations(check))
            reason = f'<div class="check-reason">{esc(check.reason)}</div>' if check.reason else ""
            rows.append(f'<div class="card check check-{check.verdict}" data-verdict="{check.verdict}">'
                        f'<div class="check-head"><span class="check-mark">{marks[check.verdict]}</span> '
                        f'<b>{VERDICT_LABELS["zh"][check.verdict]}</b></div>'
                        f'<div class="check-claim">{esc(check.claim)}</div>{reason}{sources}</div>')
        counts = {v: sum(1 for c in checks if c.verdict == v) for v in marks}
        summary = (f'<p class="check-summary">共 {len(checks)} 句：有据可查 {counts["supported"]} 句，'
                   f'与来源不符 {counts["contradicted"]} 句，未找到出处 {counts["not_found"]} 句。</p>')
        return summary + "".join(rows)

    # --- upload -----------------------------------------------------------------------------------
    def _embedder_for_ingest(self):
        """A model instance of its own for ingest, so an upload never shares one with the chat's questions."""
        if self._ingest_embedder is None:
            from .embedding import load_embedder

            name = self.assistant.settings.embedder
            self._ingest_embedder = (load_embedder(name) if name.split(":")[0] != "fake" else self.assistant.embedder)
        return self._ingest_embedder

    def ingest_uploads(self, paths: list[str], progress=None, replace: bool = False) -> str:
        """Copy uploaded files into the upload folder (names sanitised, size bounded), then ingest them.

        A file that would replace an issue already in the archive is only ingested with replace=True
        (the confirmation box of the upload tab); otherwise the report says what it would change."""
        from .ingest import ingest, remaining_text

        self.upload_dir.mkdir(parents=True, exist_ok=True)
        accepted, rejected = [], []
        for raw in paths or []:
            path = Path(raw)
            name = safe_name(path.name)
            if not name.lower().endswith((".pdf", ".txt")):
                rejected.append((path.name, "只接受 .pdf 和 .txt 文件"))
                continue
            try:
                size = path.stat().st_size
            except OSError:
                rejected.append((path.name, "上传的文件不可读"))
                continue
            if size > MAX_UPLOAD_BYTES:
                rejected.append((path.name, f"文件超过 {MAX_UPLOAD_BYTES // 1024 // 1024} MB 上限"))
                continue
            target = self.upload_dir / name
            shutil.copyfile(path, target)
            accepted.append(target)
        report = None
        if accepted:
            # Built beside the live index without the chat lock: questions are answered meanwhile. Uploads
            # queue one at a time; the new version goes live at the switch, and the chat picks it up.
            if not self._ingest_lock.acquire(blocking=False):
                if progress is not None:
                    progress(0.0, desc="另一个导入正在进行，排队等候……")
                self._ingest_lock.acquire()
            try:
                def step(done: int, total: int, name: str, seconds_left: float | None) -> None:
                    if progress is not None:
                        left = remaining_text(seconds_left)
                        progress(done / max(1, total), desc=f"已处理 {done}/{total}：{name}" + (f"（{left}）" if left else ""))

                report = ingest(accepted, self.assistant.settings, self._embedder_for_ingest(), replace=replace,
                                on_progress=step)
            finally:
                self._ingest_lock.release()
                for path in accepted:  # uploads are not kept once ingested (or refused)
                    path.unlink(missing_ok=True)
            self.refresh()
            if progress is not None:
                progress(1.0, desc="完成")
        lines = []
        if report is not None:
            lines.append(f"<p>新增 {len(report.added)} 期，更新 {len(report.replaced)} 期，未变 {len(report.unchanged)} 期，"
                         f"共 {report.articles} 篇文章。</p>")
            rejected += [(Path(p).name, reason) for p, reason in report.skipped]
            if report.replacements:
                lines.append("<p>已替换：" + esc("；".join(report.replacements)) + "</p>")
            if report.needs_confirmation:
                lines.append("<p>以下文件与已导入的某一期是同一期，勾选“确认替换已导入的期”后重新导入才会替换：</p><ul>" +
                             "".join(f"<li>{esc(Path(p).name)}：{esc(change)}</li>"
                                     for p, change in report.needs_confirmation) + "</ul>")
        if rejected:
            lines.append("<p>以下文件未导入：</p><ul>" +
                         "".join(f"<li>{esc(name)}：{esc(reason)}</li>" for name, reason in rejected) + "</ul>")
        return "".join(lines) or "<p>没有选择文件。</p>"


def safe_name(name: str) -> str:
    """A file name that stays inside the upload folder: no directories, no leading dots."""
    name = Path(name.replace("\\", "/")).name
    name = re.sub(r"[\x00-\x1f/]", "_", name).lstrip(".") or "upload.txt"
    return name[:180]


def distinct_citations(answer: Answer) -> list:
    """The first citation of each source number, in order: one card, reference or radio entry each."""
    first: dict[int, object] = {}
    for citation in answer.citations:
        first.setdefault(citation.n, citation)
    return list(first.values())


def _linked(text: str, k: int) -> str:
    """Escaped text whose [n] markers are links to source n of answer k."""
    return re.sub(r"\[(\d+)\]", lambda m: f'<a class="ref" href="#ref-{k}-{m.group(1)}">[{m.group(1)}]</a>',
                  esc(text))


def highlight(paragraph: str, quotes: list[str]) -> str:
    text = esc(paragraph)
    for quote in quotes:
        q = esc(quote)
        if q and q in text:
            text = text.replace(q, f"<mark>{q}</mark>", 1)
    return text


def article_html(issue: Issue, article: Article, quotes: list[str]) -> str:
    paragraphs = "".join(f"<p>{highlight(p, quotes)}</p>" for p in article.paragraphs)
    column = f" · {esc(article.column)}" if article.column else ""
    return (f'<div class="article"><div class="card-head">{esc(issue_reference(issue))}{column}</div>'
            f'<h3>《{esc(article.title)}》</h3><div class="card-byline">{esc(article.byline)}</div>'
            f'{paragraphs}</div>')
