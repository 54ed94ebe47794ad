"""Gradio's own strings (tooltips, upload hints, screen-reader labels) in Chinese for every browser.

Gradio picks the language of its built-in strings from the browser's locale; staff with an English
browser got "Copy message" and "Drop File Here" in a Chinese page. Gradio ships its Simplified Chinese
strings as a JavaScript module beside its front end; this reads them, adds the keys it lacks, and hands
them to `launch(i18n=...)` for every locale Gradio knows, so any browser sees the same Chinese page.
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

# Keys Gradio's English strings have and its Chinese ones lack (seen as raw keys, e.g. "common.complete").
MISSING_ZH = {
    "common.complete": "完成", "chatbot.complete": "完成",
    "chatbot.copy_message": "复制消息", "chatbot.copied_message": "已复制",
    "audio.recording_error": "无法从麦克风开始录音。",
    "chat_interface.new_chat": "新对话", "chat_interface.message_placeholder": "输入消息……",
    "chat_interface.additional_inputs": "其他输入", "chat_interface.chatbot": "对话", "chat_interface.conversation": "对话",
    "common.download_all": "全部下载", "common.runs": "运行记录", "common.runs_description": "查看保存在本浏览器中的运行记录",
    "common.back_to_app": "返回", "common.back_to_app_description": "返回应用", "common.progress": "进度",
    "common.record": "录制", "common.stop_recording": "停止录制", "common.screen_studio": "录屏",
    "common.share_gradio_tab": "[分享] 页面", "common.run": "运行",
    "dataframe.import_empty_file": "拖入的文件是空的。", "dataframe.import_no_column_names": "拖入的文件没有列名。",
    "dataframe.import_ragged_row": "文件第 {line} 行有 {fields} 列，表头有 {columns} 列。",
    "dataframe.import_static_columns": "不能导入到列固定的只读表格。",
    "dataframe.import_fixed_columns": "这个表格需要正好 {expected} 列，文件有 {actual} 列。",
    "dataframe.import_fixed_rows": "这个表格需要正好 {expected} 行，文件有 {actual} 行。",
    "dataframe.filter": "筛选", "dataframe.clear_filter": "清除筛选",
    "image_editor.add_layer": "添加图层", "image_editor.brush": "画笔", "image_editor.brush_size": "画笔大小",
    "image_editor.clear_canvas": "清空画布", "image_editor.color": "颜色", "image_editor.confirm_crop": "确认裁剪",
    "image_editor.crop": "裁剪", "image_editor.erase": "擦除", "image_editor.eraser_size": "橡皮大小",
    "image_editor.fit_to_screen": "适应屏幕", "image_editor.layer": "图层", "image_editor.layers": "图层",
    "image_editor.pan": "平移", "image_editor.paste": "粘贴", "image_editor.redo": "重做", "image_editor.resize": "调整大小",
    "image_editor.save_changes": "保存修改", "image_editor.select_draw_tool": "选择画笔开始绘制",
    "image_editor.show_layers": "显示图层", "image_editor.upload": "上传", "image_editor.upload_image": "上传图片",
    "image_editor.webcam": "摄像头", "image_editor.zoom_in": "放大", "image_editor.zoom_out": "缩小",
    "status.queue_position": "排队中：第 {position} 位，共 {size} 位",
}
_TOKEN = re.compile(r"\s*(`(?:[^`\\]|\\.)*`|\"(?:[^\"\\]|\\.)*\"|'(?:[^'\\]|\\.)*'|[A-Za-z_$][\w$]*|[{}:,=;]|\S)")


def _assets() -> Path:
    import gradio

    return Path(gradio.__file__).parent / "templates" / "frontend" / "assets"


def locale_files() -> dict[str, Path]:
    """Gradio's locale modules by locale code: en, zh-CN, pt-BR, …"""
    files = {}
    for path in _assets().glob("*.js"):
        match = re.fullmatch(r"([a-z]{2}(?:-[A-Z]{2})?)-[\w]{8}", path.stem)
        if match:
            files[match.group(1)] = path
    return files


def parse_locale_module(text: str) -> dict[str, str]:
    """The strings of one bundled locale module, flattened to Gradio's keys ("chatbot.copy_message")."""
    tokens = _TOKEN.findall(text[: text.rindex("export{")] if "export{" in text else text)
    names: dict[str, object] = {}
    position = 0

    def value():
        nonlocal position
        token = tokens[position]
        position += 1
        if token == "{":
            entries = {}
            while tokens[position] != "}":
                key = tokens[position].strip("`\"'")
                position += 2  # key and ':'
                entries[key] = value()
                if tokens[position] == ",":
                    position += 1
            position += 1
            return entries
        if token[0] in "`\"'":
            return token[1:-1]
        return names.get(token, {})

    last = None
    while position < len(tokens):
        token = tokens[position]
        if token in ("var", "let", "const", ",", ";"):
            position += 1
            continue
        if position + 1 < len(tokens) and tokens[position + 1] == "=":
            position += 2
            names[token] = last = value()
            continue
        position += 1
    flat: dict[str, str] = {}

    def walk(prefix: str, node) -> None:
        if isinstance(node, dict):
            for key, child in node.items():
                walk(f"{prefix}.{key}" if prefix else key, child)
        elif isinstance(node, str):
            flat[prefix] = node

    if isinstance(last, dict):
        walk("", last)
    return flat


def english_strings() -> dict[str, str]:
    """Gradio's English strings (compiled into its core module): the keys a page may show."""
    for path in _assets().glob("core-*.js"):
        text = path.read_text(encoding="utf-8")
        start = text.find("=`English`")
        if start < 0:
            continue
        start = text.rfind(",", 0, start) + 1
        end = text.find("}", text.find("_name:", start))
        depth, position = 0, text.find("{", text.find("_name:", start) - 3)
        for position in range(position, len(text)):
            depth += {"{": 1, "}": -1}.get(text[position], 0)
            if depth == 0:
                end = position + 1
                break
        return parse_locale_module(text[start:end] + ";")
    return {}


@lru_cache(maxsize=1)
def chinese_strings() -> dict[str, str]:
    """Every built-in key Gradio has, in Chinese (its zh-CN strings, plus the ones it lacks)."""
    files = locale_files()
    zh = parse_locale_module(files["zh-CN"].read_text(encoding="utf-8")) if "zh-CN" in files else {}
    return {**MISSING_ZH, **{k: v for k, v in zh.items() if not k.startswith("_")}}


def chinese_i18n():
    """A gr.I18n that shows Gradio's own strings in Chinese whatever the browser's language."""
    import gradio as gr

    strings = chinese_strings()
    return gr.I18n(**{code: strings for code in sorted(set(locale_files()) | {"en"})})
