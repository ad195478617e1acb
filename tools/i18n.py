"""The Korean edition (한국어판): built from the English sources plus translations of their prose.

    python tools/i18n.py build [PATH ...]  # write the Korean notebooks and documents from their translations
    python tools/i18n.py check [PATH ...]  # what is missing, out of date or off the glossary (exit 1 if any)
    python tools/i18n.py skeleton PATH     # add the blocks an English source has and its translation lacks
    python tools/i18n.py accept PATH ID    # the Korean of block ID now matches the English: record its hash
    python tools/i18n.py stats             # words translated, blocks, terminology checks

The English notebooks are the single source of code and outputs; a Korean notebook is the English one
with its markdown cells replaced by their translations, and it is never executed. The format of a
translation file, and how to fix one Korean sentence, are in translations/README.md.
"""
from __future__ import annotations

import argparse
import copy
import difflib
import functools
import hashlib
import json
import re
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TRANSLATIONS = ROOT / "translations" / "ko"
GLOSSARY = ROOT / "GLOSSARY.md"
RESULT_NAMES = TRANSLATIONS / "results.md"
DOCS = ["README.md", "GLOSSARY.md", "datasets/README.md"]
HANGUL = re.compile(r"[\uac00-\ud7a3]")
RUNTIME = re.compile(r"<!-- runtime -->(.*?)<!-- /runtime -->", re.S)
RUNTIME_EN = re.compile(r"^(\d+) s on 2 CPU cores \(one thread\), measured by `tools/report.py`$")
TABLE = re.compile(r"<!-- chapter-table -->.*?<!-- /chapter-table -->", re.S)
MARKER = re.compile(r"^%% (\S+) en=([0-9a-f]{10}|new)((?: [a-z-]+(?:=\S+)?)*)(?: \| .*)?$")


class I18nError(RuntimeError):
    """A translation cannot be built; the message says which file and block."""


# --------------------------------------------------------------------------- sources and blocks
def english_sources() -> list[Path]:
    """Every English notebook and document that has a Korean edition, relative to the repository."""
    notebooks = sorted(
        p.relative_to(ROOT) for p in (ROOT / "chapters").glob("*/*.ipynb")
        if not p.name.startswith("my_") and not p.name.endswith(".ko.ipynb") and ".ipynb_checkpoints" not in p.parts
    )
    return notebooks + [Path(d) for d in DOCS]


def korean_path(english: Path) -> Path:
    """chapters/05_cnn/05_cnn.ipynb -> chapters/05_cnn/05_cnn.ko.ipynb; README.md -> README.ko.md."""
    return english.with_name(f"{english.stem}.ko{english.suffix}")


def translation_path(english: Path) -> Path:
    """Where the Korean of ``english`` lives: translations/ko/<same path>.md."""
    return TRANSLATIONS / english.with_suffix(".md")


def normalise(text: str) -> str:
    """The English text a hash covers: generated parts (runtime, the chapter table) left out."""
    text = RUNTIME.sub("<!-- runtime --><!-- /runtime -->", text)
    text = TABLE.sub("<!-- chapter-table -->\n<!-- /chapter-table -->", text)
    return "\n".join(line.rstrip() for line in text.strip().splitlines())


def digest(text: str) -> str:
    return hashlib.sha256(normalise(text).encode("utf-8")).hexdigest()[:10]


def _slug(heading: str) -> str:
    words = re.sub(r"[^0-9a-z]+", "-", heading.lstrip("#").strip().lower()).strip("-")
    return (words[:40].rstrip("-") or "section")


def doc_blocks(text: str) -> list[tuple[str, str]]:
    """A Markdown document cut into (id, text) blocks, one per heading (outside code fences)."""
    blocks, current, fence = [], [], False
    for line in text.splitlines():
        if line.startswith("```"):
            fence = not fence
        if not fence and line.startswith("#") and current and any(s.strip() for s in current):
            if not all(s.startswith("#") for s in current if s.strip()):  # consecutive headings stay together
                blocks.append(current)
                current = []
        current.append(line)
    if current:
        blocks.append(current)
    out, seen = [], {}
    for lines in blocks:
        heading = next((s for s in lines if s.startswith("#")), "top")
        slug = _slug(heading)
        seen[slug] = seen.get(slug, 0) + 1
        out.append((slug if seen[slug] == 1 else f"{slug}-{seen[slug]}", "\n".join(lines).strip("\n")))
    return out


def english_blocks(english: Path) -> list[tuple[str, str]]:
    """(id, English text) of every block to translate: a notebook's markdown cells or a document's sections."""
    if english.suffix == ".ipynb":
        nb = json.loads((ROOT / english).read_text(encoding="utf-8"))
        return [(c["id"], "".join(c["source"])) for c in nb["cells"] if c["cell_type"] == "markdown"]
    return doc_blocks((ROOT / english).read_text(encoding="utf-8"))


# --------------------------------------------------------------------------- translation files
@dataclass
class Block:
    id: str
    en_hash: str
    text: str
    options: dict = field(default_factory=dict)
    line: int = 0

    @property
    def same(self) -> bool:
        return "same" in self.options


def parse(path: Path) -> list[Block]:
    """The blocks of a translation file: a marker line ``%% ID en=HASH [options] | note`` and the Korean below it."""
    blocks: list[Block] = []
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if line.startswith("%% "):
            m = MARKER.match(line)
            if not m:
                raise I18nError(f"{path.relative_to(ROOT)}:{n}: a marker line reads `%% ID en=HASH [same] | note`, "
                                f"not {line!r}")
            options = {}
            for opt in m.group(3).split():
                key, _, value = opt.partition("=")
                options[key] = value
            unknown = set(options) - {"same", "terms-ok"}
            if unknown:
                raise I18nError(f"{path.relative_to(ROOT)}:{n}: unknown option {sorted(unknown)}")
            blocks.append(Block(m.group(1), m.group(2), "", options, n))
        elif blocks:
            blocks[-1].text += line + "\n"
    for b in blocks:
        b.text = b.text.strip("\n")
    return blocks


def marker(block_id: str, en_text: str, options: str = "") -> str:
    first = next((s.strip() for s in en_text.splitlines() if s.strip()), "")
    note = first if len(first) <= 70 else first[:67] + "..."
    return f"%% {block_id} en={digest(en_text)}{options} | {note}"


def header(english: Path) -> str:
    return (f"<!-- 한국어 번역: {english.as_posix()} -> {korean_path(english).as_posix()}. "
            f"형식은 translations/README.md를 보세요. -->\n")


def skeleton(english: Path) -> int:
    """Append a block (English text as a placeholder) for every English block the translation lacks."""
    path = translation_path(english)
    existing = {b.id for b in parse(path)} if path.exists() else set()
    text = path.read_text(encoding="utf-8") if path.exists() else header(english)
    added = 0
    for block_id, en in english_blocks(english):
        if block_id not in existing:
            text = text.rstrip("\n") + f"\n\n{marker(block_id, en).replace(' en=' + digest(en), ' en=new')}\n{en}\n"
            added += 1
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return added


def accept(english: Path, block_id: str) -> None:
    """Record that block ``block_id``'s Korean translates the current English (after you updated it)."""
    path = translation_path(english)
    en = dict(english_blocks(english))
    if block_id not in en:
        raise I18nError(f"{english} has no block {block_id}")
    lines = path.read_text(encoding="utf-8").splitlines()
    for i, line in enumerate(lines):
        m = MARKER.match(line)
        if m and m.group(1) == block_id:
            lines[i] = marker(block_id, en[block_id], m.group(3))
            path.write_text("\n".join(lines) + "\n", encoding="utf-8")
            return
    raise I18nError(f"{path.relative_to(ROOT)} has no block {block_id}")


# --------------------------------------------------------------------------- problems
def old_english(english: Path, block_id: str, en_hash: str) -> str | None:
    """The English text a stale translation was made from, found in git history (None if not found)."""
    try:
        revs = subprocess.run(["git", "log", "--format=%H", "-n", "40", "--", english.as_posix()], cwd=ROOT,
                              capture_output=True, text=True, check=True).stdout.split()
    except (OSError, subprocess.CalledProcessError):
        return None
    for rev in revs:
        shown = subprocess.run(["git", "show", f"{rev}:{english.as_posix()}"], cwd=ROOT, capture_output=True,
                               text=True)
        if shown.returncode:
            continue
        if english.suffix == ".ipynb":
            cells = json.loads(shown.stdout)["cells"]
            old = [(c.get("id"), "".join(c["source"])) for c in cells if c["cell_type"] == "markdown"]
        else:
            old = doc_blocks(shown.stdout)
        for bid, text in old:
            if bid == block_id and digest(text) == en_hash:
                return text
    return None


def translated(block: Block, en_text: str) -> bool:
    """A block holds a translation: marked ``same``, or more Hangul than its English (which has glosses)."""
    return block.same or (block.text.strip() != en_text.strip()
                          and len(HANGUL.findall(block.text)) > len(HANGUL.findall(en_text)))


def problems(english: Path, with_diff: bool = False) -> list[str]:
    """Everything that keeps ``english``'s Korean edition from being built or current, one line each."""
    path = translation_path(english)
    rel = path.relative_to(ROOT).as_posix()
    if not path.exists():
        return [f"{rel}: missing: run `python tools/i18n.py skeleton {english.as_posix()}` and translate it"]
    en = english_blocks(english)
    blocks = {b.id: b for b in parse(path)}
    out = []
    for block_id, text in en:
        b = blocks.get(block_id)
        first = next((s for s in text.splitlines() if s.strip()), "")[:60]
        if b is None:
            out.append(f"{rel}: block {block_id} ({first!r}) has no translation")
        elif b.en_hash == "new":
            out.append(f"{rel}:{b.line}: block {block_id} ({first!r}) is not translated yet (en=new)")
        elif b.en_hash != digest(text) and not b.same:  # a `same` block is the English itself: never stale
            msg = f"{rel}:{b.line}: block {block_id} ({first!r}) is out of date: its English changed"
            if with_diff:
                old = old_english(english, block_id, b.en_hash)
                if old is not None:
                    diff = difflib.unified_diff(normalise(old).splitlines(), normalise(text).splitlines(),
                                                "English it translates", "English now", lineterm="", n=1)
                    msg += "\n    " + "\n    ".join(diff)
            out.append(msg)
        elif not translated(b, text):
            out.append(f"{rel}:{b.line}: block {block_id} is still English (mark it `same` if it needs no Korean)")
    ids = {i for i, _ in en}
    out += [f"{rel}:{b.line}: block {b.id} translates nothing in {english.as_posix()} (remove it)"
            for b in blocks.values() if b.id not in ids]
    return out


# --------------------------------------------------------------------------- glossary and terminology
CODE = re.compile(r"```.*?```|`[^`\n]*`|\$\$.*?\$\$|\$[^$\n]*\$|\]\([^)]*\)|<[^>\n]*>|https?://\S+", re.S)


@functools.lru_cache(maxsize=1)
def acronyms() -> dict[str, str]:
    """English head -> the acronym the glossary gives it: 'recurrent neural network' -> 'RNN'."""
    text = GLOSSARY.read_text(encoding="utf-8")
    found = re.findall(r"^\| ([^|(]+?) \(([A-Z][A-Za-z0-9-]+)\) \|", text, re.M)
    return {en.strip(): acronym for en, acronym in found}


@functools.lru_cache(maxsize=1)
def glossary() -> tuple[tuple[str, str], ...]:
    """(English head, Korean head) of every glossary term: 'Adam (adaptive ...)' -> 'Adam', '아담'."""
    text = GLOSSARY.read_text(encoding="utf-8")
    section = text.split("## English → 한국어", 1)[1].split("\n## ", 1)[0]
    rows = [line.strip().strip("|").split("|") for line in section.splitlines() if line.startswith("| ")][1:]
    pairs = []
    for row in rows:
        en, ko = row[0].strip(), row[1].strip()
        # 'He (Kaiming) initialisation' -> 'He initialisation'; '자비에(글로럿) 초기화; 세이비어 ...' -> '자비에 초기화'
        en_head = " ".join(re.sub(r"\(.*?\)", " ", en).split())
        ko_head = " ".join(re.sub(r"\(.*?\)", " ", ko.split(";")[0]).split())
        pairs.append((en_head, ko_head))
    return tuple(pairs)


def prose(text: str) -> str:
    """Markdown without code, math, link targets, HTML tags and URLs: the words a reader reads."""
    return CODE.sub(" ", text)


def _spelling(word: str) -> str:
    """A word's regex that accepts British and American spelling: optimiser/optimizer, normalisation/-ization."""
    return re.sub(r"i[sz](?=e|ation|ing|ed)", "i[sz]", re.escape(word))


def _en_pattern(term: str) -> re.Pattern:
    words = [_spelling(w) for w in re.split(r"[\s-]+", term.lower())]
    return re.compile(r"(?<![\w-])" + r"[\s-]+".join(words) + r"(?:s|es)?(?![\w-])", re.I)


_PATTERNS: dict[str, re.Pattern] = {}


def _ko_norm(text: str) -> str:
    return re.sub(r"\s+", "", text)


def used_terms(en_text: str) -> list[tuple[str, str]]:
    """The glossary terms an English text uses, longest first; a term inside a longer one does not count
    ("gradient" inside "gradient descent" asks for 경사 하강법, not 기울기)."""
    found = []
    for en_term, ko_term in sorted(glossary(), key=lambda t: -len(t[0])):
        if term_pattern(en_term).search(en_text):
            found.append((en_term, ko_term))
            en_text = term_pattern(en_term).sub(" \x00 ", en_text)
    return found


def term_pattern(term: str) -> re.Pattern:
    if term not in _PATTERNS:
        _PATTERNS[term] = _en_pattern(term)
    return _PATTERNS[term]


def has_term(ko_text: str, en_term: str, ko_term: str) -> bool:
    """Korean text uses a term: its glossary Korean, or for a name or acronym (ReLU, Adam, LSTM) the name itself."""
    if _ko_norm(ko_term) in _ko_norm(ko_text) or _ko_norm(ko_term) in _ko_norm(re.sub(r"\(.*?\)", "", ko_text)):
        return True  # 자비에(글로럿) 초기화 is 자비에 초기화 with a note
    if not any(c.isupper() for c in en_term):
        return False
    words = r"[\s-]+".join(re.escape(w) for w in re.split(r"[\s-]+", en_term))
    return bool(re.search(rf"(?<![A-Za-z0-9]){words}(?![A-Za-z0-9])", ko_text, re.I))  # "ReLU를"


def term_problems(english: Path) -> tuple[int, list[str]]:
    """(checks made, problems): where an English block uses a glossary term, its Korean uses the glossary's Korean."""
    path = translation_path(english)
    if not path.exists():
        return 0, []
    en = dict(english_blocks(english))
    n, out = 0, []
    for b in parse(path):
        if b.id not in en or b.same or b.en_hash == "new":
            continue
        waived = {w.replace("_", " ").lower() for w in b.options.get("terms-ok", "").split(",") if w}
        for en_term, ko_term in used_terms(prose(normalise(en[b.id]))):  # not the generated table
            n += 1
            if not has_term(b.text, en_term, ko_term) and en_term.lower() not in waived:
                out.append(f"{path.relative_to(ROOT).as_posix()}:{b.line}: block {b.id} uses '{en_term}': "
                           f"write '{ko_term}' (GLOSSARY.md), or list it in terms-ok=")
    return n, out


def first_use_problems(english: Path) -> tuple[int, list[str]]:
    """In a lesson, the first use of each glossary term in Korean carries the English in parentheses."""
    path = translation_path(english)
    if english.suffix != ".ipynb" or english.name == "exercises.ipynb" or not path.exists():
        return 0, []
    en = dict(english_blocks(english))
    blocks = [b for b in parse(path) if b.id in en and not b.same and b.en_hash != "new"]
    # A single line break inside a paragraph is a space when rendered: "잔차\n연결(residual connection)".
    # Headings are left out: each carries its English in parentheses already ("## 4. 배치 정규화 (Batch norm)").
    ko_all = "\n\n".join(b.text for b in blocks)
    ko_all = "\n".join(line for line in ko_all.splitlines() if not line.startswith("#"))
    ko_all = re.sub(r"(?<!\n)\n(?!\n)", " ", prose(ko_all))
    n, out = 0, []
    ko_to_en = {ko: en_ for en_, ko in glossary()}
    for en_term, ko_term in used_terms(prose("\n".join(normalise(en[b.id]) for b in blocks))):
        at = ko_all.find(ko_term)
        if at < 0:
            continue  # the name itself is used (ReLU), or term_problems reports it
        n += 1
        # 층 first met inside 다층 퍼셉트론(multilayer perceptron): the longer term's parenthesis counts too.
        end, accepted = at + len(ko_term), [en_term] + [a for a in [acronyms().get(en_term)] if a]
        for other in ko_to_en:
            if len(other) > len(ko_term) and ko_term in other:
                start = ko_all.rfind(other, 0, at + len(other))
                if 0 <= start <= at and start + len(other) >= at + len(ko_term):
                    end, accepted = start + len(other), [en_term, ko_to_en[other]]
                    break
        after = ko_all[end: end + 100]
        # "손실(loss)", "교차 엔트로피 손실(cross-entropy loss)", "옵티마이저(optimiser: Adam, 모멘텀(momentum) ...)"
        paren = re.match(r"[^.,;:!?()\n]{0,12}\(([^()\n]*)", after)
        if not paren or not any(term_pattern(t).search(paren.group(1)) for t in accepted):
            line = ko_all[max(0, at - 20): end + 30].replace("\n", " ")
            out.append(f"{path.relative_to(ROOT).as_posix()}: first use of '{ko_term}' needs '({en_term})' "
                       f"right after it: ...{line}...")
    return n, out


# --------------------------------------------------------------------------- building
def _runtime_ko(match: re.Match) -> str:
    inner = match.group(1).strip()
    m = RUNTIME_EN.match(inner)
    if not m:
        raise I18nError(f"tools/i18n.py does not know how to say this runtime in Korean: {inner!r}")
    return f"<!-- runtime -->CPU 2코어(스레드 1개)에서 {m.group(1)}초, `tools/report.py`로 측정<!-- /runtime -->"


def link_targets(text: str, english: Path) -> str:
    """Links to English notebooks and documents point at their Korean editions."""
    here = (ROOT / english).parent
    sources = set(english_sources())

    def repl(m: re.Match) -> str:
        target, anchor = m.group(1), m.group(2) or ""
        if "://" in target or target.startswith("#"):
            return m.group(0)
        dest = (here / target).resolve()
        try:
            rel = dest.relative_to(ROOT)
        except ValueError:
            return m.group(0)
        if rel in sources:
            return f"]({Path(target).with_name(korean_path(Path(target)).name).as_posix()}{anchor})"
        return m.group(0)

    return re.sub(r"\]\(([^)#\s]+\.(?:ipynb|md))(#[^)\s]*)?\)", repl, text)


def korean_text(english: Path, en_text: str, block: Block) -> str:
    """A block's Korean as the edition shows it: runtime filled in, links to the Korean editions."""
    text = en_text if block.same else block.text
    runtime = RUNTIME.search(en_text)
    if runtime:
        text = RUNTIME.sub(lambda _: _runtime_ko(runtime), text)
    return link_targets(text, english)


def result_names() -> dict[str, str]:
    """English result name -> Korean, from translations/ko/results.md (``english name = 한국어``)."""
    names = {}
    if RESULT_NAMES.exists():
        for line in RESULT_NAMES.read_text(encoding="utf-8").splitlines():
            if " = " in line and not line.startswith(("#", "<!--")):
                en, ko = line.split(" = ", 1)
                names[en.strip()] = ko.strip()
    return names


def korean_table(draft: bool = False) -> str:
    """README.ko.md's chapter table: the English table's numbers, Korean titles and result names."""
    results = json.loads((ROOT / "chapters" / "results.json").read_text(encoding="utf-8"))
    names = result_names()
    rows = ["| # | 장 | 실행 시간 | 최대 메모리 | 주요 결과 |", "|---|---|---|---|---|"]
    for rel in sorted(results):
        r = results[rel]
        if Path(rel).name.startswith("exercises"):
            continue
        ko_nb = korean_path(Path(rel))
        cells = json.loads((ROOT / ko_nb).read_text(encoding="utf-8"))["cells"] if (ROOT / ko_nb).exists() else []
        first = next(("".join(c["source"]) for c in cells if c["cell_type"] == "markdown"), r["title"])
        title = first.strip().splitlines()[0].lstrip("# ").strip()
        missing = [k for k in r["results"] if k not in names]
        if missing and not draft:
            raise I18nError(f"{RESULT_NAMES.relative_to(ROOT)} has no Korean for the result names {missing}")
        headline = "; ".join(f"{names.get(k, k)}: {v}" for k, v in r["results"].items()).replace("|", "\\|") or "—"
        number = Path(rel).parent.name.split("_")[0]
        rows.append(f"| {number} | [{title}]({ko_nb.as_posix()}) | {r['seconds']:.0f}초 | {r['peak_mb']} MB | "
                    f"{headline} |")
    return "<!-- chapter-table -->\n" + "\n".join(rows) + "\n<!-- /chapter-table -->"


def build_one(english: Path, draft: bool = False) -> str:
    """The Korean edition of ``english`` as file text; raises I18nError if a block is missing or stale
    (``draft``: such blocks stay English, for previewing a translation in progress; never committed)."""
    trouble = problems(english)
    if trouble and not draft:
        raise I18nError("\n".join(trouble))
    blocks = {b.id: b for b in parse(translation_path(english))} if translation_path(english).exists() else {}
    if draft:
        en = dict(english_blocks(english))
        blocks = {i: b for i, b in blocks.items() if i in en and b.en_hash == digest(en[i]) and translated(b, en[i])}
        blocks.update({i: Block(i, digest(t), t, {"same": ""}) for i, t in en.items() if i not in blocks})
    if english.suffix == ".ipynb":
        import nbformat

        nb = nbformat.read(ROOT / english, as_version=4)
        ko = copy.deepcopy(nb)
        todo_line, todo_ko = _verdict_lines()
        for cell in ko.cells:
            if cell.cell_type == "markdown":
                cell.source = korean_text(english, cell.source, blocks[cell.id])
            for out in cell.get("outputs", []):  # a check's verdict, printed or shown as the cell's value
                if out.get("output_type") == "stream":
                    out["text"] = todo_line.sub(todo_ko, out["text"])
                elif "text/plain" in out.get("data", {}):
                    out["data"]["text/plain"] = todo_line.sub(todo_ko, out["data"]["text/plain"])
        ko.metadata["course"] = {"language": "ko", "translates": english.name}
        return nbformat.writes(ko) + "\n"
    parts = []
    for block_id, en_text in english_blocks(english):
        text = korean_text(english, en_text, blocks[block_id])
        if "<!-- chapter-table -->" in text:
            text = TABLE.sub(lambda _: korean_table(draft), text)
        parts.append(text)
    return "\n\n".join(parts) + "\n"


def _verdict_lines():
    """A "not implemented yet" verdict as the engine prints it, and the same verdict in Korean."""
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    from common.checks import TEXT

    en = re.compile(rf"^{re.escape(TEXT['todo']['en'])} (\w+): {re.escape(TEXT['not_implemented']['en'])}$", re.M)
    return en, lambda m: f"{TEXT['todo']['ko']} {m.group(1)}: {TEXT['not_implemented']['ko']}"


def build(sources: list[Path] | None = None, draft: bool = False) -> list[Path]:
    """Write the Korean edition of every source (notebooks first: README.ko's table reads their titles)."""
    written, errors = [], []
    for english in sources or english_sources():
        try:
            text = build_one(english, draft)
        except I18nError as err:
            errors.append(str(err))
            continue
        out = ROOT / korean_path(english)
        if not out.exists() or out.read_text(encoding="utf-8") != text:
            out.write_text(text, encoding="utf-8")
            written.append(korean_path(english))
    if errors:
        raise I18nError("\n".join(errors))
    return written


def stats() -> dict:
    words = blocks = 0
    term_checks = first_checks = 0
    for english in english_sources():
        path = translation_path(english)
        if not path.exists():
            continue
        for b in parse(path):
            if not b.same and b.en_hash != "new":
                blocks += 1
                words += len(b.text.split())
        term_checks += term_problems(english)[0]
        first_checks += first_use_problems(english)[0]
    return {"blocks": blocks, "korean_words": words, "terminology_checks": term_checks,
            "first_use_checks": first_checks}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    p_build = sub.add_parser("build")
    p_build.add_argument("paths", nargs="*", type=Path)
    p_build.add_argument("--draft", action="store_true", help="untranslated blocks stay English (preview only)")
    p_check = sub.add_parser("check")
    p_check.add_argument("paths", nargs="*", type=Path)
    p_skel = sub.add_parser("skeleton")
    p_skel.add_argument("paths", nargs="+", type=Path)
    p_acc = sub.add_parser("accept")
    p_acc.add_argument("path", type=Path)
    p_acc.add_argument("ids", nargs="*", help="block ids; none: every en=new block that has Korean now")
    sub.add_parser("stats")
    args = parser.parse_args()

    def english_of(p: Path) -> Path:
        p = (Path.cwd() / p).resolve().relative_to(ROOT)
        if p.parts[0] == "translations":
            p = Path(*p.parts[2:]).with_suffix("")
            p = next(s for s in english_sources() if s.with_suffix("") == p)
        if p.name.endswith((".ko.ipynb", ".ko.md")):
            p = p.with_name(p.name.replace(".ko.", "."))
        return p

    try:
        if args.command == "build":
            for p in build([english_of(p) for p in args.paths] or None, draft=args.draft):
                print(f"wrote {p}")
        elif args.command == "skeleton":
            for p in args.paths:
                print(f"{translation_path(english_of(p)).relative_to(ROOT)}: {skeleton(english_of(p))} blocks added")
        elif args.command == "accept":
            english = english_of(args.path)
            en = dict(english_blocks(english))
            ids = args.ids or [b.id for b in parse(translation_path(english))
                               if b.en_hash == "new" and b.id in en and translated(b, en[b.id])]
            for block_id in ids:
                accept(english, block_id)
            print(f"accepted {len(ids)} blocks")
        elif args.command == "stats":
            print(json.dumps(stats(), indent=1))
        else:
            found = []
            for english in [english_of(p) for p in args.paths] or english_sources():
                found += problems(english, with_diff=True) + term_problems(english)[1] + first_use_problems(english)[1]
            print("\n".join(found) if found else "the Korean edition is complete and current")
            return 1 if found else 0
    except I18nError as err:
        print(err, file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
