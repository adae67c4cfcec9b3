"""A progress bar over long runs (embeddings), with no new dependency.

`tqdm` draws it when it is installed (as for `OpenAIEmbeddings`); otherwise a
plain text bar is written to stderr, one line rewritten in place. Safe to
update from several threads (batches finish concurrently).
"""

from __future__ import annotations

import sys
import threading
from typing import Any, TextIO

_WIDTH = 30


class Progress:
    """Counts finished items of a run and shows them as a bar.

    Args:
        total: The number of items.
        desc: What is being done, e.g. `"Embedding"`.
        unit: The item's name, e.g. `"text"`.
        stream: Where the plain bar is written (stderr by default).
        use_tqdm: Use `tqdm` when importable (`False`: always the plain bar).
    """

    def __init__(
        self,
        total: int,
        *,
        desc: str,
        unit: str,
        stream: TextIO | None = None,
        use_tqdm: bool = True,
    ) -> None:
        self.total = total
        self.done = 0
        self._desc = desc
        self._unit = unit
        self._stream = stream if stream is not None else sys.stderr
        self._lock = threading.Lock()
        self._tqdm: Any = None
        if use_tqdm:
            try:
                from tqdm.auto import tqdm  # noqa: PLC0415
            except ImportError:
                pass
            else:
                self._tqdm = tqdm(total=total, desc=desc, unit=unit)
        if self._tqdm is None:
            self._draw()

    def _draw(self) -> None:
        filled = _WIDTH * self.done // self.total if self.total else _WIDTH
        bar = "#" * filled + "." * (_WIDTH - filled)
        end = "\n" if self.done >= self.total else ""
        self._stream.write(
            f"\r{self._desc}: [{bar}] {self.done}/{self.total} {self._unit}s{end}"
        )
        self._stream.flush()

    def update(self, count: int) -> None:
        """Record `count` more finished items.

        Args:
            count: How many finished.
        """
        with self._lock:
            self.done += count
            if self._tqdm is not None:
                self._tqdm.update(count)
            else:
                self._draw()

    def close(self) -> None:
        """End the bar (a run that failed part-way leaves it where it was)."""
        with self._lock:
            if self._tqdm is not None:
                self._tqdm.close()
            elif self.done < self.total:
                self._stream.write("\n")
                self._stream.flush()
