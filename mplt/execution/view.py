"""The file system a sandboxed program sees (docs/sandbox.md).

bubblewrap builds it from nothing: the system trees (/usr and the /bin, /lib... links into it),
the /etc entries read through the C library or Debian's alternatives by every runtime (measured
with strace: the dynamic loader's cache, /etc/alternatives, passwd and group for name lookups,
locale and time zone files), the CPU list under /sys that the C library and several runtimes read,
the paths the running language declares (`Language.sandbox_paths`: typically an /etc directory
its toolchain's tree links to), each toolchain's own tree (a venv, the pyenv interpreter behind it, `.tools/julia`
and what it links to), the scratch directory and a private /tmp, all read-only but the last two.
This module names no language: what a toolchain needs beyond the base view is the language
module's to declare (docs/languages.md). Nothing of /root, /home, /etc/shadow or the checkout is
there unless a toolchain tree lies in it. /proc is the sandbox's own, with
/proc/sys and /proc/sysrq-trigger bound read-only: bubblewrap's own cover of them is skipped when
`access(W_OK)` says no, and procfs answers no for /proc/sys directories even to root.

netns shares the host's file system; in its private mount namespace /proc/sys is made read-only,
/sys is covered by an empty read-only tmpfs, and /root and /home are covered by an empty tmpfs
with the toolchain trees and declared paths under them moved back (`netns_script`).
"""
from __future__ import annotations

import os
import shlex
from pathlib import Path

SYSTEM_TREES = ("/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32")
ETC_ENTRIES = ("alternatives", "ld.so.cache", "ld.so.conf", "ld.so.conf.d", "localtime", "timezone",
               "passwd", "group", "nsswitch.conf", "os-release", "locale.alias", "mime.types")
SYS_ENTRIES = ("/sys/devices/system/cpu",)
PROC_READ_ONLY = ("/proc/sys", "/proc/sysrq-trigger")
COVERED = ("/root", "/home")   # netns: hidden behind a tmpfs (bubblewrap never shows them)


def _inside(path: Path, roots) -> bool:
    return any(path == Path(r) or Path(r) in path.parents for r in roots)


def _too_wide(tree: Path) -> bool:
    """A tree that would expose a whole home directory (e.g. ~/bin/julia) or the root."""
    return tree == Path("/") or tree in (Path("/root"), Path("/home")) or tree.parent == Path("/home")


def toolchain_trees(executables) -> tuple[tuple[str, str], ...]:
    """(source, destination) read-only binds for the installation trees of `executables`: the
    directory above `bin/` (else the executable's own directory), for the path as called and as
    resolved, each bound from its real path. Trees inside the system trees need no bind."""
    binds: dict[str, str] = {}
    for executable in executables:
        for path in (Path(os.path.abspath(executable)), Path(os.path.realpath(executable))):
            tree = path.parent.parent if path.parent.name == "bin" else path.parent
            if _too_wide(tree):
                tree = path.parent
            real = Path(os.path.realpath(tree))
            if _too_wide(tree) or _inside(real, SYSTEM_TREES) and _inside(tree, SYSTEM_TREES):
                continue
            binds[str(tree)] = str(real)
    return tuple(sorted((src, dest) for dest, src in binds.items()))


def _make_parents(dest: str, made: set[str], bound: list[str]) -> list[str]:
    """bubblewrap creates missing parents 0700 on a tmpfs, which uid 65534 cannot enter."""
    args = []
    for parent in reversed(Path(dest).parents):
        text = str(parent)
        if parent == Path("/") or text in made or _inside(parent, bound) or _inside(parent, SYSTEM_TREES):
            continue
        made.add(text)
        args += ["--perms", "0755", "--dir", text]
    return args


def declared_paths(paths) -> tuple[str, ...]:
    """The existing paths among a language's `sandbox_paths` that the system trees do not already
    show (a missing one, e.g. /etc/julia without Debian's julia, is not bound)."""
    return tuple(p for p in dict.fromkeys(paths) if os.path.lexists(p) and not _inside(Path(p), SYSTEM_TREES))


def bwrap_view(scratch: str, trees: tuple[tuple[str, str], ...], tmp_mb: int,
               tmp_source=None, paths: tuple[str, ...] = ()) -> list[str]:
    """`tmp_source`: a directory bound as /tmp (a warm worker's, which the harness empties between
    programs: docs/warm.md) instead of a private size-capped tmpfs. `paths`: the language's
    `sandbox_paths`, bound read-only at their own place after the trees."""
    args = []
    for top in SYSTEM_TREES:
        if os.path.islink(top):
            args += ["--symlink", os.readlink(top), top]
        elif os.path.isdir(top):
            args += ["--ro-bind", top, top]
    made = {"/tmp", "/etc"}   # the private /tmp keeps its mode 1777
    bound: list[str] = []
    args += ["--perms", "0755", "--dir", "/etc"]
    for entry in ETC_ENTRIES:
        args += ["--ro-bind-try", f"/etc/{entry}", f"/etc/{entry}"]
    args += ["--dev", "/dev", "--proc", "/proc"]
    for path in PROC_READ_ONLY:
        args += ["--ro-bind-try", path, path]
    for path in SYS_ENTRIES:
        args += [*_make_parents(path, made, bound), "--ro-bind-try", path, path]
    if tmp_source is None:
        args += ["--size", str(tmp_mb * 1024 * 1024), "--perms", "1777", "--tmpfs", "/tmp"]
    else:
        args += ["--bind", str(tmp_source), "/tmp"]
    for src, dest in sorted(trees, key=lambda pair: len(pair[1])):
        if not _inside(Path(dest), bound):
            args += [*_make_parents(dest, made, bound), "--ro-bind", src, dest]
            bound.append(dest)
    for path in declared_paths(paths):
        if not _inside(Path(path), bound):
            args += [*_make_parents(path, made, bound), "--ro-bind-try", path, path]
            bound.append(path)
    args += [*_make_parents(scratch, made, bound), "--bind", scratch, scratch, "--chdir", scratch]
    return args + ["--remount-ro", "/"]


# Runs as root in netns's private mount namespace, before the uid drop. Arguments: the park
# directory, pairs (covered directory, tree inside it or ""), "--", the command. Each tree is parked by a bind mount,
# its covered directory gets an empty tmpfs, and the tree is moved back to its old path.
_NETNS_SCRIPT = r'''set -e; saved_path=$PATH; PATH=/usr/sbin:/usr/bin:/sbin:/bin
mount --bind /proc/sys /proc/sys; mount -o remount,bind,ro /proc/sys
if [ -e /proc/sysrq-trigger ]; then mount --bind /proc/sysrq-trigger /proc/sysrq-trigger; mount -o remount,bind,ro /proc/sysrq-trigger; fi
mount -t tmpfs -o ro,mode=755,size=4k mplt-no-sys /sys
park=$1; shift; n=0; covered=
while [ "$1" != -- ]; do
  if [ -n "$2" ]; then n=$((n+1)); mkdir -p "$park/$n"; mount --bind "$2" "$park/$n"; fi
  case " $covered " in *" $1 "*) ;; *) covered="$covered $1";; esac
  shift 2
done
shift
for dir in $covered; do mount -t tmpfs -o mode=755,size=4k mplt-hidden "$dir"; done
'''


def netns_script(scratch: str, trees: tuple[tuple[str, str], ...],
                 paths: tuple[str, ...] = ()) -> tuple[str, list[str]]:
    """The hardening script for mode netns and its arguments up to the command (a park
    directory in the scratch directory, pairs of covered directory and tree, "--"); the
    language's `paths` under a covered directory are moved back like the trees."""
    pairs: list[str] = []
    moves = []
    declared = {os.path.realpath(p) for p in declared_paths(paths)}
    keep = sorted({dest for _, dest in trees} | declared | {scratch}, key=len)
    for covered in COVERED:
        if not os.path.isdir(covered):
            continue
        inside = [p for p in keep if Path(covered) in Path(p).parents]
        outer = [p for p in inside if not _inside(Path(p), [q for q in inside if q != p])]
        if not outer:
            pairs += [covered, ""]
        for path in outer:
            pairs += [covered, path]
            moves.append(path)
    tail = "".join(f'mkdir -p {shlex.quote(p)}; mount --move "$park/{i}" {shlex.quote(p)}\n'
                   for i, p in enumerate(moves, start=1))
    return _NETNS_SCRIPT + tail + 'PATH=$saved_path; exec "$@"\n', [str(Path(scratch) / ".park"), *pairs, "--"]
