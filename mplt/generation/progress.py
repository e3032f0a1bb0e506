"""A rich progress bar that shows samples per second (or nothing, when disabled)."""
from __future__ import annotations

from contextlib import contextmanager
from typing import Callable, Iterator


@contextmanager
def sample_progress(total: int, description: str, enabled: bool = True) -> Iterator[Callable[[int], None]]:
    """Yield `advance(k)`: k more samples are done."""
    if not enabled:
        yield lambda k: None
        return
    from rich import get_console
    from rich.progress import (BarColumn, MofNCompleteColumn, Progress, ProgressColumn, TextColumn,
                               TimeElapsedColumn, TimeRemainingColumn)
    from rich.text import Text

    class RateColumn(ProgressColumn):
        def render(self, task) -> Text:
            speed = task.finished_speed or task.speed
            return Text(f"{speed:.2f} samples/s" if speed else "? samples/s", style="progress.data.speed")

    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), RateColumn(),
               TimeElapsedColumn(), TimeRemainingColumn())
    with Progress(*columns, console=get_console()) as bar:   # rich's global console: nests in `run`'s live view
        task = bar.add_task(description, total=total)
        yield lambda k: bar.advance(task, k)
