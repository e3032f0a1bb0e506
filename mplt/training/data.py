"""Fine-tuning documents: the `content` column of the dataset stage, a JSONL file, a `save_to_disk`
dataset, or a Hub dataset (e.g. `nuprl/MultiPL-T`, one split per language, docs/method.md, section 4.3).

Accepted `--data` values, tried in this order:
* a run directory holding `dataset/<lang>/train.jsonl` (the dataset stage's output);
* a dataset directory holding `<lang>/train.jsonl`;
* a `save_to_disk` directory (`dataset_info.json` / `state.json` / `dataset_dict.json`);
* a `.jsonl` / `.jsonl.gz` file (one language, named by `--langs` or the records' `language`);
* otherwise a Hub dataset id, loaded with `datasets.load_dataset(id, split=<hub split>, revision=R)`.
"""
from __future__ import annotations

import logging
import random
from dataclasses import dataclass
from pathlib import Path

from mplt.errors import MpltError
from mplt.io import read_jsonl
from mplt.langs import languages

log = logging.getLogger(__name__)

# nuprl/MultiPL-T names its splits by language (docs/method.md, section 4.3); our codes are the
# MultiPL-E ones. Each language module gives its split (`multipl_t_split`, None where there is none).
def hub_splits() -> dict[str, str]:
    return {key: lang.multipl_t_split for key, lang in languages().items() if lang.multipl_t_split}


@dataclass(frozen=True)
class Documents:
    language: str
    source: str
    texts: tuple[str, ...]


def load_documents(source: str, langs: tuple[str, ...] = (), revision: str = "main",
                   max_docs: int = 0) -> list[Documents]:
    """One `Documents` per language found (or asked for) in `source`."""
    path = Path(source).expanduser()
    if (path / "dataset").is_dir() and not _is_saved_dataset(path):
        path = path / "dataset"
    if path.is_dir() and not _is_saved_dataset(path):
        found = sorted(p.parent.name for p in path.glob("*/train.jsonl*"))
        if not found:
            raise MpltError(f"{source}: no <lang>/train.jsonl inside (expected the dataset stage's output)")
        wanted = langs or tuple(found)
        missing = [lang for lang in wanted if lang not in found]
        if missing:
            raise MpltError(f"{source}: no training data for {', '.join(missing)} (found {', '.join(found)})")
        return [_from_records(_jsonl_in(path / lang), lang, str(path / lang), max_docs) for lang in wanted]
    if path.is_dir():
        return _from_saved(path, langs, max_docs)
    if path.is_file():
        records = list(read_jsonl(path))
        lang = langs[0] if len(langs) == 1 else _single_language(records, path)
        return [_from_records(records, lang, str(path), max_docs)]
    if source.startswith((".", "/", "~")) or source.endswith((".jsonl", ".gz")):
        raise MpltError(f"data {source!r} does not exist")
    return _from_hub(source, langs, revision, max_docs)


def _jsonl_in(directory: Path):
    for name in ("train.jsonl", "train.jsonl.gz"):
        if (directory / name).exists():
            return list(read_jsonl(directory / name))
    raise MpltError(f"{directory}: no train.jsonl")


def _is_saved_dataset(path: Path) -> bool:
    return any((path / name).exists() for name in ("dataset_info.json", "state.json", "dataset_dict.json"))


def _single_language(records: list[dict], path: Path) -> str:
    found = sorted({str(r.get("language", "")) for r in records} - {""})
    if len(found) == 1:
        return found[0]
    if not found:
        return path.name.split(".")[0]
    raise MpltError(f"{path}: records mix languages {', '.join(found)}; pass one with --langs")


def _from_records(records, lang: str, where: str, max_docs: int) -> Documents:
    texts = []
    for i, record in enumerate(records, 1):
        content = record.get("content") if isinstance(record, dict) else None
        if not isinstance(content, str):
            raise MpltError(f"{where}: record {i} has no string `content` column")
        if content.strip():
            texts.append(content)
    if not texts:   # not fatal: a language may yield no items in a small run; callers skip it
        log.warning("%s: no non-empty documents for %s", where, lang)
    return Documents(lang, where, tuple(texts[:max_docs] if max_docs else texts))


def _from_saved(path: Path, langs: tuple[str, ...], max_docs: int) -> list[Documents]:
    import datasets
    loaded = datasets.load_from_disk(str(path))
    if isinstance(loaded, datasets.DatasetDict):
        wanted = langs or tuple(loaded)
        splits = hub_splits()
        missing = [lang for lang in wanted if lang not in loaded and splits.get(lang) not in loaded]
        if missing:
            raise MpltError(f"{path}: no split(s) {', '.join(missing)} (found {', '.join(loaded)})")
        return [_from_dataset(loaded[lang if lang in loaded else splits[lang]], lang, str(path), max_docs)
                for lang in wanted]
    lang = langs[0] if len(langs) == 1 else path.name
    return [_from_dataset(loaded, lang, str(path), max_docs)]


def _from_dataset(dataset, lang: str, where: str, max_docs: int) -> Documents:
    if "content" not in dataset.column_names:
        raise MpltError(f"{where}: no `content` column (columns: {', '.join(dataset.column_names)})")
    column = dataset["content"]
    return _from_records(({"content": c} for c in column), lang, where, max_docs)


def _from_hub(dataset_id: str, langs: tuple[str, ...], revision: str, max_docs: int) -> list[Documents]:
    import datasets
    if not langs:
        raise MpltError(f"Hub dataset {dataset_id!r}: name the language split(s) with --langs")
    if revision == "main":
        log.warning("dataset %s is not pinned (revision main); pass --data-revision COMMIT", dataset_id)
    out, registry, splits = [], languages(), hub_splits()
    for lang in langs:
        if lang in registry and lang not in splits:
            raise MpltError(f"{registry[lang].display_name} has no split in the MultiPL-T Hub data; fine-tune on "
                            "the dataset stage's output instead (--data RUN_DIR)")
        split = splits.get(lang, lang)
        try:
            dataset = datasets.load_dataset(dataset_id, split=split, revision=revision)
        except Exception as e:   # datasets raises many types (ConnectionError, DatasetNotFoundError, ...)
            raise MpltError(f"cannot load dataset {dataset_id!r} split {split!r}@{revision}: "
                            f"{str(e).splitlines()[0] if str(e) else type(e).__name__}") from e
        out.append(_from_dataset(dataset, lang, f"{dataset_id}:{split}@{revision}", max_docs))
    return out


def sample_documents(docs: Documents, n: int, seed: int) -> Documents:
    """A seeded sample of `n` documents, kept in their order (all of them when there are no more
    than `n`; 0 = all): e.g. the 5,000 Racket items of the dataset-size ablation, whose subset
    MultiPL-T's repository does not name (mplt/profiles/paper-1b-racket-5k.toml)."""
    if n <= 0 or len(docs.texts) <= n:
        return docs
    keep = sorted(random.Random(seed).sample(range(len(docs.texts)), n))
    return Documents(docs.language, f"{docs.source} (seeded sample of {n}, seed {seed})",
                     tuple(docs.texts[i] for i in keep))


def split_eval(texts: tuple[str, ...], fraction: float, max_docs: int, seed: int) -> tuple[list[str], list[str]]:
    """Seeded hold-out by documents, before packing (MultiPL-T holds out 1 %, unseeded: docs/method.md, section 5.1).
    At least one eval document when there are >= 2 documents and fraction > 0."""
    order = list(range(len(texts)))
    random.Random(seed).shuffle(order)
    n_eval = 0 if fraction <= 0 or len(texts) < 2 else min(max(1, round(fraction * len(texts))), max_docs)
    eval_ids = set(order[:n_eval])
    train = [texts[i] for i in order if i not in eval_ids]
    return train, [texts[i] for i in sorted(eval_ids)]


def interleave(groups: list[list[str]]) -> list[str]:
    """Round-robin over languages until all are exhausted (datasets' `all_exhausted` without
    oversampling), so a mixed run sees every language throughout each epoch."""
    out = []
    for i in range(max((len(g) for g in groups), default=0)):
        out.extend(g[i] for g in groups if i < len(g))
    return out
