"""Chinese word segmentation (jieba) for BM25 and for judging what a question asks about."""

from __future__ import annotations

import logging
import re
from functools import lru_cache

# Words of the domain that jieba's dictionary splits wrongly or that must stay whole.
_DOMAIN_WORDS = (
    "上城区", "拱墅区", "西湖区", "滨江区", "萧山区", "余杭区", "临平区", "钱塘区", "富阳区",
    "临安区", "桐庐县", "淳安县", "建德市", "人大常委会", "人大代表", "代表联络站", "信息摘登",
    "西湖龙井", "龙井茶", "审议意见", "营商环境", "一号工程", "三审", "亚运会", "亚运",
    "老旧小区", "生态文明", "健康村长", "基层立法联系点", "共享法庭", "枫桥经验",
)
# Words so common in this archive (or in questions) that they say nothing about the topic.
STOPWORDS = frozenset(
    """的 了 和 与 及 或 是 在 对 为 以 于 等 中 上 下 有 也 都 将 把 被 让 由 从 向 到 这 那 其 之 而
    吗 呢 吧 啊 么 什么 怎么 怎样 如何 哪些 哪个 哪里 哪 几 多少 多 是否 有没有 有何 情况 方面 问题 请问 一下 介绍
    相关 关于 主要 哪一 一期 哪一期 哪期 几期 期 讲 讲过 提到 提及 说 做法 做 了解 工作 开展 推动 推进 进行
    市 区 县 杭州 杭州市 人大 常委会 人大常委会 市人大常委会 请 告诉 我 我们 你 一个 通过 具体 哪几期
    年 月 日 今年 去年 资料 档案 根据 文章 信息 杭州人大信息 期刊 简报 那个 这个 名字 一般 每个 为了 目前 正在
    哪部 分别 出现 出现过 报道 报道过 内容 各期 两期 前后 那篇 这篇 哪天 出版 篇文章 出自 登在 刊登 末尾 简讯
    栏目 哪篇 几篇 哪两篇 几则 各是 什么样 哪些方面 不同 区别 变化 数据 数字 成效 一共 总共 共有 多大 多长
    区县 专门 具体 起来 当时 那期 这期 该期 哪一年 哪年 期里 都""".split()
)
_TOKEN_OK = re.compile(r"[\w\u3400-\u9fff]")


@lru_cache(maxsize=1)
def _jieba():
    import jieba

    jieba.setLogLevel(logging.WARNING)
    for word in _DOMAIN_WORDS:
        jieba.add_word(word, freq=200000)
    return jieba


def tokenize(text: str) -> list[str]:
    """Tokens for BM25: jieba's search-mode cut, lower-cased, punctuation and spaces dropped."""
    return [token.lower() for token in _jieba().cut_for_search(text) if _TOKEN_OK.search(token)]


def content_terms(text: str) -> list[str]:
    """The words of a question that carry its topic: tokens minus stopwords, in order, unique.

    Tokens jieba invents from unknown character runs (各讲, 天出) are dropped unless Latin or digits:
    they are cut artefacts, not words an article could be expected to contain.
    """
    jieba = _jieba()
    seen: dict[str, None] = {}
    for token in jieba.cut(text):
        token = token.strip().lower()
        if not token or not _TOKEN_OK.search(token) or token in STOPWORDS:
            continue
        if len(token) == 1 and not token.isdigit():
            continue
        if not token.isascii() and not jieba.dt.FREQ.get(token):
            continue
        seen.setdefault(token, None)
    return list(seen)
