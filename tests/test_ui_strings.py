"""Gradio's own strings in Chinese: every key its English has, read from the installed front end."""

from assistant.ui_strings import chinese_i18n, chinese_strings, english_strings, locale_files, parse_locale_module


def test_every_gradio_string_has_a_chinese_text():
    english = english_strings()
    assert len(english) > 100 and english["chatbot.copy_message"] == "Copy message"
    chinese = chinese_strings()
    missing = sorted(key for key in english if key not in chinese and not key.startswith("_"))
    assert missing == [], f"a Gradio upgrade added strings; translate them in assistant/ui_strings.py: {missing}"
    assert chinese["chatbot.copy_message"] == "复制消息" and chinese["upload_text.drop_file"] == "将文件拖放到此处"
    assert all(any("\u4e00" <= ch <= "\u9fff" for ch in text) for text in chinese.values()), chinese


def test_every_browser_locale_gets_the_chinese_strings():
    i18n = chinese_i18n()
    locales = set(i18n.translations_dict)
    assert {"en", "zh-CN", "fr", "ja"} <= locales and set(locale_files()) <= locales
    assert i18n.translations_dict["en"]["common.clear"] == chinese_strings()["common.clear"]


def test_a_locale_module_is_read_as_flat_keys():
    text = 'var e=`简体中文`,t={a:`甲`,"b c":`乙`},n={x:t,y:{z:`丙`}};export{e as _name,n as default};'
    assert parse_locale_module(text) == {"x.a": "甲", "x.b c": "乙", "y.z": "丙"}
