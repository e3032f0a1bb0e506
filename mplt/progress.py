"""The one progress bar of every stage and engine: rich, on rich's global console, so that the bars
of a stage nest in `reproduce.py run`'s live view (rich nests live displays on one console).
Disabled (or with nothing to do) it prints nothing."""
from __future__ import annotations

from contextlib import contextmanager
from typing import Callable, Iterator


@contextmanager
def progress_bar(description: str, total: int | None, enabled: bool = True, *, unit: str = "",
                 detail: str = "", done: int = 0, **fields) -> Iterator[Callable[..., None]]:
    """Yield `advance(n=1, **fields)`. `unit` names what is counted in the rate ("samples");
    `detail` is a rich template over `fields` shown after the count (the training loss)."""
    if not enabled or total == 0:
        yield lambda n=1, **_: None
        return
    from rich import get_console
    from rich.progress import (BarColumn, MofNCompleteColumn, Progress, ProgressColumn, TextColumn,
                               TimeElapsedColumn, TimeRemainingColumn)
    from rich.text import Text

    class RateColumn(ProgressColumn):
        def render(self, task) -> Text:
            speed = task.finished_speed or task.speed
            per = f" {unit}/s" if unit else "/s"
            return Text(f"{speed:.1f}{per}" if speed else f"-{per}", style="progress.data.speed")

    columns = [TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(), RateColumn()]
    if detail:
        columns.append(TextColumn(detail))
    columns += [TimeElapsedColumn(), TimeRemainingColumn()]
    with Progress(*columns, console=get_console()) as bar:
        task = bar.add_task(description, total=total, completed=done, **fields)
        yield lambda n=1, **update: bar.update(task, advance=n, **update)
