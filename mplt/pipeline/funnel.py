"""The funnel: how many items survive each filter, in order (docs/method.md, section 1 table; the
report shows it). A stage keeps one `Funnel`, and its `summary.json` stores `funnel` as an
ordered list of {step, count} plus a dict for lookups."""
from __future__ import annotations

from collections import Counter


class Funnel:
    def __init__(self) -> None:
        self.steps: list[tuple[str, int]] = []
        self.reasons: Counter[str] = Counter()

    def record(self, step: str, count: int) -> int:
        self.steps.append((step, int(count)))
        return count

    def drop(self, reason: str, n: int = 1) -> None:
        """Count an item dropped for `reason` (shown beside the funnel to explain it)."""
        self.reasons[reason] += n

    def counts(self) -> dict[str, int]:
        return dict(self.steps)

    def to_dict(self) -> dict:
        return {"funnel": [{"step": s, "count": c} for s, c in self.steps],
                "counts": self.counts(), "dropped": dict(sorted(self.reasons.items()))}

    def format_table(self) -> str:
        width = max((len(s) for s, _ in self.steps), default=4)
        return "\n".join(f"{s:<{width}}  {c:>8}" for s, c in self.steps)
