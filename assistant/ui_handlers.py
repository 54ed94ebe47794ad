"""What the page does, as services over one Assistant, each testable without a browser:

- ChatService: questions and answers of a session, the sources each answer keeps, feedback;
- ArchiveService: issues and articles, their metadata, search, checking a draft, index versions;
- ImportService: uploads, ingested beside the questions.

They return HTML made by assistant/render.py (Jinja2, autoescaped); assistant/ui.py only lays out and wires.
"""

from __future__ import annotations

import queue
import re
import shutil
import threading
from dataclasses import dataclass, field
from pathlib import Path

from . import render
from .citations import issue_reference
from .conversation import Conversation
from .errors import AssistantError
from .feedback import FeedbackStore
from .metadata import parse_date
from .pipeline import clean_question
from .records import Answer, Filters

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


class Shared:
    """The one Assistant the services share, and the lock under which one of them reads it at a time."""

    def __init__(self, assistant) -> None:
        self.assistant = assistant
        self.lock = threading.Lock()  # one reader of the shared index/model at a time; reloads wait
        self.importing = threading.Lock()  # held while an upload is ingested (never the readers' lock)

    def refresh(self) -> None:
        """Pick up a generation written since (an upload, a CLI ingest, a metadata edit, a rollback)."""
        with self.lock:
            self.assistant.reload_if_changed()

    @property
    def store(self):
        return self.assistant.index.store


class ChatService:
    """A session's questions and answers; each answer keeps its own sources and takes its own rating."""

    def __init__(self, shared: Shared) -> None:
        self.shared = shared
        self.feedback = FeedbackStore(Path(shared.assistant.settings.index_dir))

    @property
    def importing(self) -> bool:
        """An upload is being ingested: questions are answered meanwhile, a little slower."""
        return self.shared.importing.locked()

    def ask_stream(self, question: str, session: Session):
        """Yield (partial answer text, final Answer or None) while the answer is written."""
        question = clean_question(question)
        if not question:
            raise AssistantError("请输入问题")
        tokens: queue.Queue = queue.Queue()
        result: dict = {}

        def work():
            try:
                with self.shared.lock:
                    self.shared.assistant.reload_if_changed()
                    result["answer"] = self.shared.assistant.ask(
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
        """A click on "[n]" of answer k ("k:n"; the chat's links are #ref-k-n): that answer's sources go to
        the side panel, source n opens."""
        try:
            k, n = (int(part) for part in (ref or "").split(":")[:2])
        except ValueError:
            return None, ""
        if not 0 <= k < len(session.answers):
            return None, ""
        session.shown = k
        return session.answers[k], str(n)

    @staticmethod
    def article_for_source(n: str, session: Session) -> str:
        """Source n of the answer the side panel shows (a cited article, or a refusal's closest), in full."""
        answer = session.current
        if answer is None or not n or not str(n).isdigit():
            return ""
        if answer.refused:
            index = int(n) - 1
            if not 0 <= index < len(answer.closest):
                return ""
            hit = answer.closest[index]
            return render.article_html(hit.issue, hit.article, [])
        cited = [c for c in answer.citations if str(c.n) == str(n)]
        if not cited:
            return ""
        return render.article_html(cited[0].hit.issue, cited[0].hit.article, [c.quote for c in cited])

    def record_feedback(self, liked: bool, comment: str, session: Session, answer: Answer | None = None) -> str:
        """Record a rating of `answer` (default: the one the side panel shows), with its sources."""
        answer = answer or session.current
        if answer is None:
            return "还没有可以评价的回答。"
        if self.feedback.disabled:
            return self.feedback.disabled
        sources = render.answer_json(answer)["citations"]
        self.feedback.add(1 if liked else -1, answer.question, answer.text, answer.mode, sources,
                          clean_question(comment)[:2000])
        return "感谢反馈，已记录。"


class ArchiveService:
    """What the archive holds: issues and articles, their metadata, search, checking a draft, versions."""

    def __init__(self, shared: Shared) -> None:
        self.shared = shared

    def refresh(self) -> None:
        self.shared.refresh()

    def history_html(self) -> str:
        """The index versions, newest first, each with what its change added, replaced, removed or edited."""
        from .index import history, history_lines

        return render.history_html(history_lines(history(Path(self.shared.assistant.settings.index_dir))))

    def issue_choices(self) -> list[tuple[str, str]]:
        return [(f"{i.label}{'（' + i.date + '）' if i.date else ''}", i.source) for i in self.shared.store.issues()]

    def issue_labels(self) -> dict[str, str]:
        return {source: label for label, source in self.issue_choices()}

    def district_choices(self) -> list[str]:
        return list(self.shared.store.districts())

    def issue_html(self, source: str) -> str:
        issue = self.shared.store.issue(source) if source else None
        return render.issue_html(issue, self.shared.store.articles(source)) if issue is not None else ""

    def article_choices(self, source: str) -> list[tuple[str, str]]:
        return [(a.title, a.article_id) for a in self.shared.store.articles(source)] if source else []

    def article_by_id(self, article_id: str) -> str:
        store = self.shared.store
        article = store.article(article_id) if article_id else None
        return render.article_html(store.issue(article.source), article, []) if article is not None else ""

    def search_html(self, query: str, filters: Filters) -> str:
        """The matching articles, counted, each opening in full; the filters in force are named."""
        query = clean_question(query)
        if not query:
            return ""
        with self.shared.lock:
            self.shared.assistant.reload_if_changed()
            hits = self.shared.assistant.search(query, filters, k=10)
        return render.search_html(hits, filters_text(filters, self.issue_labels()))

    def check_html(self, text: str, filters: Filters) -> str:
        """Each sentence of a pasted paragraph with its mark, verdict, citation and the source's own words."""
        text = (text or "").strip()[:MAX_DRAFT_CHARS]
        if not text:
            return ""
        with self.shared.lock:
            self.shared.assistant.reload_if_changed()
            checks = self.shared.assistant.check(text, filters)
        return render.check_html(checks)

    def metadata_fields(self, source: str) -> tuple[str, str, str, str, str]:
        """(期号, 总期号, date, publication, suggestion HTML) of an issue for the archive tab's editor."""
        from .metadata import suggest_date

        store = self.shared.store
        issue = store.issue(source) if source else None
        if issue is None:
            return "", "", "", "", ""
        suggestion = suggest_date(store.articles(source))
        if suggestion is not None and suggestion.date == issue.date:
            suggestion = None
        return (str(issue.issue_no or ""), str(issue.total_no or ""), issue.date, issue.publication,
                render.metadata_hint_html(suggestion, undated=not issue.date))

    def save_metadata(self, source: str, issue_no: str, total_no: str, date: str, publication: str,
                      user: str | None = None) -> str:
        """Store staff's 期号/总期号/date/publication for an issue; every citation shows it from now on."""
        from .metadata import set_issue_metadata

        if not source:
            raise AssistantError("请先选择一期")
        if self.shared.importing.locked():
            raise AssistantError("正在导入文件，导入完成后再保存")
        issue = set_issue_metadata(Path(self.shared.assistant.settings.index_dir), source,
                                   {"issue_no": issue_no, "total_no": total_no, "date": date,
                                    "publication": publication}, user=user)
        self.refresh()
        return f"已保存：{source} 今后引用为 {issue_reference(issue)}。"


class ImportService:
    """Uploads: copied in with safe names and bounded sizes, ingested one at a time beside the questions."""

    def __init__(self, shared: Shared, upload_dir: Path) -> None:
        self.shared = shared
        self.upload_dir = upload_dir
        self._embedder = None

    def _embedder_for_ingest(self):
        """A model instance of its own for ingest, so an upload never shares one with the chat's questions."""
        if self._embedder is None:
            from .embedding import load_embedder

            name = self.shared.assistant.settings.embedder
            self._embedder = load_embedder(name) if name.split(":")[0] != "fake" else self.shared.assistant.embedder
        return self._embedder

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
            if not self.shared.importing.acquire(blocking=False):
                if progress is not None:
                    progress(0.0, desc="另一个导入正在进行，排队等候……")
                self.shared.importing.acquire()
            try:
                def step(done: int, total: int, name: str, seconds_left: float | None) -> None:
                    if progress is not None:
                        left = remaining_text(seconds_left)
                        progress(done / max(1, total), desc=f"已处理 {done}/{total}：{name}" + (f"（{left}）" if left else ""))

                report = ingest(accepted, self.shared.assistant.settings, self._embedder_for_ingest(), replace=replace,
                                on_progress=step)
            finally:
                self.shared.importing.release()
                for path in accepted:  # uploads are not kept once ingested (or refused)
                    path.unlink(missing_ok=True)
            self.shared.refresh()
            if progress is not None:
                progress(1.0, desc="完成")
        if report is not None:
            rejected += [(Path(p).name, reason) for p, reason in report.skipped]
        return render.import_report_html(report, rejected)



@dataclass
class Services:
    """The page's services over one Assistant."""

    chat: ChatService
    archive: ArchiveService
    imports: ImportService


def services_for(assistant, upload_dir: Path) -> Services:
    shared = Shared(assistant)
    return Services(ChatService(shared), ArchiveService(shared), ImportService(shared, upload_dir))


def safe_name(name: str) -> str:
    """A file name that stays inside the upload folder: no directories, no leading dots."""
    name = Path(name.replace("\\", "/")).name
    name = re.sub(r"[\x00-\x1f/]", "_", name).lstrip(".") or "upload.txt"
    return name[:180]
