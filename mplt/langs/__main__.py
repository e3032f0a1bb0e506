"""`python -m mplt.langs --apt-packages [--missing]`: the Debian packages of the registered
toolchains, one per line (scripts/setup.sh installs them, and the Dockerfile runs setup.sh).
`--missing`: only those of toolchains not found on this machine (or whose test library does not
load). Runs with the system Python before the virtual environment exists: standard library only.
"""
from __future__ import annotations

import argparse
import subprocess
import sys

from mplt.langs import languages


def _library_missing(executable: str, probe: tuple[str, ...]) -> bool:
    try:
        return subprocess.run([executable, *probe[1:]], capture_output=True, timeout=60).returncode != 0
    except (OSError, subprocess.TimeoutExpired):
        return True


def apt_packages(missing_only: bool) -> list[str]:
    packages: dict[str, None] = {}
    for lang in languages().values():
        if missing_only:
            path = lang.find_executable()
            if path and not (lang.library_probe and _library_missing(path, lang.library_probe)):
                continue
        packages.update(dict.fromkeys(lang.apt_packages))
    return list(packages)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m mplt.langs", description=__doc__.split("\n")[0])
    parser.add_argument("--apt-packages", action="store_true", required=True,
                        help="print the Debian packages of the registered toolchains")
    parser.add_argument("--missing", action="store_true", help="only those of toolchains not found here")
    args = parser.parse_args(argv)
    packages = apt_packages(args.missing)
    if packages:
        print("\n".join(packages))
    return 0


if __name__ == "__main__":
    sys.exit(main())
