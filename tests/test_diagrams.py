"""The architecture diagrams of chapters 06-10 (tools/diagrams.py): drawn by code, shown by the lessons.

The committed SVGs must be exactly what the script draws, so a drawing changes only through the
script; each is well-formed XML with a size and a viewBox (it scales down to the column), uses
only characters that DejaVu Sans draws or, for the Korean terms, the font embedded in the same SVG
(SVG text in an <img> gets no web font from the page, so each SVG carries its own Hangul subset),
and each lesson notebook shows its diagrams with alt text.
"""
import base64
import importlib.util
import io
import json
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from conftest import ROOT

SVG_NS = "{http://www.w3.org/2000/svg}"
# lesson notebook -> the diagrams it shows
EXPECTED = {
    "06_rnn_lstm": ["rnn_unrolled.svg", "lstm_cell.svg"],
    "07_seq2seq": ["encoder_decoder.svg"],
    "08_attention": ["attention_qkv.svg"],
    "09_transformer": ["transformer_block.svg"],
    "10_dcgan": ["dcgan.svg"],
}
IMAGE = re.compile(r"!\[([^\]]*)\]\(figures/([^)\s]+\.svg)\)")
HANGUL = re.compile(r"[\u1100-\u11ff\u3130-\u318f\ua960-\ua97f\uac00-\ud7a3\ud7b0-\ud7ff]")
FONT_FACE = re.compile(r'@font-face \{ font-family: "([^"]+)"; src: url\(data:font/ttf;base64,([A-Za-z0-9+/=]+)\) '
                       r'format\("truetype"\); unicode-range: ([^;]+); \}')


def _diagrams_tool():
    spec = importlib.util.spec_from_file_location("diagrams_tool", ROOT / "tools" / "diagrams.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


TOOL = _diagrams_tool()
SVGS = sorted(TOOL.DIAGRAMS)


def test_every_expected_diagram_is_drawn_by_the_script():
    drawn = {Path(rel).parent.parent.name: [] for rel in SVGS}
    for rel in SVGS:
        drawn[Path(rel).parent.parent.name].append(Path(rel).name)
    assert {k: sorted(v) for k, v in drawn.items()} == {k: sorted(v) for k, v in EXPECTED.items()}


def test_committed_svgs_are_exactly_what_the_script_draws(tmp_path):
    written = TOOL.write_all(tmp_path)
    assert sorted(p.relative_to(tmp_path).as_posix() for p in written) == SVGS
    stale = [rel for rel in SVGS if not (ROOT / rel).is_file()
             or (ROOT / rel).read_bytes() != (tmp_path / rel).read_bytes()]
    assert not stale, f"run `python tools/diagrams.py` and commit the result: {stale}"
    assert (tmp_path / SVGS[0]).read_bytes() == TOOL.DIAGRAMS[SVGS[0]]().encode("utf-8"), "the drawing is deterministic"


@pytest.mark.parametrize("rel", SVGS)
def test_svg_is_well_formed_and_scales(rel):
    text = (ROOT / rel).read_text(encoding="utf-8")
    root = ET.fromstring(text)
    assert root.tag == f"{SVG_NS}svg"
    width, height = float(root.get("width")), float(root.get("height"))
    view_box = [float(v) for v in root.get("viewBox").split()]
    assert view_box == [0, 0, width, height]
    assert 600 <= width <= 760 and 200 <= height <= 700, "readable at about 700 px wide"
    assert "DejaVu Sans" in root.get("font-family")
    assert root.find(f"{SVG_NS}title").text, "a title for screen readers"
    background = root.find(f"{SVG_NS}rect")
    assert background.get("fill") == "#ffffff" and float(background.get("width")) == width
    assert not re.search(r"https?://(?!www\.w3\.org/2000/svg)", text), "nothing loaded from outside"


def _label_chars(root):
    """Every character the SVG draws (its labels and title), not the CSS of its <style>."""
    return {c for element in root.iter() if element.tag != f"{SVG_NS}style"
            for c in (element.text or "") + (element.tail or "") if not c.isspace()}


@pytest.mark.parametrize("rel", SVGS)
def test_svg_text_has_glyphs_in_dejavu_sans_or_the_embedded_hangul_font(rel):
    """Every character is drawn by DejaVu Sans or, for Hangul, by the NanumGothic subset embedded in
    the same SVG (a TrueType data: URI): the Korean terms render in an <img> on a machine without a
    Korean font, and the subset holds exactly the syllables the SVG uses."""
    import matplotlib
    from fontTools.ttLib import TTFont

    cmap = _dejavu_cmap(Path(matplotlib.get_data_path()) / "fonts" / "ttf" / "DejaVuSans.ttf", TTFont)
    text = (ROOT / rel).read_text(encoding="utf-8")
    root = ET.fromstring(text)
    chars = _label_chars(root)
    assert chars, "the diagram has labels"
    hangul = {c for c in chars if HANGUL.match(c)}
    missing = sorted(c for c in chars - hangul if ord(c) not in cmap)
    assert not missing, f"characters DejaVu Sans cannot draw: {missing}"

    styles = root.findall(f"{SVG_NS}defs/{SVG_NS}style")
    if not hangul:
        assert not styles, "a font is embedded only where Hangul is drawn"
        return
    assert len(styles) == 1, "one <style> in <defs> with the embedded font"
    faces = FONT_FACE.findall(styles[0].text)
    assert len(faces) == 1 and FONT_FACE.fullmatch(styles[0].text), styles[0].text[:200]
    family, data, unicode_range = faces[0]
    stack = [name.strip() for name in root.get("font-family").split(",")]
    assert stack[:2] == [family, "DejaVu Sans"], "the embedded font first (Chromium), then DejaVu"
    assert unicode_range == TOOL.HANGUL_RANGE, "the embedded font draws Hangul only"
    font = TTFont(io.BytesIO(base64.b64decode(data, validate=True)))
    assert font.flavor is None, "plain TrueType: WOFF's zlib bytes could differ between machines"
    assert not [tag for tag in font.keys() if tag.startswith("TSI")], "Chromium rejects a font with an empty TSI3"
    embedded = {chr(code): name for code, name in font.getBestCmap().items()}
    assert set(embedded) == hangul, "the subset holds exactly the Hangul this SVG draws"
    empty = sorted(c for c, name in embedded.items() if font["glyf"][name].numberOfContours == 0)
    assert not empty, f"syllables without an outline: {empty}"
    assert len(data) < 30_000, "a subset of a few dozen syllables stays small"


_CMAP = {}


def _dejavu_cmap(path, ttfont):
    if path not in _CMAP:
        _CMAP[path] = set(ttfont(path, lazy=True).getBestCmap())
    return _CMAP[path]


@pytest.mark.parametrize("chapter", sorted(EXPECTED))
def test_lesson_shows_its_diagrams_in_markdown_cells_with_alt_text(chapter):
    nb = json.loads((ROOT / "chapters" / chapter / f"{chapter}.ipynb").read_text(encoding="utf-8"))
    shown = {}
    for cell in nb["cells"]:
        for alt, name in IMAGE.findall("".join(cell["source"])):
            assert cell["cell_type"] == "markdown", f"{name} is referenced outside a markdown cell"
            shown[name] = alt
    assert sorted(shown) == sorted(EXPECTED[chapter])
    for name, alt in shown.items():
        assert (ROOT / "chapters" / chapter / "figures" / name).is_file(), name
        assert len(alt.split()) >= 12, f"{name}: the alt text describes what flows where"
        assert "$" not in alt, f"{name}: no math in alt text (the site would typeset it)"
