"""Question answering over the archive of 《杭州人大信息》 with cited answers."""

__version__ = "0.1.0"
