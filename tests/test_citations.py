"""Every citation in the repository resolves to something a user of the repository can open.

Comments, docstrings and docs cite our own pages as `docs/<name>.md` (with a section, item, rule or
quoted heading where they point inside one), a paper section, or an upstream file or issue
(docs/style.md, rule 10). These tests fail when a cited page, section, item, rule or heading does
not exist, when a file cites the team's private reference notes or tracker, or when a page under
docs/ links to a page that is not there.
"""
from __future__ import annotations

import re
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
DOCS = REPO / "docs"
SCANNED = ("mplt", "scripts", "bench", "tests", "docs", "expected_results", "README.md", "reproduce.py",
           "Makefile", "Dockerfile", "constraints.txt", "pyproject.toml")
TEXT_SUFFIXES = {".py", ".md", ".toml", ".sh", ".json", ".jsonl", ".txt", ".cfg", ".ini", ".yml", ".yaml", ""}
SKIPPED_DIRS = {"__pycache__", ".venv", ".tools", ".git", ".pytest_cache"}

# Names of notes that lived outside the repository, spelt in pieces so this file does not cite them.
PRIVATE_NOTES = ("multiple" + "-conventions", "runtime" + "-facts", "codegen2" + "-and-style")
PRIVATE = [
    (re.compile(r"\b(?:%s)\b" % "|".join(map(re.escape, PRIVATE_NOTES))), "a reference note users do not have"),
    (re.compile(r"shared/" + r"docs"), "a folder outside the repository"),
    (re.compile(r"\.\./" + r"shared"), "a folder outside the repository"),
    (re.compile(r"\b[Ii]ssues? #?[0-9]+"), "our private issue tracker"),
    (re.compile(r"\bstyle " + r"rules? [0-9]+"), "style rules: cite docs/style.md, rule N"),
]
SECTION_ID = r"(?:[A-Z]\.?[0-9]+|[0-9]+[a-z]?)(?:\.[0-9]+)*"
# Separators may wrap onto the next comment line ("section\n# 3").
GAP = r"[\s#]+"
AND = rf"(?:-|,{GAP}|{GAP}and{GAP})"
ID_LIST = rf"{SECTION_ID}(?:/[0-9]+)*(?:{AND}{SECTION_ID}(?:/[0-9]+)*)*"
DOC_NAME = r"[A-Za-z0-9_-]+\.md"
# `docs/<page>.md, section 2.2`, `..., sections 1-4`, `..., 7.2`, `docs/<page>.md#2.2`; inside docs/
# the same with a bare or linked page name (`[<page>.md](<page>.md), section 3`).
SECTION_CITE = rf"(?:,{GAP}(?:sections?{GAP})?|#)({ID_LIST})(?!\w|\.[0-9])"
NUMBERED_CITE = rf",{GAP}(items?|rules?){GAP}([0-9]+(?:{AND}[0-9]+)*)"
HEADING_CITE = rf',{GAP}"([^"\n]+)"'


def scanned_files() -> list[Path]:
    files = []
    for entry in SCANNED:
        path = REPO / entry
        candidates = [path] if path.is_file() else sorted(path.rglob("*")) if path.is_dir() else []
        for f in candidates:
            if f.is_file() and f.suffix in TEXT_SUFFIXES and not SKIPPED_DIRS & set(f.relative_to(REPO).parts):
                files.append(f)
    return files


def read_text(path: Path) -> str:
    return path.read_text(encoding="utf-8", errors="replace")


def headings(text: str) -> list[str]:
    return [line.lstrip("#").strip() for line in text.splitlines() if re.match(r"#{1,6} ", line)]


def heading_ids(text: str) -> dict[str, int]:
    """Section id of each heading (`2.2`, `A.3`, `B1`, `10`) -> its level (number of `#`)."""
    ids = {}
    for line in text.splitlines():
        m = re.match(rf"(#{{1,6}}) ({SECTION_ID})\.?(?:\s|:|$)", line)
        if m:
            ids[m.group(2)] = len(m.group(1))
    return ids


def parent_id(section: str) -> str | None:
    if "." in section:
        return section.rsplit(".", 1)[0]
    m = re.fullmatch(r"([0-9]+)[a-z]", section)
    return m.group(1) if m else None


def has_subsections(ids: dict[str, int], section: str) -> bool:
    return any(other != section and other.startswith(section + ".") or re.fullmatch(rf"{section}[a-z]", other)
               for other in ids)


def section_exists(ids: dict[str, int], section: str) -> bool:
    """A heading, or an item inside a leaf section (`10.3` is item 3 of a section 10 without
    numbered subsections; `1f.2` is part of section 1 when 1 has none)."""
    if section in ids:
        return True
    parent = parent_id(section)
    while parent is not None:
        if parent in ids:
            return not has_subsections(ids, parent)
        parent = parent_id(parent)
    return False


def expand(id_list: str) -> list[str]:
    ids = []
    for part in re.split(AND, id_list):
        ids.extend(re.sub(r"/[0-9]+", "", part).split("/"))
    return [i for i in ids if i]


def numbered_items(text: str) -> set[int]:
    return {int(m.group(1)) for m in re.finditer(r"^\s*([0-9]+)\. ", text, re.M)}


def citations(path: Path, text: str):
    """(line, target page, kind, value) for each citation of a docs page in `text`."""
    in_docs = path.parent == DOCS
    page = rf"(?:docs/|\.\./docs/)({DOC_NAME})" if not in_docs else rf"(?:docs/|\]\(|(?<![\w/.-]))({DOC_NAME})\)?"
    for m in re.finditer(page + rf"(?:{SECTION_CITE}|{NUMBERED_CITE}|{HEADING_CITE})?", text):
        line = text.count("\n", 0, m.start()) + 1
        name = m.group(1)
        if m.group(2):
            yield line, name, "section", m.group(2)
        elif m.group(3):
            yield line, name, m.group(3).rstrip("s"), m.group(4)
        elif m.group(5):
            yield line, name, "heading", m.group(5)
        else:
            yield line, name, "page", ""
    for m in re.finditer(rf"\bREADME(?:\.md)?{HEADING_CITE}", text):
        yield text.count("\n", 0, m.start()) + 1, "../README.md", "heading", m.group(1)


def citation_problems(path: Path, text: str) -> list[str]:
    where = path.relative_to(REPO)
    problems = []
    for line, name, kind, value in citations(path, text):
        target = (DOCS / name).resolve()
        if not target.is_file():
            problems.append(f"{where}:{line}: cites docs/{name}, which does not exist")
            continue
        body = read_text(target)
        if kind == "section":
            ids = heading_ids(body)
            problems += [f"{where}:{line}: docs/{name} has no section {s}" for s in expand(value)
                         if not section_exists(ids, s)]
        elif kind in ("item", "rule"):
            numbers = [int(n) for n in re.split(AND, value)]
            problems += [f"{where}:{line}: docs/{name} has no {kind} {n}" for n in numbers
                         if n not in numbered_items(body)]
        elif kind == "heading" and not any(h == value or h.startswith(value) for h in headings(body)):
            problems.append(f'{where}:{line}: {target.name} has no heading "{value}"')
    return problems


def private_problems(path: Path, text: str) -> list[str]:
    where = path.relative_to(REPO)
    problems = []
    for pattern, why in PRIVATE:
        for m in pattern.finditer(text):
            problems.append(f"{where}:{text.count(chr(10), 0, m.start()) + 1}: {m.group(0)!r} cites {why}")
    if path.parent != DOCS:
        # Outside docs/ a page of ours is always written docs/<name>.md, so the reader knows where it is.
        ours = "|".join(re.escape(p.stem) for p in DOCS.glob("*.md") if p.stem != "README")
        for m in re.finditer(rf"(?<![\w/.-])(?:{ours})\.md\b", text):
            problems.append(f"{where}:{text.count(chr(10), 0, m.start()) + 1}: {m.group(0)!r} needs the docs/ prefix")
    return problems


def test_the_scan_covers_the_package_and_the_docs():
    files = {f.relative_to(REPO).as_posix() for f in scanned_files()}
    assert {"mplt/cli.py", "README.md", "docs/method.md", "tests/test_citations.py"} <= files
    assert sum(1 for f in files if f.startswith("docs/")) >= 10


def test_every_cited_docs_page_section_item_and_heading_exists():
    problems = [p for f in scanned_files() for p in citation_problems(f, read_text(f))]
    assert not problems, "\n".join(problems)


def test_nothing_cites_private_notes_or_the_private_tracker():
    problems = [p for f in scanned_files() for p in private_problems(f, read_text(f))]
    assert not problems, "\n".join(problems)


# The bad citations below are split so that the scan of this file does not read them as citations.
@pytest.mark.parametrize("text, expected", [
    ("see docs/method.md, section 2.2", None),
    ("see docs/method.md, sections 2.4, 10.4 and 1f.2", None),
    ("see docs/" + "nowh" + "ere.md", "which does not exist"),
    ("see docs/" + "meth" + "od.md, section 7.9", "has no section 7.9"),
    ("see docs/" + "deviati" + "ons.md, item 99", "has no item 99"),
    ("see docs/" + "bad-inp" + 'ut.md, "No such heading"', 'has no heading "No such heading"'),
])
def test_the_checks_catch_bad_citations(text, expected):
    problems = citation_problems(REPO / "mplt" / "example.py", text)
    if expected is None:
        assert problems == []
    else:
        assert len(problems) == 1 and problems[0].endswith(expected), problems


def test_private_citations_are_caught():
    text = "\n".join(["# see " + PRIVATE_NOTES[1] + " 3.3", "# fixed in issue " + "12", "# per " + "method" + ".md 2.2"])
    problems = private_problems(REPO / "mplt" / "example.py", text)
    assert len(problems) == 3 and "needs the docs/ prefix" in problems[2]
