"""Question answering over the archive of 《杭州人大信息》 with cited answers."""

import os

# numpy's OpenBLAS keeps its idle threads spinning after a product (the term bridge, the sentence matrix),
# and on a 2-core machine they starve the OpenMP threads that embed the next question: an English search
# at 6.8x the sample took 83 ms p50 with OpenBLAS's default threads and 47 ms with one (`python
# eval/threads.py`). The products on the question's path are small enough for one thread. Must be set
# before numpy loads, which this package's first import precedes; a user's own setting wins.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

__version__ = "0.1.0"
