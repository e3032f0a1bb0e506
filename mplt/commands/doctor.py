"""`python reproduce.py doctor [--json]`: toolchains, sandbox, GPU and Hub access at a glance."""
from __future__ import annotations

import json

HELP = "show which toolchains, sandbox mode, GPU and Hub access this machine has"


def add_arguments(parser) -> None:
    parser.add_argument("--json", action="store_true", help="print the report as one JSON object")
    parser.add_argument("--no-gpu", action="store_true", help="skip the GPU check (it imports torch)")


def run(args) -> int:
    from mplt.doctor import diagnose, missing_required
    report = diagnose(gpu=not args.no_gpu)
    missing = missing_required(report)
    if args.json:
        print(json.dumps(report, indent=2))
    else:
        _print_tables(report)
    import sys
    for row in missing:
        print(f"missing required toolchain {row['name']}: {row['install']}", file=sys.stderr)
    hardening = report["sandbox"]["hardening"]
    if not hardening["hardened"]:
        print(f"sandbox not hardened ({hardening['mode']}): {hardening['detail']}", file=sys.stderr)
    return 1 if missing or not hardening["hardened"] else 0


def _print_tables(report: dict) -> None:
    from rich.console import Console
    from rich.table import Table

    console = Console()
    table = Table(title="Toolchains")
    for column in ("language", "found", "version", "path", "install"):
        table.add_column(column)
    for row in report["toolchains"]:
        version = row.get("flavour") or row["version"] or ""
        found = "[green]yes[/]" if row["found"] else ("[red]NO[/]" if row["required"] else "[yellow]no[/]")
        table.add_row(f"{row['name']} ({row['language']})", found, version, row["path"] or "",
                      row["install"] or "")
    for row in report["sandbox_tools"]:
        found = "[green]yes[/]" if row["found"] else ("[red]NO[/]" if row["required"] else "[yellow]no[/]")
        table.add_row(row["name"], found, row["version"] or "", row["path"] or "", row["install"] or "")
    console.print(table)
    sandbox = report["sandbox"]
    mode = sandbox["mode"]
    style = {"bubblewrap": "green", "netns": "yellow"}.get(mode, "bold red")
    forced = f" (forced by MPLT_SANDBOX={sandbox['forced']})" if sandbox["forced"] else ""
    console.print(f"sandbox mode: [{style}]{mode}[/]{forced}; fork guard: {sandbox['fork_guard']}")
    if sandbox["why_not_bubblewrap"] and not sandbox["forced"]:
        console.print(f"[yellow]why not bubblewrap:[/] {sandbox['why_not_bubblewrap']}", soft_wrap=True)
    if mode == "none":
        console.print("[bold red]NO SANDBOX: untrusted programs will run with network and file-system access[/]")
    hardening = sandbox["hardening"]
    verdict = "[green]hardened[/]" if hardening["hardened"] else "[bold red]NOT hardened[/]"
    console.print(f"sandbox self-test: {verdict} ({hardening['detail']}: a probe program tried to open "
                  "/proc/sys files for writing and to read root-only files)")
    removed = sandbox["leftovers_removed"]
    if removed["scratch_dirs"] or removed["cgroups"]:
        console.print(f"removed what killed runs left: {removed['scratch_dirs']} scratch "
                      f"directories, {removed['cgroups']} cgroups")
    print_gpu(report["gpu"], console)
    console.print(f"Hugging Face Hub: {'offline (HF_HUB_OFFLINE=1)' if report['hub_offline'] else 'online'}")
    console.print(f"CPU cores: {report['cpu_count']}")


def print_gpu(gpu: dict, console=None) -> None:
    """The GPU lines: what was found, the driver torch's CUDA build needs, the TORCH_SPEC of the
    build the driver found runs (when it is not the installed one), and the problem if any."""
    if console is None:
        from rich.console import Console
        console = Console()
    console.print(f"GPU: {'[green]yes[/]' if gpu['available'] else 'no'} ({gpu['detail']})")
    if gpu.get("needs_driver"):
        console.print(f"torch's CUDA {gpu['torch_cuda']} build needs: {gpu['needs_driver']}")
    if gpu.get("torch_spec"):
        console.print(f"for the driver found: TORCH_SPEC=\"{gpu['torch_spec']}\" make setup")
    if gpu.get("problem"):
        console.print(f"[bold red]GPU: {gpu['problem']}[/]")
