"""Evaluation: generate completions, execute them in the sandbox, score pass@k
(docs/conventions.md, sections 5 and 7).

    from mplt.evaluation import EvalConfig, evaluate
    summary = evaluate(EvalConfig(model="starcoderbase-1b", langs=("lua",), out="runs/eval"))

`mode="generate"` only samples (needs the model), `mode="execute"` only executes and scores the
saved completions (no model, no GPU). The file layout is documented in `mplt.evaluation.layout`.
"""
from mplt.evaluation.config import EvalConfig
from mplt.evaluation.run import evaluate, execute_language, generate_language

__all__ = ["EvalConfig", "evaluate", "execute_language", "generate_language"]
