"""The outcome of running one program, with MultiPL-E-compatible field names
(`program, stdout, stderr, exit_code, status`; docs/conventions.md, section 5). The statuses are
defined in `mplt.langs.status`."""
from __future__ import annotations

from dataclasses import asdict, dataclass, field

from mplt.langs.status import OK


@dataclass(frozen=True)
class ExecResult:
    status: str
    exit_code: int | None
    stdout: str
    stderr: str
    duration_s: float
    language: str = ""
    sandbox: str = ""
    reason: str = ""
    warnings: tuple[str, ...] = field(default=())

    @property
    def passed(self) -> bool:
        return self.status == OK and self.exit_code == 0

    def to_record(self) -> dict:
        record = asdict(self)
        record["warnings"] = list(self.warnings)
        return record
