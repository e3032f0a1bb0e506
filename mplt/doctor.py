"""What this machine offers mplt: toolchains, sandbox, GPU, Hub access (`reproduce.py doctor`).

`diagnose()` returns a plain dict (the `--json` output); `missing_required()` lists what must be
installed, each with the command that installs it.
"""
from __future__ import annotations

import os
import shutil

from mplt.langs import languages
from mplt.tools import first_line, run_tool

UTIL_LINUX_HINT = "sudo apt-get install -y util-linux"
# Commands the sandbox itself needs (prlimit applies the rlimits; setpriv drops to uid 65534).
SANDBOX_TOOLS = {"prlimit": (True, UTIL_LINUX_HINT), "setpriv": (True, UTIL_LINUX_HINT),
                 "unshare": (False, UTIL_LINUX_HINT), "bwrap": (False, "sudo apt-get install -y bubblewrap")}


def check_toolchains() -> list[dict]:
    rows = []
    for lang in languages().values():
        path = lang.find_executable()
        row = {"language": lang.name, "name": lang.display_name, "found": path is not None,
               "path": path, "version": lang.toolchain_version(path) if path else None,
               "required": lang.required, "install": None if path else lang.install_hint()}
        if path and lang.library_probe:
            library, *args = lang.library_probe
            probe = run_tool([path, *args])
            if probe is None or probe.returncode != 0:
                row.update(found=False, install=f"{library} is missing: {lang.install_hint()}")
        if path:
            row.update(lang.toolchain_details(path, row["version"] or ""))
        rows.append(row)
    return rows


def check_sandbox_tools() -> list[dict]:
    rows = []
    for name, (required, hint) in SANDBOX_TOOLS.items():
        path = shutil.which(name)
        rows.append({"name": name, "found": path is not None, "path": path, "required": required,
                     "version": first_line([path, "--version"]) if path else None,
                     "install": None if path else hint})
    return rows


def check_gpu() -> dict:
    """GPU, torch's CUDA build, the driver it needs (`needs_driver`), the driver found (`driver_version`,
    `driver_cuda`) and the TORCH_SPEC of the build that driver runs when it is not the installed one;
    `problem` says what to fix when they do not fit (mplt.cuda_driver)."""
    try:
        import torch  # lazily: importing torch costs ~1.5 s
    except ImportError:
        return {"available": False, "detail": "torch is not installed", "problem": None}
    from mplt.cuda_driver import diagnose_this_machine
    cuda = diagnose_this_machine()
    versions = {"torch_cuda": cuda.torch_cuda, "driver_cuda": cuda.driver_cuda, "driver_version": cuda.driver_version,
                "needs_driver": cuda.needs_driver, "torch_spec": cuda.torch_spec, "problem": cuda.problem}
    driver = (f"NVIDIA driver {cuda.driver_version or '?'}, CUDA {cuda.driver_cuda or '?'}"
              if cuda.driver_version or cuda.driver_cuda else "")
    if cuda.available:
        return {"available": True, "detail": f"{torch.cuda.device_count()} x {torch.cuda.get_device_name(0)} "
                                             f"(torch {torch.__version__}, CUDA {cuda.torch_cuda}; {driver})",
                **versions}
    return {"available": False, "detail": f"CPU only (torch {torch.__version__}{'; ' + driver if driver else ''})",
            **versions}


# What a container needs for bubblewrap (README, "Docker"; measured with Docker 20.10 on a host
# without AppArmor): SYS_ADMIN and no seccomp profile for its namespaces and mounts ("Creating new
# namespace failed", "pivot_root: Operation not permitted" otherwise), NET_ADMIN for the loopback of
# its network namespace ("loopback: Failed RTM_NEWADDR"). AppArmor (where the host has it) and
# Docker's masked /proc paths can refuse its mounts too, so the line lifts them as well.
CONTAINER_FLAGS = ("--cap-add SYS_ADMIN --cap-add NET_ADMIN --security-opt seccomp=unconfined "
                   "--security-opt apparmor=unconfined --security-opt systempaths=unconfined")


def _first_error(cmd: list[str]) -> str | None:
    """None when `cmd` succeeds, else the last line it printed (or why it could not start)."""
    import subprocess
    try:
        done = subprocess.run(cmd, capture_output=True, text=True, timeout=20)
    except (OSError, subprocess.TimeoutExpired) as e:
        return str(e)
    if done.returncode == 0:
        return None
    lines = (done.stderr or done.stdout).strip().splitlines()
    return lines[-1].strip() if lines else f"exit status {done.returncode}"


def in_container() -> bool:
    return os.path.exists("/.dockerenv") or os.path.exists("/run/.containerenv")


def sandbox_fallback_reason(mode: str, forced: str | None) -> str | None:
    """One line: why the sandbox runs in a weaker mode than bubblewrap here. The probes are those
    of `isolation.detect_mode`, run again to keep what they printed (docs/sandbox.md)."""
    from mplt.execution import isolation
    if forced:
        return f"forced by MPLT_SANDBOX={forced}"
    if mode == "bubblewrap":
        return None
    try:
        why = _first_error([isolation.helper("bwrap"), *isolation.bwrap_args("/tmp", isolation.helpers()),
                            isolation.helper("true")]) or "the probe passes now (it failed when first tried)"
    except isolation.SandboxBroken as e:
        why = str(e)
    reason = f"bubblewrap does not start here ({why})"
    if mode == "none":
        try:
            unshare = _first_error([isolation.helper("unshare"), *isolation.unshare_args(), isolation.helper("true")])
        except isolation.SandboxBroken as e:
            unshare = str(e)
        reason += f" nor do namespaces ({unshare or 'the probe passes now'})"
    if in_container():
        reason += f"; in a container, run it with {CONTAINER_FLAGS} (README, Docker)"
    return reason


def sweep_leftovers() -> dict:
    """Scratch directories and cgroups of killed runs (docs/sandbox.md): removed at once when
    their owning process is gone, never a live run's."""
    from mplt.execution import cgroups, leftovers
    return {"scratch_dirs": leftovers.sweep_scratch(), "cgroups": cgroups.sweep_stale_cgroups.__wrapped__()}


def diagnose(gpu: bool = True) -> dict:
    from mplt.execution import cgroups, isolation, leftovers
    from mplt.execution.selftest import check_hardening
    # A bad MPLT_SANDBOX or MPLT_SCRATCH is one error line (docs/bad-input.md), never reported as in force.
    forced = isolation.forced_mode()
    leftovers.scratch_parent()
    offline = os.environ.get("HF_HUB_OFFLINE", "") not in ("", "0", "false", "False")
    removed = sweep_leftovers()
    mode = isolation.detect_mode()
    return {"toolchains": check_toolchains(), "sandbox_tools": check_sandbox_tools(),
            "sandbox": {"mode": mode, "fork_guard": cgroups.fork_guard(), "forced": forced,
                        "why_not_bubblewrap": sandbox_fallback_reason(mode, forced),
                        "hardening": check_hardening(), "leftovers_removed": removed},
            "gpu": check_gpu() if gpu else {"available": False, "detail": "not checked"},
            "hub_offline": offline, "cpu_count": os.cpu_count()}


def missing_required(report: dict) -> list[dict]:
    rows = report["toolchains"] + report["sandbox_tools"]
    return [row for row in rows if row["required"] and not row["found"]]
