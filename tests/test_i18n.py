"""The Korean edition (한국어판) is complete, current, built exactly as committed and true to the glossary.

The Korean notebooks are never executed: they are the English notebooks with translated prose
(tools/i18n.py, translations/README.md). These tests are what keeps the two editions in step.
"""
import importlib
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import ROOT

sys.path.insert(0, str(ROOT / "tools"))
import i18n  # noqa: E402

SOURCES = i18n.english_sources()
HOW = "fix it in translations/ko/ and run `python tools/i18n.py build` (see translations/README.md)"


def test_sources_cover_every_notebook_and_document():
    names = {p.as_posix() for p in SOURCES}
    assert {"README.md", "GLOSSARY.md", "datasets/README.md"} <= names
    lessons = [p for p in SOURCES if p.suffix == ".ipynb" and p.name != "exercises.ipynb"]
    assert len(lessons) == len([d for d in (ROOT / "chapters").iterdir() if d.is_dir() and d.name[:2].isdigit()])
    assert len([p for p in SOURCES if p.name == "exercises.ipynb"]) == len(lessons)


def test_every_block_is_translated_and_current():
    """Names every Korean block whose English changed since it was translated, or that is missing."""
    found = [line for english in SOURCES for line in i18n.problems(english)]
    assert not found, "the Korean edition is out of step with the English:\n" + "\n".join(found) + (
        "\n(`python tools/i18n.py check PATH` shows what changed in the English)")


@pytest.mark.parametrize("english", SOURCES, ids=lambda p: p.as_posix())
def test_committed_korean_edition_is_what_the_build_writes(english):
    ko = ROOT / i18n.korean_path(english)
    assert ko.exists(), f"{ko.relative_to(ROOT)} is missing: {HOW}"
    built = i18n.build_one(english)
    assert ko.read_text(encoding="utf-8") == built, (
        f"{ko.relative_to(ROOT)} differs from what the build writes from {english} and its translation: {HOW}")


@pytest.mark.parametrize("english", [p for p in SOURCES if p.suffix == ".ipynb"], ids=lambda p: p.as_posix())
def test_korean_notebook_has_the_english_code_and_outputs(english):
    en = json.loads((ROOT / english).read_text(encoding="utf-8"))
    ko = json.loads((ROOT / i18n.korean_path(english)).read_text(encoding="utf-8"))
    assert [c["id"] for c in ko["cells"]] == [c["id"] for c in en["cells"]]
    for a, b in zip(en["cells"], ko["cells"]):
        if a["cell_type"] == "code":
            assert a["source"] == b["source"], f"{english} cell {a['id']}: the code differs"
            assert len(a["outputs"]) == len(b["outputs"])
            for x, y in zip(a["outputs"], b["outputs"]):
                if x.get("data", {}).keys() - {"text/plain"}:  # figures and tables: the same bytes
                    assert x["data"] == y["data"], f"{english} cell {a['id']}: an output differs"
                shown = "".join(x.get("text", "")) + "".join(x.get("data", {}).get("text/plain", ""))
                korean = "".join(y.get("text", "")) + "".join(y.get("data", {}).get("text/plain", ""))
                if shown.startswith("TODO "):  # an exercise's "not implemented yet" verdict speaks Korean
                    name = shown.split(":")[0].removeprefix("TODO ")
                    assert korean.startswith(f"할 일 {name}: "), (english, a["id"], korean[:60])
                else:
                    assert shown == korean, f"{english} cell {a['id']}: an output differs"
        else:
            assert i18n.HANGUL.search("".join(b["source"])), f"{english} cell {a['id']} has no Korean"
    assert ko["metadata"]["course"] == {"language": "ko", "translates": english.name}


def test_glossary_terms_are_used():
    """Where an English block uses a glossary term, its Korean block uses that term's Korean entry."""
    checks, found = 0, []
    for english in SOURCES:
        n, problems = i18n.term_problems(english)
        checks += n
        found += problems
    assert not found, f"{len(found)} of {checks} terminology checks fail:\n" + "\n".join(found)
    assert checks >= 2000, f"only {checks} terminology checks ran: is the glossary parsed?"


def test_first_use_carries_the_english_term():
    checks, found = 0, []
    for english in SOURCES:
        n, problems = i18n.first_use_problems(english)
        checks += n
        found += problems
    assert not found, "\n".join(found)
    assert checks >= 300


def test_code_and_display_math_are_kept():
    """A notebook's Korean keeps every code span and display formula of its English, character for character."""
    import re

    code = re.compile(r"`[^`\n]+`")
    display = re.compile(r"\$\$.*?\$\$", re.S)
    found, checked = [], 0
    for english in [p for p in SOURCES if p.suffix == ".ipynb"]:
        en = dict(i18n.english_blocks(english))
        for b in i18n.parse(i18n.translation_path(english)):
            if b.same or b.id not in en:
                continue
            for pattern in (code, display):
                wanted = set(pattern.findall(i18n.normalise(en[b.id])))
                checked += len(wanted)
                found += [f"{english} block {b.id}: {x[:60]!r}" for x in wanted - set(pattern.findall(b.text))]
    assert checked > 2000, checked
    assert not found, "code or math changed in translation:\n" + "\n".join(found)


def test_result_names_have_korean():
    results = json.loads((ROOT / "chapters" / "results.json").read_text(encoding="utf-8"))
    names = i18n.result_names()
    missing = sorted({k for rel, r in results.items() for k in r["results"] if k not in names})
    assert not missing, f"translations/ko/results.md lacks: {missing}"


# --------------------------------------------------------------------------- the machinery can fail
def _fake_source(tmp_path, monkeypatch, english_text, korean_text, options=""):
    """A one-block document `doc.md` and its translation, in a throwaway root."""
    monkeypatch.setattr(i18n, "ROOT", tmp_path)
    monkeypatch.setattr(i18n, "TRANSLATIONS", tmp_path / "translations" / "ko")
    (tmp_path / "doc.md").write_text(english_text, encoding="utf-8")
    src = Path("doc.md")
    block_id = i18n.doc_blocks(english_text)[0][0]
    path = i18n.translation_path(src)
    path.parent.mkdir(parents=True)
    path.write_text(f"{i18n.marker(block_id, english_text, options)}\n{korean_text}\n", encoding="utf-8")
    return src


def test_an_english_change_names_the_stale_block(tmp_path, monkeypatch):
    src = _fake_source(tmp_path, monkeypatch, "# Loss\n\nThe loss goes down.\n", "# 손실(loss)\n\n손실이 줄어든다.")
    assert i18n.problems(src) == []
    (tmp_path / "doc.md").write_text("# Loss\n\nThe loss goes up.\n", encoding="utf-8")
    found = i18n.problems(src)
    assert len(found) == 1 and "block loss" in found[0] and "out of date" in found[0]
    with pytest.raises(i18n.I18nError, match="out of date"):
        i18n.build_one(src)


def test_untranslated_and_orphan_blocks_are_reported(tmp_path, monkeypatch):
    src = _fake_source(tmp_path, monkeypatch, "# Loss (손실)\n\nText.\n", "# Loss (손실)\n\nText.")
    assert any("still English" in p for p in i18n.problems(src))
    path = i18n.translation_path(src)
    path.write_text(path.read_text(encoding="utf-8") + "%% gone en=0123456789 | old\n다른 글\n", encoding="utf-8")
    assert any("block gone translates nothing" in p for p in i18n.problems(src))


def test_a_term_off_the_glossary_is_caught(tmp_path, monkeypatch):
    src = _fake_source(tmp_path, monkeypatch, "# Step\n\nLower the learning rate.\n", "# 단계\n\n학습 속도를 낮춘다.")
    n, found = i18n.term_problems(src)
    assert n == 1 and "'learning rate'" in found[0] and "학습률" in found[0]
    (tmp_path / "b").mkdir()
    src = _fake_source(tmp_path / "b", monkeypatch, "# Step\n\nLower the learning rate.\n",
                       "# 단계\n\n학습률을 낮춘다.")
    assert i18n.term_problems(src) == (1, [])
    # a term inside a longer one counts as the longer one: "gradient descent" asks for 경사 하강법, not 기울기
    assert [t for t, _ in i18n.used_terms("We run gradient descent.")] == ["gradient descent"]
    assert i18n.has_term("ReLU를 쓴다", "ReLU", "렐루") and not i18n.has_term("렐루 없음", "loss", "손실")


def test_first_use_needs_the_english_in_parentheses(tmp_path, monkeypatch):
    monkeypatch.setattr(i18n, "english_blocks", lambda e: [("c1", "The learning rate sets the step.")])
    monkeypatch.setattr(i18n, "TRANSLATIONS", tmp_path)
    monkeypatch.setattr(i18n, "ROOT", tmp_path)
    path = tmp_path / "chapters" / "x" / "x.md"
    path.parent.mkdir(parents=True)
    src = Path("chapters/x/x.ipynb")
    for korean, ok in [("학습률(learning rate)이 보폭을 정한다.", True), ("학습률이 보폭을 정한다.", False),
                       ("학습률이 보폭을 정한다. 학습률(learning rate)", False),
                       ("## 학습률 (Learning rate)\n\n학습률(learning rate)이 보폭을 정한다.", True),  # not a heading
                       ("학습률\n(learning rate)이 보폭을 정한다.", True)]:  # a line break is a space
        path.write_text(f"{i18n.marker('c1', 'The learning rate sets the step.')}\n{korean}\n", encoding="utf-8")
        n, found = i18n.first_use_problems(src)
        assert n == 1 and (not found) == ok, (korean, found)


def test_a_term_first_met_inside_a_longer_one(tmp_path, monkeypatch):
    """층 first met inside 다층 퍼셉트론(multilayer perceptron) is introduced by that parenthesis."""
    english = "A multilayer perceptron stacks layers."
    monkeypatch.setattr(i18n, "english_blocks", lambda e: [("c1", english)])
    monkeypatch.setattr(i18n, "TRANSLATIONS", tmp_path)
    monkeypatch.setattr(i18n, "ROOT", tmp_path)
    path = tmp_path / "chapters" / "x" / "x.md"
    path.parent.mkdir(parents=True)
    path.write_text(f"{i18n.marker('c1', english)}\n다층 퍼셉트론(multilayer perceptron)은 층을 쌓는다.\n",
                    encoding="utf-8")
    assert i18n.first_use_problems(Path("chapters/x/x.ipynb")) == (2, [])


def test_engine_verdicts_are_korean(korean):
    import numpy as np

    assert "값이 틀렸습니다" in korean.compare_values(np.zeros(3), np.ones(3))
    assert "모양(shape)이 틀렸습니다" in korean.compare_values(np.zeros(3), np.ones(2))
    assert "None" in korean.compare_values(1.0, None) and "return" in korean.compare_values(1.0, None)
    korean.set_language("en")
    assert korean.compare_values(np.zeros(3), np.ones(3)).startswith("wrong value of the result")


def test_links_and_runtime_are_carried_over():
    text = "See [the lesson](01_perceptron.ipynb), [the glossary](../../GLOSSARY.md) and [a site](https://x.org/a.md)."
    out = i18n.link_targets(text, Path("chapters/01_perceptron/exercises.ipynb"))
    assert "(01_perceptron.ko.ipynb)" in out and "(../../GLOSSARY.ko.md)" in out and "(https://x.org/a.md)" in out
    en = "**Runtime:** <!-- runtime -->63 s on 2 CPU cores (one thread), measured by `tools/report.py`<!-- /runtime -->"
    block = i18n.Block("c", "0123456789", "**실행 시간:** <!-- runtime --><!-- /runtime -->")
    assert "CPU 2코어(스레드 1개)에서 63초" in i18n.korean_text(Path("chapters/01_perceptron/x.ipynb"), en, block)
    assert i18n.digest(en) == i18n.digest(en.replace("63 s", "71 s")), "a re-run must not make translations stale"


# --------------------------------------------------------------------------- checkers speak Korean
CHECKERS = sorted(p.stem for p in (ROOT / "common" / "checkers").glob("ch*.py"))


@pytest.mark.parametrize("name", CHECKERS)
def test_checker_hints_and_verdicts_are_korean(korean, name):
    module = importlib.import_module(f"common.checkers.{name}")
    for ex in module.CHAPTER.exercises.values():
        for i in range(1, len(ex.hints) + 1):
            text = str(ex.hint(i)).split(": ", 1)[1]
            assert i18n.HANGUL.search(text), f"{name}.{ex.name} hint {i} has no Korean: {text[:80]}"
        for _, hint in ex.mistakes:
            assert i18n.HANGUL.search(korean._local(hint)), f"{name}.{ex.name}: a mistake's hint has no Korean"
        todo = ex.check(lambda *a, **k: (_ for _ in ()).throw(NotImplementedError()))
        assert str(todo).startswith("할 일"), str(todo)
        wrong = ex.check(lambda *a, **k: None)
        assert not wrong and i18n.HANGUL.search(wrong.message.split(" 막혔다면")[0]), (
            f"{name}.{ex.name}: the verdict on a function that returns None is not Korean: {wrong.message}")


@pytest.mark.parametrize("name", CHECKERS)
def test_no_checker_fixes_its_language_at_import(name):
    """`tr(en, ko)` runs when a check runs; at module level it would freeze the language of import time
    (module-level texts are {"en": ..., "ko": ...} dicts instead)."""
    import ast

    tree = ast.parse((ROOT / "common" / "checkers" / f"{name}.py").read_text(encoding="utf-8"))
    frozen = []

    def visit(node, in_function):
        for child in ast.iter_child_nodes(node):
            inside = in_function or isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda))
            if isinstance(child, ast.Call) and getattr(child.func, "id", None) == "tr" and not in_function:
                frozen.append(child.lineno)
            visit(child, inside)

    visit(tree, False)
    assert not frozen, f"common/checkers/{name}.py calls tr() at import time on lines {frozen}"


def test_a_korean_notebook_makes_the_checkers_speak_korean():
    """JupyterLab tells the kernel its notebook's path in JPY_SESSION_NAME; *.ko.ipynb means Korean."""
    code = "from common import checks; print(checks.language())"
    env = {k: v for k, v in os.environ.items() if k != "COURSE_LANG"}
    for session, lang in [("chapters/01_perceptron/exercises.ko.ipynb", "ko"),
                          ("chapters/01_perceptron/exercises.ipynb", "en")]:
        out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True,
                             env={**env, "JPY_SESSION_NAME": session})
        assert out.stdout.strip() == lang


def test_both_readmes_give_the_same_two_set_up_commands_and_the_korean_opener():
    import re

    blocks = {}
    for name in ("README.md", "README.ko.md"):
        text = (ROOT / name).read_text(encoding="utf-8")
        first = re.search(r"```bash\n(.*?)```", text, re.S).group(1)
        blocks[name] = [line.split()[:2] for line in first.strip().splitlines()]
        assert "make lab-ko" in text, name
    assert blocks["README.md"] == blocks["README.ko.md"] == [["make", "lab"], ["make", "test"]]
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    for target in ("lab-ko:", "progress-ko:", "fresh-ko:", "korean:"):
        assert f"\n{target}" in makefile, target
    assert "00_tensors_autograd.ko.ipynb" in makefile.split("\nlab-ko:", 1)[1].split("\n\n", 1)[0]
