"""Draw the architecture diagrams of chapters 06-10 as SVG files (standard library and fontTools).

    python tools/diagrams.py             # writes chapters/NN_*/figures/*.svg
    python tools/diagrams.py --out DIR   # writes the same files under DIR instead (tests/test_diagrams.py)

Each diagram is a function below that places boxes, arrows and labels on a 720-px-wide canvas;
the lesson notebooks show the files with ``![...](figures/NAME.svg)``. The SVGs are committed and
must equal what this script writes, byte for byte (the test checks it), so change a drawing here
and run the script again. The output is deterministic: no dates, no random numbers, fixed
number formatting.

Conventions: a white background (it reads in the light and the dark theme), the font stack
"Diagram Hangul, DejaVu Sans, sans-serif" (DejaVu ships with matplotlib and draws every symbol
used here; Diagram Hangul covers only Hangul, see FONT). The figures serve the English and the
Korean edition: word labels carry their Korean term (GLOSSARY.md) as a second, smaller line or in
parentheses; math labels stay as they are. DejaVu has no Hangul, and SVG text in an <img> gets
no web font from the page, so each SVG that uses Hangul embeds its own font: NanumGothic (from
koreanize_matplotlib) cut to exactly the syllables of that SVG, as a TrueType data: URI in an
@font-face rule named "Diagram Hangul" (see _hangul_font_face).
In labels, ``_x`` or ``_{...}`` is a subscript and ``^x`` or ``^{...}`` a superscript.
"""
from __future__ import annotations

import argparse
import base64
import functools
import importlib.util
import io
import math
import re
from pathlib import Path
from xml.sax.saxutils import escape

ROOT = Path(__file__).resolve().parent.parent
HANGUL_FAMILY = "Diagram Hangul"  # the @font-face embedded in each SVG that uses Hangul
HANGUL_RANGE = "U+1100-11FF, U+3130-318F, U+A960-A97F, U+AC00-D7A3, U+D7B0-D7FF"  # = HANGUL below
HANGUL = re.compile(r"[\u1100-\u11ff\u3130-\u318f\ua960-\ua97f\uac00-\ud7a3\ud7b0-\ud7ff]")
# The embedded font comes first, limited to Hangul by its unicode-range, so every other character
# is drawn by DejaVu. Not "DejaVu Sans, Diagram Hangul": Chromium does not redraw SVG text whose
# fallback web font finished loading after the text was laid out, and the first labels stay tofu.
FONT = f"{HANGUL_FAMILY}, DejaVu Sans, sans-serif"
WIDTH = 720

INK = "#1f2933"  # text and plain arrows
MUTED = "#52606d"  # shapes and notes
# (fill, stroke) of each kind of box
TENSOR = ("#e3f0fb", "#2f6690")  # data: inputs, states, tensors
LAYER = ("#fdf1dc", "#b7791f")  # layers with weights
GATE = ("#e6f4ea", "#2f855a")  # LSTM gates, nonlinearities
ATTN = ("#efe7fb", "#6b46c1")  # attention
NORM = ("#fde8ef", "#b83280")  # LayerNorm, BatchNorm
PLAIN = ("#ffffff", "#52606d")  # operators (⊙, +)
PAD = ("#eceff1", "#9aa5b1")  # padding, masked
ACCENT = "#dd6b20"  # what a variant adds (the peeky context)
BACKWARD = "#c53030"  # gradients


def _num(v: float) -> str:
    """A coordinate as short, fixed text: 12, 12.5, 12.25 (never 12.000000001)."""
    text = f"{v:.2f}".rstrip("0").rstrip(".")
    return "0" if text == "-0" else text


def _nanum_gothic() -> Path:
    """NanumGothic Regular, as shipped by the koreanize_matplotlib package (requirements.txt)."""
    spec = importlib.util.find_spec("koreanize_matplotlib")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("the Korean labels need NanumGothic: pip install koreanize-matplotlib")
    return Path(next(iter(spec.submodule_search_locations))) / "fonts" / "NanumGothic.ttf"


@functools.cache
def _hangul_font_face(chars: str) -> str:
    """An @font-face rule for HANGUL_FAMILY: NanumGothic cut to exactly `chars`, as a TrueType data: URI.

    Deterministic: the font is opened with recalcTimestamp=False and the subsetter told the same,
    so head.modified keeps the source file's date (a constant) and no save time enters the bytes. Plain
    TrueType, not WOFF: WOFF's zlib compression could write other bytes with another zlib build."""
    import logging

    from fontTools import subset
    from fontTools.ttLib import TTFont

    logging.getLogger("fontTools.subset").setLevel(logging.ERROR)
    font = TTFont(_nanum_gothic(), recalcTimestamp=False)
    # The NanumGothic files carry an empty TSI3 table (VTT hinting sources); Chromium's font
    # sanitiser rejects the whole font for it ("OTS parsing error: TSI3: zero-length table").
    for tag in [tag for tag in font.keys() if tag.startswith("TSI")]:
        del font[tag]
    cmap = font.getBestCmap()
    missing = [c for c in chars if ord(c) not in cmap]
    if missing:
        raise ValueError(f"NanumGothic has no glyph for {missing}")
    options = subset.Options()
    options.flavor = None
    options.recalc_timestamp = False
    options.hinting = False  # drawn at 10-16 px in a browser: the TrueType instructions only add bytes
    subsetter = subset.Subsetter(options)
    subsetter.populate(unicodes=sorted(map(ord, chars)))
    subsetter.subset(font)
    font.flavor = None
    buffer = io.BytesIO()
    font.save(buffer)
    data = base64.b64encode(buffer.getvalue()).decode("ascii")
    return (f'@font-face {{ font-family: "{HANGUL_FAMILY}"; '
            f'src: url(data:font/ttf;base64,{data}) format("truetype"); unicode-range: {HANGUL_RANGE}; }}')


def _segments(label: str) -> list[tuple[str, str]]:
    """Split 'h_{t-1} W_h' into (text, 'base' | 'sub' | 'sup') pieces."""
    out, i = [], 0
    while i < len(label):
        ch = label[i]
        if ch in "_^" and i + 1 < len(label):
            kind = "sub" if ch == "_" else "sup"
            if label[i + 1] == "{":
                end = label.index("}", i)
                out.append((label[i + 2:end], kind))
                i = end + 1
            else:
                out.append((label[i + 1], kind))
                i += 2
        else:  # plain text up to the next _ or ^ (a _ or ^ at the very end is plain text too)
            j = i + 1
            while j < len(label) and label[j] not in "_^":
                j += 1
            out.append((label[i:j], "base"))
            i = j
    return out


class Svg:
    """A list of SVG elements and the helpers that place them."""

    def __init__(self, height: int, title: str):
        self.height, self.title = height, title
        self.body: list[str] = []
        self.arrow_colors: list[str] = []

    # --- primitives ---------------------------------------------------------------------------

    def text(self, x, y, label, size=14, anchor="middle", fill=INK, weight=None, italic=False, rotate=None,
             gloss=None):
        """One line of text; y is the baseline. Sub- and superscripts as in _segments. gloss: a
        Korean term appended in parentheses, never bold (the embedded font is the regular one)."""
        attrs = f'x="{_num(x)}" y="{_num(y)}" font-size="{_num(size)}"'
        if anchor != "start":
            attrs += f' text-anchor="{anchor}"'
        if fill != INK:
            attrs += f' fill="{fill}"'
        if weight:
            attrs += f' font-weight="{weight}"'
        if italic:
            attrs += ' font-style="italic"'
        if rotate is not None:
            attrs += f' transform="rotate({_num(rotate)} {_num(x)} {_num(y)})"'
        label = re.sub(r" {2,}", lambda m: "\u00a0" * len(m.group()), label)  # SVG collapses runs of spaces
        shift, inner = 0.0, []
        for piece, kind in _segments(label):
            target = {"base": 0.0, "sub": 0.3 * size, "sup": -0.4 * size}[kind]
            small = kind != "base"
            if target == shift and not small:
                inner.append(escape(piece))
                continue
            extra = f' dy="{_num(target - shift)}"' if target != shift else ""
            if small:
                extra += f' font-size="{_num(0.72 * size)}"'
            inner.append(f"<tspan{extra}>{escape(piece)}</tspan>")
            shift = target
        if gloss:
            extra = (f' dy="{_num(-shift)}"' if shift else "") + (' font-weight="normal"' if weight else "")
            inner.append(f"<tspan{extra}> ({escape(gloss)})</tspan>" if extra else f" ({escape(gloss)})")
        self.body.append(f"<text {attrs}>{''.join(inner)}</text>")

    def lines(self, cx, cy, labels, size=14, gap=None, **kw):
        """Several lines of text centred on (cx, cy); the first at `size`, the others at 0.8 of it."""
        gap = gap or 1.25 * size
        first = cy - gap * (len(labels) - 1) / 2 + 0.36 * size
        for k, label in enumerate(labels):
            if label:
                self.text(cx, first + k * gap, label, size=size * (1 if k == 0 else 0.8), **kw)

    def bilingual(self, x, y, label, korean, size=14, ko_size=None, gap=None, **kw):
        """A word label with its Korean term as a second, smaller line below (y: the first baseline)."""
        ko_size = ko_size or round(0.86 * size, 1)
        self.text(x, y, label, size=size, **kw)
        kw.pop("weight", None)
        self.text(x, y + (gap or 1.1 * size + 2), korean, size=ko_size, **kw)

    def rect(self, x, y, w, h, colors=TENSOR, rx=6, dash=None, width=1.5):
        fill, stroke = colors
        extra = f' stroke-dasharray="{dash}"' if dash else ""
        self.body.append(f'<rect x="{_num(x)}" y="{_num(y)}" width="{_num(w)}" height="{_num(h)}" rx="{_num(rx)}" '
                         f'fill="{fill}" stroke="{stroke}" stroke-width="{_num(width)}"{extra}/>')

    def box(self, cx, cy, w, h, labels, colors=LAYER, size=14, **kw):
        """A rounded box centred on (cx, cy) with lines of text (the first line larger)."""
        self.rect(cx - w / 2, cy - h / 2, w, h, colors, **kw)
        self.lines(cx, cy, labels if isinstance(labels, list) else [labels], size=size)

    def circle(self, cx, cy, r, colors=PLAIN, width=1.5):
        fill, stroke = colors
        self.body.append(f'<circle cx="{_num(cx)}" cy="{_num(cy)}" r="{_num(r)}" fill="{fill}" '
                         f'stroke="{stroke}" stroke-width="{_num(width)}"/>')

    def op(self, cx, cy, symbol, r=12):
        """An elementwise operator in a circle: ⊙, +, ×, σ."""
        self.circle(cx, cy, r)
        self.text(cx, cy + 6, symbol, size=17)

    def dot(self, cx, cy, color=INK):
        self.circle(cx, cy, 3.2, (color, color), width=1)

    def path(self, points, color=INK, width=1.6, arrow=True, dash=None, halo=False, hops=()):
        """A polyline through points, with an arrowhead at the end. halo: a white outline first, so
        that the line visibly passes over lines drawn before it. hops: x positions where a
        horizontal segment jumps over a vertical line with a small arc."""
        pts = [(float(x), float(y)) for x, y in points]
        if arrow:  # end 3 px early: the arrowhead (refX 7 of 10) reaches the target exactly
            (x0, y0), (x1, y1) = pts[-2], pts[-1]
            length = math.hypot(x1 - x0, y1 - y0)
            pts[-1] = (x1 - 3 * (x1 - x0) / length, y1 - 3 * (y1 - y0) / length)
        d = f"M{_num(pts[0][0])},{_num(pts[0][1])}"
        for (xa, ya), (xb, yb) in zip(pts, pts[1:]):
            for hx in sorted(hops, reverse=xb < xa):
                if ya == yb and min(xa, xb) < hx < max(xa, xb):
                    step = 7 if xb > xa else -7
                    d += f" L{_num(hx - step)},{_num(ya)} A7,7 0 0 {1 if xb > xa else 0} {_num(hx + step)},{_num(ya)}"
            d += f" L{_num(xb)},{_num(yb)}"
        style = f'fill="none" stroke-linejoin="round"{f" stroke-dasharray={chr(34)}{dash}{chr(34)}" if dash else ""}'
        if halo:
            self.body.append(f'<path d="{d}" {style} stroke="#ffffff" stroke-width="{_num(width + 5)}"/>')
        marker = ""
        if arrow:
            if color not in self.arrow_colors:
                self.arrow_colors.append(color)
            marker = f' marker-end="url(#arrow{self.arrow_colors.index(color)})"'
        self.body.append(f'<path d="{d}" {style} stroke="{color}" stroke-width="{_num(width)}"{marker}/>')

    def arrow(self, x1, y1, x2, y2, **kw):
        self.path([(x1, y1), (x2, y2)], **kw)

    def render(self) -> str:
        markers = "".join(
            f'<marker id="arrow{k}" viewBox="0 0 10 10" refX="7" refY="5" markerWidth="10" markerHeight="10" '
            f'markerUnits="userSpaceOnUse" orient="auto"><path d="M0,1 L10,5 L0,9 z" fill="{color}"/></marker>'
            for k, color in enumerate(self.arrow_colors))
        head = (f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{self.height}" '
                f'viewBox="0 0 {WIDTH} {self.height}" font-family="{FONT}" fill="{INK}" role="img">')
        hangul = "".join(sorted(set(HANGUL.findall("".join(self.body)))))
        style = f"<style>{_hangul_font_face(hangul)}</style>" if hangul else ""
        return "\n".join([
            head,
            f"<title>{escape(self.title)}</title>",
            f"<defs>{style}{markers}</defs>",
            f'<rect width="{WIDTH}" height="{self.height}" fill="#ffffff"/>',
            *self.body,
            "</svg>",
        ]) + "\n"


# --- chapter 06 -----------------------------------------------------------------------------------

def rnn_unrolled() -> str:
    s = Svg(366, "An RNN cell and the same cell unrolled over T time steps")
    top = 44  # the BPTT arrow
    out_y, aff, cell = 82, 118, 190  # label y_t, Affine box centre, cell centre
    x_arrow, x_label = 268, 286

    # folded: one cell with a loop
    s.bilingual(85, 56, "one cell, a loop", "셀 하나, 루프", size=12, fill=MUTED)
    s.box(85, cell, 80, 56, ["RNN", "tanh"], TENSOR)
    s.arrow(85, x_arrow, 85, cell + 28)
    s.text(85, x_label, "x_t")
    s.arrow(85, cell - 28, 85, aff - 6)
    s.text(85, aff - 14, "h_t")
    s.path([(125, cell - 12), (150, cell - 12), (150, cell + 14), (125, cell + 14)])
    s.text(156, cell + 6, "h_{t−1}", size=13, anchor="start")
    s.text(212, cell + 8, "=", size=26)

    # unrolled
    xs = [318, 418, 518, 665]
    names = ["1", "2", "3", "T"]
    s.text(242, cell + 5, "h_0")
    for k, (cx, t) in enumerate(zip(xs, names)):
        s.box(cx, cell, 60, 56, ["RNN", "W_x, W_h, b"], TENSOR, size=14)
        s.arrow(cx, x_arrow, cx, cell + 28)
        s.text(cx, x_label, f"x_{t}")
        s.arrow(cx, cell - 28, cx, aff + 12)
        s.box(cx, aff, 60, 24, "Affine", LAYER, size=12)
        s.arrow(cx, aff - 12, cx, out_y + 6)
        s.text(cx, out_y, f"y_{t}")
        if k == 0:
            s.arrow(256, cell, cx - 30, cell)
    for a, b, label in [(xs[0], xs[1], "h_1"), (xs[1], xs[2], "h_2")]:
        s.arrow(a + 30, cell, b - 30, cell)
        s.text((a + b) / 2, cell - 8, label, size=13)
    s.arrow(xs[2] + 30, cell, 578, cell)
    s.text(563, cell - 8, "h_3", size=13)
    s.text(592, cell + 5, "⋯", size=16)
    s.arrow(604, cell, xs[3] - 30, cell)
    s.text(619, cell - 8, "h_{T−1}", size=12)

    # backpropagation through time: the arrows run backwards
    s.arrow(692, top, 290, top, color=BACKWARD, dash="6 4")
    s.bilingual(491, top - 23, "BPTT: the gradient flows from step T back to step 1",
                "시간 역전파: 기울기가 스텝 T에서 스텝 1로 거슬러 흐른다", size=12, gap=15, fill=BACKWARD)

    s.text(WIDTH / 2, 318, "h_t = tanh(x_t W_x + h_{t−1} W_h + b),    y_t = h_t W_y + b_y", size=14)
    s.bilingual(WIDTH / 2, 340,
                "x_t (N, D)   h_t (N, H)   W_x (D, H)   W_h (H, H):   the same W_x, W_h, b at every step",
                "모든 스텝이 같은 W_x, W_h, b를 쓴다", size=12, gap=16, fill=MUTED)
    return s.render()


def lstm_cell() -> str:
    s = Svg(440, "One LSTM step: a fused affine sliced into the gates i, f, g, o, the cell state c and the output h")
    cy, mid, gy, ay = 78, 152, 224, 300  # the cell-state line, the products, the gates, the fused affine
    gates = [(170, "σ", "input", "입력 게이트"), (270, "σ", "forget", "망각 게이트"),
             (380, "tanh", "candidate", "후보"), (490, "σ", "output", "출력 게이트")]
    names = ["i", "f", "g", "o"]
    s.rect(100, 18, 520, 352, ("#f8fafc", "#9aa5b1"), rx=14)
    s.bilingual(610, 38, "LSTM cell", "LSTM 셀", size=12, anchor="end", fill=MUTED)

    # the cell state: c_{t-1} -> ⊙ f -> + i⊙g -> c_t
    s.text(40, cy - 10, "c_{t−1}")
    s.text(40, cy + 22, "(N, H)", size=11, fill=MUTED)
    s.arrow(18, cy, 258, cy)
    s.op(270, cy, "⊙")
    s.arrow(282, cy, 368, cy)
    s.op(380, cy, "+")
    s.path([(392, cy), (705, cy)])
    s.text(682, cy - 10, "c_t")
    s.text(682, cy + 22, "(N, H)", size=11, fill=MUTED)
    s.bilingual(325, cy - 40, "cell state: only ⊙ f and + on the way", "셀 상태: 지나는 길에는 ⊙ f와 +뿐", size=11,
                ko_size=11, gap=15, fill=MUTED)

    # the fused affine and its four slices
    s.arrow(18, ay, 130, ay)
    s.text(44, ay - 10, "h_{t−1}")
    s.text(44, ay + 22, "(N, H)", size=11, fill=MUTED)
    s.arrow(330, 420, 330, ay + 30)
    s.text(346, 420, "x_t  (N, D)", anchor="start")
    s.rect(130, ay - 30, 400, 60, LAYER)
    s.text(330, ay - 9, "A = x_t W_x + h_{t−1} W_h + b", size=14)
    s.text(330, ay + 8, "(N, 4H), sliced into four blocks of H: i | f | g | o", size=11.2)
    s.text(330, ay + 23, "H씩 네 블록으로 나눈다", size=11)
    for (gx, fn, role, korean), name in zip(gates, names):
        s.arrow(gx, ay - 30, gx, gy + 28)
        s.rect(gx - 40, gy - 28, 80, 56, GATE)
        s.text(gx, gy - 8, fn, size=16)
        s.text(gx, gy + 8, role, size=12)
        s.text(gx, gy + 22, korean, size=11)
        s.text(gx + 8, gy - 34, name, size=14, anchor="start", italic=True)

    # i ⊙ g, added to the cell state; f gates the old one
    s.arrow(270, gy - 28, 270, cy + 12)
    s.op(380, mid, "⊙")
    s.path([(170, gy - 28), (170, mid), (368, mid)], hops=[270])
    s.arrow(380, gy - 28, 380, mid + 12)
    s.arrow(380, mid - 12, 380, cy + 12)

    # h_t = o ⊙ tanh(c_t)
    s.dot(560, cy)
    s.arrow(560, cy, 560, mid - 13)
    s.box(560, mid, 56, 26, "tanh", GATE, size=14)
    s.arrow(560, mid + 13, 560, gy - 12)
    s.op(560, gy, "⊙")
    s.arrow(530, gy, 548, gy)
    s.path([(572, gy), (705, gy)])
    s.text(682, gy - 10, "h_t")
    s.text(682, gy + 22, "(N, H)", size=11, fill=MUTED)

    s.text(460, 398, "c_t = f ⊙ c_{t−1} + i ⊙ g", size=14, anchor="start")
    s.text(460, 422, "h_t = o ⊙ tanh(c_t)", size=14, anchor="start")
    return s.render()


# --- chapter 07 -----------------------------------------------------------------------------------

def encoder_decoder() -> str:
    s = Svg(584, "The encoder-decoder of chapter 07, plain and peeky")
    src, tgt_in, tgt_out = list("57+68__"), list("^125"), list("125$")
    enc = [48 + 47 * k for k in range(7)]  # encoder cell centres
    dec = [440 + 76 * k for k in range(4)]  # decoder cell centres

    def panel(y0, peeky):
        title = ("b) peeky: h_S also goes to every step" if peeky
                 else "a) plain: (h_S, c_S) is the only bridge")
        korean = "b) 엿보기 디코더: h_S가 모든 스텝에도 간다" if peeky else "a) 기본: (h_S, c_S)가 유일한 다리"
        s.bilingual(14, y0 + 16, title, korean, size=14, ko_size=12, gap=17, anchor="start", weight="bold")
        cell, lin, out = y0 + 164, y0 + 100, y0 + 56
        s.text((enc[0] + enc[-1]) / 2, y0 + 132, "encoder LSTM", size=12, fill=MUTED, gloss="인코더 LSTM")
        s.text(enc[0] - 36, cell + 5, "0", size=13, fill=MUTED)
        s.arrow(enc[0] - 30, cell, enc[0] - 18, cell)
        for k, cx in enumerate(enc):
            colors = PAD if src[k] == "_" else TENSOR
            s.box(cx, cell, 36, 34, "", colors)
            s.text(cx, cell + 4, "LSTM", size=10)
            s.arrow(cx, cell + 44, cx, cell + 17)
            s.text(cx, cell + 60, src[k], size=15)
            if k:
                s.arrow(enc[k - 1] + 18, cell, cx - 18, cell)
        s.bilingual((enc[0] + enc[-1]) / 2, cell + 94, "the question, ids through an embedding (E = 16)",
                    "질문: 토큰 id가 임베딩을 거친다 (E = 16)", size=11, ko_size=11, gap=14, fill=MUTED)

        # the bridge: (h_S, c_S) is the decoder's start state
        s.arrow(enc[-1] + 18, cell, dec[0] - 22, cell, width=2.2)
        s.text(dec[0] - 24, cell - 10, "(h_S, c_S)", size=12, anchor="end")
        s.text(dec[0] - 24, cell + 20, "2 × 80", size=11, anchor="end", fill=MUTED)
        for k, cx in enumerate(dec):
            xin = cx - 8 if peeky else cx
            s.box(cx, cell, 44, 34, "", TENSOR)
            s.text(cx, cell + 4, "LSTM", size=11)
            s.arrow(xin, cell + 44, xin, cell + 17)
            s.text(xin, cell + 60, tgt_in[k], size=15)
            s.box(cx, lin, 56, 26, "Linear", LAYER, size=12)
            s.arrow(xin, cell - 17, xin, lin + 13, halo=peeky)
            s.arrow(cx, lin - 13, cx, out + 6)
            s.text(cx, out, tgt_out[k], size=15)
            if k:
                s.arrow(dec[k - 1] + 22, cell, cx - 22, cell)
        s.bilingual((dec[0] + dec[-1]) / 2, cell + 94, "the decoder reads SOS + answer, writes answer + EOS",
                    "디코더는 시작 토큰 + 답을 읽고, 답 + 종료 토큰을 쓴다", size=11, ko_size=11, gap=14, fill=MUTED)
        s.bilingual((dec[0] + dec[-1]) / 2, y0 + 16, "decoder LSTM, Linear → softmax over the vocabulary",
                    "디코더 LSTM, Linear → 어휘에 대한 소프트맥스", size=11, ko_size=11, gap=14, fill=MUTED)
        if not peeky:
            s.text(14, y0 + 52, "LSTM input e'(y_{t−1}): 16;  Linear input h'_t: 80", size=12, anchor="start",
                   fill=MUTED)
            return
        # the peeky context: h_S to every LSTM input ([e'(y); h_S]) and every Linear input ([h'; h_S])
        bus_low, bus_mid, fork = cell + 72, lin + 28, enc[-1] + 26
        s.dot(fork, cell, ACCENT)
        s.path([(fork, cell), (fork, bus_low), (dec[-1] + 14, bus_low)], color=ACCENT, width=2, arrow=False)
        s.path([(fork, cell), (fork, bus_mid), (dec[-1] + 14, bus_mid)], color=ACCENT, width=2, arrow=False)
        s.text(fork - 6, bus_mid + 5, "h_S", size=13, anchor="end", fill=ACCENT)
        for cx in dec:
            s.arrow(cx + 14, bus_low, cx + 14, cell + 17, color=ACCENT, width=2)
            s.arrow(cx + 14, bus_mid, cx + 14, lin + 13, color=ACCENT, width=2)
        for cx in dec:  # the decoder's own arrows pass over the bus
            s.arrow(cx - 8, cell - 17, cx - 8, lin + 13, halo=True)
        s.text(14, y0 + 52, "LSTM input [e'(y_{t−1}); h_S]: 16 + 80;  Linear input [h'_t; h_S]: 160", size=12,
               anchor="start", fill=ACCENT)

    panel(8, peeky=False)
    panel(300, peeky=True)
    s.path([(0, 290), (WIDTH, 290)], color="#cbd2d9", width=1, arrow=False)
    return s.render()


# --- chapter 08 -----------------------------------------------------------------------------------

def attention_qkv() -> str:
    s = Svg(440, "Attention: a query scores every key, a softmax turns the scores into weights, "
                 "and the context is the weighted sum of the values")
    scores = [0.4, 3.1, 1.2, -0.3, None]  # the last position is padding
    peak = max(v for v in scores if v is not None)
    exps = [0.0 if v is None else math.exp(v - peak) for v in scores]
    weights = [e / sum(exps) for e in exps]
    rows = [126 + 40 * k for k in range(5)]
    row_h, mid = 30, 126 + 40 * 2  # the height of a row, the y of the middle row

    # keys = values: the encoder states
    s.bilingual(95, 62, "encoder states h_s", "인코더 상태", size=13, ko_size=11, gap=16)
    s.text(95, 94, "(N, S, 128)", size=11, fill=MUTED)
    for k, y in enumerate(rows):
        pad = scores[k] is None
        s.box(95, y, 110, row_h, "PAD" if pad else f"h_{k + 1}", PAD if pad else TENSOR, size=14)

    # the query, from the decoder
    s.rect(198, 12, 184, 58, ATTN)
    s.text(290, 31, "query q_t", size=14, gloss="쿼리")
    s.text(290, 47, "decoder state d_t (N, 1, 128)", size=11.2)
    s.text(290, 62, "디코더 상태", size=11)
    s.arrow(290, 70, 290, 102)

    # 1. scores against the keys
    s.rect(240, 104, 100, rows[-1] + 18 - 104, ("#ffffff", ATTN[1]))
    s.text(290, rows[-1] + 36, "1. scores", size=13, weight="bold", gloss="점수")
    s.text(290, rows[-1] + 54, "e_{ts} = q_t · h_s", size=13)
    for k, y in enumerate(rows):
        s.arrow(150, y, 240, y)
        label = "−∞ (mask)" if scores[k] is None else f"{scores[k]:.1f}".replace("-", "−")
        s.text(290, y + 5, label, size=13, fill=MUTED if scores[k] is None else INK)
    s.bilingual(199, rows[0] - 27, "as keys", "키로", size=12, ko_size=11, gap=14, fill=MUTED)

    # 2. softmax over the positions
    s.box(385, mid, 44, rows[-1] - rows[0] + 36, "", ATTN)
    s.text(383, mid, "softmax over s", size=13, rotate=-90)
    s.text(399, mid, "s에 대한 소프트맥스", size=11, rotate=-90)
    s.arrow(340, mid, 363, mid)
    s.text(490, rows[-1] + 36, "2. weights", size=13, weight="bold", gloss="가중치")
    s.text(490, rows[-1] + 54, "α_{ts}, sum to 1", size=13, gloss="합이 1")
    for k, y in enumerate(rows):
        s.arrow(407, y, 432, y)
        s.rect(436, y - 9, 80, 18, ("#ffffff", "#cbd2d9"), rx=2, width=1)
        if weights[k] > 0:
            s.rect(436, y - 9, 80 * weights[k], 18, (ATTN[1], ATTN[1]), rx=2, width=1)
        s.text(522, y + 5, f"{weights[k]:.2f}", size=12, anchor="start")

    # 3. the weighted sum of the values
    sum_x = 640
    s.box(sum_x, mid, 88, 72, ["Σ_s α_{ts} h_s", "weighted sum", "가중합"], ATTN, size=14)
    for y in rows:
        s.path([(556, y), (572, y), (sum_x - 44, mid)], color=MUTED, width=1.2, arrow=False)
    s.arrow(572, mid, sum_x - 44, mid)
    s.rect(32, rows[0] - 22, 126, rows[-1] - rows[0] + 44, ("none", MUTED), rx=8, dash="4 3", width=1)
    s.path([(95, rows[-1] + 22), (95, 396), (sum_x, 396), (sum_x, mid + 36)])
    s.text(340, 390, "as values: the same h_s", size=12, fill=MUTED, gloss="값으로")
    s.text(640, rows[-1] + 36, "3. context", size=13, weight="bold", gloss="문맥")
    s.arrow(sum_x, mid - 36, sum_x, 64)
    s.text(sum_x, 54, "c_t (N, 1, 128)", size=14)
    s.text(sum_x, 34, "to the decoder", size=11, fill=MUTED, gloss="디코더로")
    s.text(WIDTH / 2, 428, "all T queries at once (쿼리 T개를 한 번에):  "
                           "E = QH^⊤ (T × S),  A = softmax(E),  C = AH (T × D)", size=13)
    return s.render()


# --- chapter 09 -----------------------------------------------------------------------------------

def transformer_block() -> str:
    s = Svg(661, "Transformer blocks: the post-norm encoder block of 2017, the pre-norm encoder block and "
                 "the pre-norm decoder block of chapter 09")
    bottom, top = 627, 78  # where the input line starts, where the output arrow ends
    box_w, box_h, step = 160, 54, 176  # a sub-layer's box; from one residual branch point to the next

    def attention_inputs(cx, y_from, y_box, cross=False):
        """Arrows into an attention box: Q, K and V from one input (self-attention), or Q only."""
        names = [(0, "Q")] if cross else [(-44, "Q"), (0, "K"), (44, "V")]
        for dx, name in names:
            s.path([(cx, y_from), (cx + dx, y_from - 8), (cx + dx, y_box)] if dx else [(cx, y_from), (cx, y_box)])
            s.text(cx + dx + 5, y_box + 15, name, size=11, anchor="start", fill=MUTED)

    def header(cx, title, korean, note, x_name, gloss=None):
        s.bilingual(cx, 20, title, korean, size=13, ko_size=11.5, gap=15, weight="bold")
        s.text(cx, 51, note, size=11, fill=MUTED, gloss=gloss)
        s.text(cx, bottom + 22, f"{x_name}  (N, T, 48)", size=13)
        s.path([(cx, bottom), (cx, y1)], arrow=False)
        s.text(cx, top - 10, "(N, T, 48)", size=13)

    def sublayer_box(cx, cy, labels, colors):
        """The sub-layer: its name, a note and the Korean name in three lines."""
        s.rect(cx - box_w / 2, cy - box_h / 2, box_w, box_h, colors)
        s.lines(cx, cy, labels, size=13, gap=14.5)

    def post_norm_sublayer(cx, y, labels, colors):
        """sublayer -> Add & LayerNorm(x + sublayer(x)); y: the residual's branch point. Returns the top y."""
        side = cx + box_w / 2 + 14
        s.dot(cx, y)
        if colors is ATTN:
            attention_inputs(cx, y, y - 30)
        else:
            s.arrow(cx, y, cx, y - 30)
        sublayer_box(cx, y - 30 - box_h / 2, labels, colors)
        s.arrow(cx, y - 30 - box_h, cx, y - 48 - box_h)
        s.box(cx, y - 62 - box_h, box_w, 28, "Add & LayerNorm", NORM, size=13)
        s.path([(cx, y), (side, y), (side, y - 62 - box_h), (cx + box_w / 2, y - 62 - box_h)])
        return y - 76 - box_h

    def pre_norm_sublayer(cx, y, labels, colors, cross=False):
        """x + sublayer(LayerNorm(x)); y: the residual's branch point. Returns the top y (above the +)."""
        side = cx + box_w / 2 + 14
        s.dot(cx, y)
        s.arrow(cx, y, cx, y - 19)
        s.box(cx, y - 30, 84, 22, "LayerNorm", NORM, size=12)
        if colors is ATTN:
            attention_inputs(cx, y - 41, y - 67, cross)
        else:
            s.arrow(cx, y - 41, cx, y - 67)
        sublayer_box(cx, y - 67 - box_h / 2, labels, colors)
        s.arrow(cx, y - 67 - box_h, cx, y - 87 - box_h)
        s.op(cx, y - 98 - box_h, "+", r=11)
        s.path([(cx, y), (side, y), (side, y - 98 - box_h), (cx + 11, y - 98 - box_h)])
        return y - 109 - box_h

    attention = ["Multi-head attention", "4 heads × 12 features", "멀티 헤드 어텐션"]
    ffn = ["Feed-forward", "48 → 96 → 48, ReLU", "피드포워드"]
    y1 = bottom - 14

    cx = 112  # the block of the 2017 paper
    header(cx, "encoder block, post-norm", "인코더 블록, 사후 정규화", "LN(x + f(x)), Vaswani et al. 2017", "x")
    y = post_norm_sublayer(cx, y1, attention, ATTN)
    s.path([(cx, y), (cx, y1 - step)], arrow=False)
    y = post_norm_sublayer(cx, y1 - step, ffn, LAYER)
    s.arrow(cx, y, cx, top)
    s.text(cx + 8, 150, "× L blocks", size=11, anchor="start", fill=MUTED, gloss="블록 L개")

    cx = 350  # the block this chapter trains
    header(cx, "encoder block, pre-norm", "인코더 블록, 사전 정규화", "x + f(LN(x)), this chapter", "x", gloss="이 장")
    y = pre_norm_sublayer(cx, y1, attention, ATTN)
    s.path([(cx, y), (cx, y1 - step)], arrow=False)
    y = pre_norm_sublayer(cx, y1 - step, ffn, LAYER)
    s.arrow(cx, y, cx, top)
    for k, note in enumerate(["× 2 blocks, then one", "last LayerNorm: the", "memory for the decoder"]):
        s.text(cx + 8, 150 + 15 * k, note, size=11, anchor="start", fill=MUTED)
    for k, note in enumerate(["블록 2개, 이어서 마지막", "LayerNorm: 디코더의 메모리"]):
        s.text(cx + 8, 199 + 15 * k, note, size=11, anchor="start", fill=MUTED)

    cx = 592  # the decoder block: three pre-norm sub-layers
    header(cx, "decoder block, pre-norm", "디코더 블록, 사전 정규화", "the encoder–decoder of section 5", "y")
    y = pre_norm_sublayer(cx, y1, ["Masked multi-head", "self-attention (causal)", "인과 마스크 셀프 어텐션"], ATTN)
    s.path([(cx, y), (cx, y1 - step)], arrow=False)
    y = pre_norm_sublayer(cx, y1 - step, ["Cross-attention", "K, V from the memory", "교차 어텐션 (K, V: 메모리)"],
                          ATTN, cross=True)
    memory_y = y1 - step - 30
    s.path([(462, memory_y), (cx - 60, memory_y), (cx - 60, y1 - step - 67)], color=ACCENT, width=2)
    s.text(cx - 66, memory_y - 12, "K, V", size=11, anchor="end", fill=ACCENT)
    s.text(462, memory_y + 18, "memory", size=11, anchor="start", fill=ACCENT)
    s.text(462, memory_y + 32, "메모리", size=11, anchor="start", fill=ACCENT)
    s.text(462, memory_y + 46, "(N, S, 48)", size=11, anchor="start", fill=ACCENT)
    s.path([(cx, y), (cx, y1 - 2 * step)], arrow=False)
    y = pre_norm_sublayer(cx, y1 - 2 * step, ffn, LAYER)
    s.arrow(cx, y, cx, top)
    return s.render()


# --- chapter 10 -----------------------------------------------------------------------------------

def _cuboid(s, cx, base_y, channels, size, colors=TENSOR):
    """A feature map (C, H, W) as a box: width from the channels, height and depth from the size."""
    w = 6 + 0.5 * channels
    h = 14 * math.sqrt(size) + 4
    dx = dy = 0.35 * h
    x0, y0 = cx - (w + dx) / 2, base_y - h
    fill, stroke = colors
    face = f'fill="{fill}" stroke="{stroke}" stroke-width="1.2" stroke-linejoin="round"'
    s.body.append(f'<path d="M{_num(x0)},{_num(y0)} L{_num(x0 + dx)},{_num(y0 - dy)} L{_num(x0 + dx + w)},'
                  f'{_num(y0 - dy)} L{_num(x0 + w)},{_num(y0)} z" {face} fill-opacity="0.7"/>')
    s.body.append(f'<path d="M{_num(x0 + w)},{_num(y0)} L{_num(x0 + w + dx)},{_num(y0 - dy)} L{_num(x0 + w + dx)},'
                  f'{_num(y0 - dy + h)} L{_num(x0 + w)},{_num(y0 + h)} z" {face} fill-opacity="0.85"/>')
    s.rect(x0, y0, w, h, colors, rx=0, width=1.2)
    return x0, x0 + w + dx, y0 - dy  # left, right, top


def dcgan() -> str:
    s = Svg(528, "The DCGAN generator and discriminator of chapter 10, with the shape of every feature map")
    cols = [60, 248, 436, 612]  # the same shapes line up: 1x1, 7x7, 14x14, 28x28
    g_base, d_base = 162, 412

    s.bilingual(14, 22, "generator G: noise z → image (234,177 parameters)",
                "생성자 G: 잡음 z → 이미지 (매개변수 234,177개)",
                size=14, ko_size=12, gap=17, anchor="start", weight="bold")
    g_maps = [(64, 1, "z  (N, 64, 1, 1)"), (64, 7, "(N, 64, 7, 7)"), (32, 14, "(N, 32, 14, 14)"),
              (1, 28, "G(z)  (N, 1, 28, 28)")]
    g_ops = [["ConvTranspose2d", "7×7, stride 1", "BN · ReLU"],
             ["ConvTranspose2d", "4×4, stride 2, pad 1", "BN · ReLU"],
             ["ConvTranspose2d", "4×4, stride 2, pad 1", "Tanh"]]
    edges = []
    for cx, (c, n, label) in zip(cols, g_maps):
        edges.append(_cuboid(s, cx, g_base, c, n))
        s.text(cx, g_base + 20, label, size=12)
    s.text(cols[0], g_base + 36, "z ~ N(0, I)", size=11, fill=MUTED)
    for k, labels in enumerate(g_ops):
        left, right = edges[k][1] + 6, edges[k + 1][0] - 6
        s.arrow(left, g_base - 22, right, g_base - 22, width=2)
        s.lines((left + right) / 2, g_base - 66, labels, size=13, gap=16)

    # fakes and real digits go down to the discriminator
    s.path([(cols[3], g_base + 28), (cols[3], d_base - 126)], color=ACCENT, width=2)
    s.bilingual(cols[3] - 8, g_base + 62, "fake", "가짜", size=12, ko_size=11, gap=15, anchor="end", fill=ACCENT)
    s.path([(694, g_base + 104), (694, d_base - 112), (640, d_base - 112)], width=2)
    s.bilingual(694, g_base + 58, "real x", "진짜 x", size=12, ko_size=11, gap=15)
    s.text(694, g_base + 90, "MNIST", size=11, fill=MUTED)

    s.bilingual(14, 234, "discriminator D: image → logit (10,097 parameters)",
                "판별자 D: 이미지 → 로짓 (매개변수 10,097개)",
                size=14, ko_size=12, gap=17, anchor="start", weight="bold")
    d_maps = [(1, 28, "x  (N, 1, 28, 28)"), (16, 14, "(N, 16, 14, 14)"), (32, 7, "(N, 32, 7, 7)"),
              (1, 1, "logit  (N, 1, 1, 1)")]
    d_ops = [["Conv2d", "4×4, stride 2, pad 1", "LeakyReLU 0.2"],
             ["Conv2d", "4×4, stride 2, pad 1", "BN · LeakyReLU 0.2"],
             ["Conv2d 7×7", "over the whole map", "맵 전체에 걸쳐"]]
    edges = []
    for cx, (c, n, label) in zip(reversed(cols), d_maps):
        edges.append(_cuboid(s, cx, d_base, c, n, GATE if n == 1 else TENSOR))
        s.text(cx, d_base + 20, label, size=12)
    for k, labels in enumerate(d_ops):
        left, right = edges[k][0] - 6, edges[k + 1][1] + 6
        s.arrow(left, d_base - 22, right, d_base - 22, width=2)
        s.lines((left + right) / 2, d_base - 66, labels, size=13, gap=16)
    s.bilingual(14, d_base + 48, "D(x) = σ(logit): its belief that x is real", "D(x): x가 진짜라고 D가 믿는 정도",
                size=13, ko_size=11.5, gap=16, anchor="start")
    s.bilingual(14, d_base + 86, "D learns real → 1, fake → 0;  G learns to make D say 1 on its fakes",
                "D는 진짜 → 1, 가짜 → 0을 배우고, G는 자기 가짜에 D가 1이라고 말하게 배운다", size=12, ko_size=11.5,
                gap=16, anchor="start", fill=MUTED)
    return s.render()


DIAGRAMS = {
    "chapters/06_rnn_lstm/figures/rnn_unrolled.svg": rnn_unrolled,
    "chapters/06_rnn_lstm/figures/lstm_cell.svg": lstm_cell,
    "chapters/07_seq2seq/figures/encoder_decoder.svg": encoder_decoder,
    "chapters/08_attention/figures/attention_qkv.svg": attention_qkv,
    "chapters/09_transformer/figures/transformer_block.svg": transformer_block,
    "chapters/10_dcgan/figures/dcgan.svg": dcgan,
}


def write_all(root: Path = ROOT) -> list[Path]:
    """Write every diagram under root (the repository by default); return the paths written."""
    written = []
    for rel, draw in DIAGRAMS.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(draw(), encoding="utf-8", newline="\n")
        written.append(path)
    return written


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--out", type=Path, default=ROOT, help="root folder to write chapters/*/figures/ under")
    args = parser.parse_args()
    for path in write_all(args.out):
        print(path)


if __name__ == "__main__":
    main()
