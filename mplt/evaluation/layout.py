"""Where an evaluation keeps its files (all JSONL; MultiPL-E-readable field names).

    OUT/config.json                 resolved EvalConfig of the last generating run
    OUT/config-execute.json         resolved EvalConfig of the last --execute-only run
    OUT/summary.json                {"languages": {lang: summary}, ...}
    OUT/<lang>/problems.jsonl       benchmark records: name, language, prompt, tests, stop_tokens, ...
    OUT/<lang>/meta.json            benchmark source/revision, translation skips, model/revision/commit
    OUT/<lang>/completions.jsonl    one record per problem: the problem fields + completions, temperature,
                                    top_p, max_tokens (MultiPL-E's completion file), + n, seed,
                                    max_new_tokens, prompt_tokens, skipped_reason, id (= name)
    OUT/<lang>/executions.jsonl     one record per completion: id "<name>/<index>", name, index, language,
                                    program, stdout, stderr, exit_code, status, timestamp, duration_s,
                                    limits (what it ran under; a rerun with others is refused), ...
    OUT/<lang>/results.jsonl        one record per problem: MultiPL-E's results file (completion metadata +
                                    `results` list) + n, c, pass@k
    OUT/<lang>/summary.json         the language's pass@k summary

completions.jsonl and executions.jsonl are streamed and resumed by id; the others are rewritten whole.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class LanguageFiles:
    root: Path

    @property
    def problems(self) -> Path:
        return self.root / "problems.jsonl"

    @property
    def meta(self) -> Path:
        return self.root / "meta.json"

    @property
    def completions(self) -> Path:
        return self.root / "completions.jsonl"

    @property
    def executions(self) -> Path:
        return self.root / "executions.jsonl"

    @property
    def results(self) -> Path:
        return self.root / "results.jsonl"

    @property
    def summary(self) -> Path:
        return self.root / "summary.json"


def language_files(out: str | Path, language: str) -> LanguageFiles:
    return LanguageFiles(Path(out) / language)
