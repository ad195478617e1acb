"""GLOSSARY.md maps every term both ways: its two tables hold exactly the same pairs."""
from conftest import HANGUL, ROOT


def _table(text, heading):
    section = text.split(heading, 1)[1].split("\n## ", 1)[0]
    rows = [line.strip().strip("|").split("|") for line in section.splitlines() if line.startswith("| ")]
    return [tuple(cell.strip() for cell in row) for row in rows[1:]]  # skip the header row


def test_glossary_tables_agree_both_ways():
    text = (ROOT / "GLOSSARY.md").read_text(encoding="utf-8")
    english = _table(text, "## English → 한국어")
    korean = _table(text, "## 한국어 → English")
    assert len(english) >= 100
    assert sorted((en, ko, ch) for en, ko, ch in english) == sorted((en, ko, ch) for ko, en, ch in korean)
    assert all(HANGUL.search(ko) for _, ko, _ in english)
    assert len({en.lower() for en, _, _ in english}) == len(english), "a term is listed twice"


def _variants():
    text = (ROOT / "GLOSSARY.md").read_text(encoding="utf-8")
    rows = _table(text, "## Variants we do not use")
    assert rows, "GLOSSARY.md lists the variants it does not use"
    return rows


def test_one_korean_term_per_concept():
    """A lesson, exercise, checker or README never uses a spelling the glossary marks as not used."""
    variants = _variants()
    english = {ko for _, ko, _ in _table((ROOT / "GLOSSARY.md").read_text(encoding="utf-8"), "## English → 한국어")}
    places = sorted((ROOT / "chapters").glob("*/*.ipynb")) + sorted((ROOT / "common").rglob("*.py"))
    places += [ROOT / "README.md"] + sorted((ROOT / "chapters").glob("*/solutions.py"))
    places += [ROOT / "README.ko.md", ROOT / "datasets" / "README.ko.md"]  # the Korean edition (its notebooks above)
    found = []
    for variant, instead, _ in variants:
        assert instead in " ".join(english), f"{instead} (for {variant}) is not a glossary term"
        for path in places:
            if path.name.startswith("my_"):
                continue
            if variant in path.read_text(encoding="utf-8"):
                found.append(f"{path.relative_to(ROOT)}: {variant} -> {instead}")
    assert not found, found
