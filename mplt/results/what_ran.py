"""The report's "What ran" section and the Markdown helpers the report shares.

Reads `RUN/environment.json` as `mplt.run.environment.capture_environment` writes it (packages, git,
hardware, toolchains, sandbox, seeds, models, datasets) and the run's resolved config; anything it
does not recognise is listed generically, and a missing file is said plainly.
"""
from __future__ import annotations

from typing import Any

from mplt.results.check import format_number

KNOWN_ENV_KEYS = {"packages", "git", "hardware", "toolchains", "sandbox", "hub_offline", "seeds", "models",
                  "datasets", "env", "generation_engine"}
CONFIG_WORDS = ("profile", "model", "revision", "seed", "lang", "benchmark", "temperature", "preset",
                "epochs", "max_steps", "n")


def table(header: list[str], rows: list[list[Any]]) -> str:
    def cell(v: Any) -> str:
        return ("–" if v is None else format_number(v) if not isinstance(v, str) else v).replace("|", "\\|")
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    lines += ["| " + " | ".join(cell(v) for v in row) + " |" for row in rows]
    return "\n".join(lines)


def flatten(node: Any, prefix: str = "", depth: int = 2) -> list[tuple[str, Any]]:
    if isinstance(node, dict) and depth > 0:
        out = []
        for key, value in node.items():
            out += flatten(value, f"{prefix}{key}.", depth - 1) if isinstance(value, dict) \
                else [(f"{prefix}{key}", value)]
        return out
    return [(prefix.rstrip("."), node)]


def short(value: Any, limit: int = 90) -> str:
    if isinstance(value, (list, tuple)):
        value = ", ".join(short(v, limit) for v in value)
    text = value if isinstance(value, str) else format_number(value) if value is not None else "–"
    text = str(text).replace("\n", " ")
    return text if len(text) <= limit else text[: limit - 1] + "…"


def seconds(value: Any) -> str | None:
    if value is None:
        return None
    return f"{value:.1f} s" if value < 60 else f"{value / 60:.1f} min"


def dict_rows(rows: Any, keys: tuple[str, ...]) -> list[list[str]]:
    return [[short(r.get(k)) for k in keys] for r in rows if isinstance(r, dict)] \
        if isinstance(rows, list) else []


def environment_lines(env: dict) -> list[str]:
    hardware = env.get("hardware") if isinstance(env.get("hardware"), dict) else {}
    gpu = hardware.get("gpu")
    gpu_text = gpu.get("detail") if isinstance(gpu, dict) else gpu
    git = env.get("git") if isinstance(env.get("git"), dict) else {}
    rows = [["machine", short(", ".join(str(hardware[k]) for k in ("platform", "cpu") if hardware.get(k)))],
            ["cores / memory", f"{hardware.get('cpu_count', '?')} cores, {hardware.get('memory_gb', '?')} GB"],
            ["GPU", short(gpu_text)], ["Python", short(hardware.get("python"))],
            ["mplt revision", short((git.get("commit") or "unknown")
                                    + (" (uncommitted changes)" if git.get("dirty") else ""))],
            ["sandbox mode", short(env.get("sandbox"))], ["Hub offline", short(env.get("hub_offline"))]]
    if isinstance(env.get("seeds"), dict) and env["seeds"]:
        rows.append(["seeds", ", ".join(f"{k} {v}" for k, v in env["seeds"].items())])
    if isinstance(env.get("packages"), dict):
        rows.append(["packages", ", ".join(f"{k} {v}" for k, v in env["packages"].items() if v)])
    rows += [[k, short(v)] for k, v in flatten({k: v for k, v in env.items() if k not in KNOWN_ENV_KEYS})]
    parts = ["Environment (`environment.json`):", "", table(["Item", "Value"], rows)]
    toolchains = dict_rows(env.get("toolchains"), ("language", "found", "version", "path"))
    if toolchains:
        parts += ["", "Toolchains:", "", table(["Language", "Found", "Version", "Path"], toolchains)]
    # A local directory has no commit: its weights' hash identifies it.
    refs = [{**e, "commit": e.get("commit") or (f"weights sha256 {e['weights_sha256'][:12]}"
                                                 if e.get("weights_sha256") else None)}
            for e in (env.get("models") or []) + (env.get("datasets") or []) if isinstance(e, dict)]
    refs = dict_rows(refs, ("id", "revision", "commit", "how"))
    if refs:
        parts += ["", "Models and datasets (revision -> commit):", "",
                  table(["Id", "Revision", "Commit", "Resolved from"], refs)]
    return parts


def generation_engine(env: dict, config: dict) -> str | None:
    """Which engine sampled the run: what "auto" chose and why (environment.json), else the backend
    the profile's sampling stages name (config.json); None when no stage samples."""
    chosen = env.get("generation_engine") if isinstance(env, dict) else None
    if isinstance(chosen, dict) and chosen.get("engine"):
        return f"{chosen['engine']} (backend \"auto\": {chosen.get('reason', 'no reason recorded')})"
    named = sorted({str(t["backend"]) for t in config.values() if isinstance(t, dict) and t.get("backend")})
    return f"{', '.join(named)} (the profile's `backend`)" if named else None


def section_what_ran(results: dict) -> str:
    meta, figures = results["meta"], results["figures"]
    config = meta.get("config") if isinstance(meta.get("config"), dict) else {}
    run = config.get("run") if isinstance(config.get("run"), dict) else {}
    parts = ["## What ran", ""]
    about = [("Profile", run.get("description")), ("Why this profile", config.get("profile_reason")),
             ("Expected time", run.get("estimate")), ("Notes", run.get("notes")),
             ("Languages dropped (toolchain missing)", ", ".join(config.get("dropped_langs") or [])),
             ("Generation engine", generation_engine(meta.get("environment") or {}, config))]
    parts += [f"* **{k}:** {short(v, 400)}" for k, v in about if v] + ([""] if any(v for _, v in about) else [])
    parts += [table(["Stage", "Status", "Duration"], [
        [s, status, seconds(figures.get(f"duration.{s}_s"))] for s, status in results["stages"].items()])]
    env = meta.get("environment")
    if isinstance(env, dict) and env:
        parts += ["", *environment_lines(env)]
    else:
        parts += ["", "No `environment.json` in the run directory (versions and hardware unknown)."]
    skip = {"run", "profile_reason", "profile_path", "dropped_langs"}
    picked = [(k, v) for k, v in flatten({k: v for k, v in config.items() if k not in skip}, depth=3)
              if set(k.lower().split(".")[-1].split("_")) & set(CONFIG_WORDS)]
    if picked:
        parts += ["", "Configuration (models, revisions, seeds, sample counts; full config in the run "
                      "directory):", "", table(["Key", "Value"], [[k, short(v)] for k, v in picked])]
    evaluated = meta.get("evaluation") or {}
    if evaluated:
        rows = [[variant, lang, *(short(info.get(k)) for k in ("model", "revision", "adapter", "benchmark"))]
                for variant, langs in evaluated.items() for lang, info in sorted(langs.items())]
        parts += ["", "Models evaluated:", "",
                  table(["Variant", "Lang", "Model", "Revision", "Adapter", "Benchmark"], rows)]
    return "\n".join(parts)
