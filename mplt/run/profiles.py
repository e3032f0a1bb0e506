"""Run profiles: small TOML files in `mplt/profiles/`, one table per stage.

A profile has a `[run]` table (what the run is, which stages, what it needs) and one table per
stage, read with `mplt.config.load_toml` and turned into the stage's frozen config with
`config_from_dict` (unknown keys are errors). String values may use three placeholders, expanded
when the profile is loaded for a run directory: `{run}` (the run directory), `{data}` (the package's
data directory: smoke corpus, mini benchmark) and `{repo}` (the project root).

A `langs` (or `languages`) list drops Julia when its toolchain is not installed (the smoke profile runs Julia
"where installed"; the banner says so); any other missing toolchain is an error before the run starts.
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mplt.config import check_types, config_from_dict, load_toml, toml_type
from mplt.errors import MpltError
from mplt.settings import HostSettings, applied, current, resolve
from mplt.stages.registry import PROFILE_STAGES, STAGES, build_config, get_stage

PACKAGE_DIR = Path(__file__).resolve().parents[1]
PROFILES_DIR = PACKAGE_DIR / "profiles"
DATA_DIR = PACKAGE_DIR / "data"
REPO_DIR = PACKAGE_DIR.parent
# Every stage a profile may list, in run order (the registry's); without a list, the paper's six and
# the stages that only read the others (report, check). `model` only exists in the smoke profile.
STAGE_ORDER = PROFILE_STAGES
DEFAULT_STAGES = tuple(name for name in STAGE_ORDER if STAGES[name].paper or STAGES[name].always_runs)
@dataclass(frozen=True)
class RunSettings:
    """The `[run]` table."""
    description: str = ""
    stages: tuple[str, ...] = DEFAULT_STAGES
    needs_hub: bool = False          # downloads models or datasets from the Hugging Face Hub
    needs_gpu: bool = False          # refuses to start without CUDA
    seed: int = 0                    # recorded with the environment; stages carry their own seeds
    hub_models: tuple[str, ...] = ()     # "repo@revision" the run downloads (checked before starting)
    hub_datasets: tuple[str, ...] = ()
    estimate: str = ""               # how long the run takes, where it was (or was not) measured
    execution: str = "warm"          # "warm" (warm workers, docs/warm.md) or "cold" (`run --cold`)
    notes: str = ""
    # The host settings (mplt/settings.py, docs/environment.md); unset: the environment's default.
    sandbox: str | None = None       # bubblewrap, netns or none; unset: the best available
    scratch: str | None = None       # an existing directory for the programs' scratch directories
    toolchains: dict[str, str] | None = None     # language -> executable, e.g. {lua = "/usr/bin/lua5.3"}
    openai_concurrency: int | None = None        # backend openai: requests in flight
    openai_timeout_s: float | None = None        # backend openai: seconds per request
    openai_retries: int | None = None            # backend openai: retries after the first attempt
    cluster: str | None = None       # Ray: "local", "auto" or an address; unset: this machine (docs/cluster.md)


@dataclass(frozen=True)
class Profile:
    name: str
    path: Path
    run: RunSettings
    tables: dict[str, dict[str, Any]]       # stage name -> its TOML table, placeholders expanded
    dropped_langs: tuple[str, ...] = ()     # toolchains missing on this machine
    host: HostSettings = HostSettings()     # `[run]`'s host settings over the environment's defaults

    def table(self, stage: str) -> dict[str, Any]:
        return dict(self.tables.get(stage, {}))


def list_profiles() -> list[str]:
    return sorted(p.stem for p in PROFILES_DIR.glob("*.toml"))


def profile_path(name: str) -> Path:
    """A profile name (`smoke`) or a path to a TOML file of the same format."""
    candidate = Path(name)
    if candidate.suffix == ".toml" and not candidate.is_dir():
        if not candidate.exists():
            raise MpltError(f"{candidate}: no such profile file")
        return candidate
    path = PROFILES_DIR / f"{name}.toml"
    if not path.exists() and candidate.is_dir():
        raise MpltError(f"{candidate}: is a directory; --profile takes a profile name or a .toml file")
    if not path.exists():
        raise MpltError(f"unknown profile {name!r}; known: {', '.join(list_profiles())} (or a .toml path)")
    return path


def load_profile(name: str, run_dir: str | Path, *, filter_langs: bool = True, flags: dict[str, Any] | None = None,
                 flag_names: dict[str, str] | None = None) -> Profile:
    """The profile for `run_dir`; `flags` (a command's host settings, shown as `flag_names`) over its `[run]`."""
    path = profile_path(name)
    raw = load_toml(path)
    unknown = sorted(set(raw) - {"run", *STAGE_ORDER})
    if unknown:
        raise MpltError(f"{path}: unknown table(s) {', '.join(unknown)}; known: run, {', '.join(STAGE_ORDER)}")
    run = config_from_dict(RunSettings, raw.get("run"), where=f"{path.name} [run]")
    host = host_settings(run, f"{path.name} [run]", flags, flag_names)
    if not run.stages:
        raise MpltError(f"{path.name} [run] stages: empty; name at least one of {', '.join(STAGE_ORDER)}")
    bad = [s for s in run.stages if s not in STAGE_ORDER]
    if bad:
        raise MpltError(f"{path.name} [run] stages: unknown stage(s) {', '.join(bad)}; known: {', '.join(STAGE_ORDER)}")
    check_table_types(path, raw)
    values = placeholder_values(run_dir)
    tables = {stage: expand(raw.get(stage, {}), values) for stage in STAGE_ORDER if stage in raw}
    dropped: tuple[str, ...] = ()
    if filter_langs:
        with applied(host):     # `[run] toolchains` decide which toolchains are installed
            tables, dropped = _keep_installed_langs(tables)
    return Profile(name=path.stem, path=path, run=run, tables=tables, dropped_langs=dropped, host=host)


def host_settings(run: RunSettings | dict[str, Any], where: str, flags: dict[str, Any] | None = None,
                  flag_names: dict[str, str] | None = None) -> HostSettings:
    """`[run]`'s host settings (toolchains keyed by any language alias) over the environment's
    defaults, `flags` over both; a bad value is one line."""
    from mplt.langs import get_language
    table = dataclasses.asdict(run) if isinstance(run, RunSettings) else dict(run)
    if isinstance(table.get("toolchains"), dict):
        table["toolchains"] = {get_language(k).name: v for k, v in table["toolchains"].items()}
    return resolve(table, where, flags=flags, flag_names=flag_names)


def check_table_types(path: Path, raw: dict[str, Any]) -> None:
    """Every stage table's values against its config's field types, when the profile is read, so a
    wrong type is one line before any work (docs/bad-input.md); unknown keys are reported by `stage_config`."""
    from mplt.training.config import TrainConfig
    for stage in STAGE_ORDER:
        if stage not in raw:
            continue
        table = raw[stage]
        if not isinstance(table, dict):
            raise MpltError(f"{path.name}: {stage} must be a table ([{stage}]), got {toml_type(table)}")
        _, config_class = get_stage(stage).load()
        check_types(config_class, table, where=f"{path.name} [{stage}]")
    settings = raw.get("finetune", {}).get("settings")
    if isinstance(settings, dict):      # TrainConfig fields over the preset
        check_types(TrainConfig, settings, where=f"{path.name} [finetune.settings]")


def placeholder_values(run_dir: str | Path) -> dict[str, str]:
    return {"run": str(Path(run_dir)), "data": str(DATA_DIR), "repo": str(REPO_DIR)}


def expand(value: Any, values: dict[str, str]) -> Any:
    """Replace `{run}`, `{data}`, `{repo}` in every string of a TOML value (other braces are kept)."""
    if isinstance(value, str):
        for key, replacement in values.items():
            value = value.replace("{" + key + "}", replacement)
        return value
    if isinstance(value, dict):
        return {k: expand(v, values) for k, v in value.items()}
    if isinstance(value, list):
        return [expand(v, values) for v in value]
    return value


def _keep_installed_langs(tables: dict[str, dict]) -> tuple[dict[str, dict], tuple[str, ...]]:
    """Drop the optional languages (Julia) whose toolchain is missing; a missing required one stops
    the run here, before any work (README: only Julia is optional), instead of failing its
    figures hours later."""
    from mplt.langs import get_language
    dropped: set[str] = set()
    missing: dict[str, list[str]] = {}
    out = {}
    for stage, table in tables.items():
        table = dict(table)
        for key in ("langs", "languages"):
            if isinstance(table.get(key), list):
                kept = []
                for name in table[key]:
                    lang = get_language(name)
                    if lang.find_executable() is not None:
                        kept.append(name)
                    elif lang.droppable:   # any other missing toolchain stops the run
                        dropped.add(lang.name)
                    else:
                        missing.setdefault(lang.name, []).append(stage)
                table[key] = kept
        out[stage] = table
    if missing:
        raise MpltError("; ".join(_missing_toolchain(name, stages) for name, stages in missing.items()))
    return out, tuple(sorted(dropped))


def _missing_toolchain(name: str, stages: list[str]) -> str:
    from mplt.langs import get_language
    lang = get_language(name)
    host = current()
    override = host.toolchain(lang.name)
    named = f"toolchains.{lang.name}" if dict(host.toolchains).get(lang.name) else f"MPLT_{lang.name.upper()}"
    where = f" ({named}={override})" if override else ""
    return (f"{lang.display_name} toolchain not found{where}, needed by [{'], ['.join(stages)}]: "
            f"{lang.install_hint()}, or remove {lang.name} from the profile")


def stage_config(profile: Profile, stage: str):
    """The stage's frozen config built from its table (unknown keys raise MpltError), validated."""
    return build_config(stage, profile.table(stage), profile.path.name)


def resolved_config(profile: Profile) -> dict[str, Any]:
    """Everything the run will use, as plain data: written to the run directory."""
    from mplt.config import config_to_dict
    out: dict[str, Any] = {"profile": profile.name, "profile_path": str(profile.path),
                           "run": _plain(dataclasses.asdict(profile.run)),
                           "host": profile.host.record(_profile_langs(profile)),
                           "dropped_langs": list(profile.dropped_langs)}
    for stage in profile.run.stages:
        if get_stage(stage).always_runs and stage not in profile.tables:
            continue
        out[stage] = _plain(config_to_dict(stage_config(profile, stage)))
    return out


def _profile_langs(profile: Profile) -> tuple[str, ...]:
    """The registry names of the languages the profile's stages list."""
    from mplt.langs import get_language
    names = {get_language(name).name for table in profile.tables.values() for key in ("langs", "languages")
             if isinstance(table.get(key), list) for name in table[key]}
    return tuple(sorted(names))


def _plain(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value


def choose_default_profile(cuda_available: bool | None = None) -> tuple[str, str]:
    """(profile, why): `scaled` with a CUDA GPU, else `smoke`."""
    if cuda_available is None:
        try:
            import torch
            cuda_available = torch.cuda.is_available()
        except ImportError:
            cuda_available = False
    if cuda_available:
        return "scaled", "a CUDA GPU is present"
    return "smoke", "no CUDA GPU found (the smoke profile runs on CPU in minutes)"
