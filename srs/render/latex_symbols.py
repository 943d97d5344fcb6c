"""Provides the LaTeX symbol, operator, font and script tables used by srs.render.mathtext."""

from __future__ import annotations

# Each symbol: (text, kind). Kinds: ord (letters, constants), rel (spaced relation),
# bin (spaced binary operator), bigop (sum-like), open / close (delimiters), punct.
_GREEK = {
    "alpha": "α", "beta": "β", "gamma": "γ", "delta": "δ", "epsilon": "ϵ",
    "varepsilon": "ε", "zeta": "ζ", "eta": "η", "theta": "θ", "vartheta": "ϑ",
    "iota": "ι", "kappa": "κ", "lambda": "λ", "mu": "μ", "nu": "ν", "xi": "ξ",
    "omicron": "ο", "pi": "π", "varpi": "ϖ", "rho": "ρ", "varrho": "ϱ", "sigma": "σ",
    "varsigma": "ς", "tau": "τ", "upsilon": "υ", "phi": "ϕ", "varphi": "φ", "chi": "χ",
    "psi": "ψ", "omega": "ω", "Gamma": "Γ", "Delta": "Δ", "Theta": "Θ", "Lambda": "Λ",
    "Xi": "Ξ", "Pi": "Π", "Sigma": "Σ", "Upsilon": "Υ", "Phi": "Φ", "Psi": "Ψ",
    "Omega": "Ω",
}  # fmt: skip

_ORD = {
    "infty": "∞", "partial": "∂", "nabla": "∇", "ell": "ℓ", "hbar": "ħ", "aleph": "ℵ",
    "emptyset": "∅", "varnothing": "∅", "forall": "∀", "exists": "∃", "nexists": "∄",
    "neg": "¬", "lnot": "¬", "prime": "′", "top": "⊤", "bot": "⊥", "dagger": "†",
    "ldots": "…", "dots": "…", "cdots": "⋯", "vdots": "⋮", "ddots": "⋱", "angle": "∠",
    "triangle": "△", "Re": "ℜ", "Im": "ℑ", "wp": "℘", "imath": "ı", "jmath": "ȷ",
    "checkmark": "✓", "dag": "†", "S": "§", "P": "¶", "%": "%", "$": "$", "#": "#",
    "&": "&", "_": "_", "{": "{", "}": "}", "|": "‖", "lbrace": "{", "rbrace": "}",
    "vert": "|", "Vert": "‖", "lvert": "|", "rvert": "|", "lVert": "‖", "rVert": "‖",
    "langle": "⟨", "rangle": "⟩", "lfloor": "⌊", "rfloor": "⌋", "lceil": "⌈",
    "rceil": "⌉", "backslash": "\\",
}  # fmt: skip

_REL = {
    "le": "≤", "leq": "≤", "ge": "≥", "geq": "≥", "neq": "≠", "ne": "≠", "approx": "≈",
    "equiv": "≡", "sim": "∼", "simeq": "≃", "cong": "≅", "propto": "∝", "in": "∈",
    "notin": "∉", "ni": "∋", "subset": "⊂", "supset": "⊃", "subseteq": "⊆",
    "supseteq": "⊇", "to": "→", "rightarrow": "→", "leftarrow": "←", "gets": "←",
    "Rightarrow": "⇒", "Leftarrow": "⇐", "leftrightarrow": "↔", "Leftrightarrow": "⇔",
    "implies": "⟹", "impliedby": "⟸", "iff": "⟺", "mapsto": "↦", "longrightarrow": "⟶",
    "longleftarrow": "⟵", "Longrightarrow": "⟹", "uparrow": "↑", "downarrow": "↓",
    "ll": "≪", "gg": "≫", "prec": "≺", "succ": "≻", "preceq": "⪯", "succeq": "⪰",
    "mid": "∣", "parallel": "∥", "perp": "⊥", "vdash": "⊢", "models": "⊨",
    "coloneqq": "≔", "triangleq": "≜", "doteq": "≐", "asymp": "≍", "lesssim": "≲",
    "gtrsim": "≳", "nleq": "≰", "ngeq": "≱", "hookrightarrow": "↪", "xrightarrow": "→",
}  # fmt: skip

_BIN = {
    "cdot": "·", "times": "×", "div": "÷", "pm": "±", "mp": "∓", "ast": "∗", "star": "⋆",
    "circ": "∘", "bullet": "•", "oplus": "⊕", "ominus": "⊖", "otimes": "⊗", "odot": "⊙",
    "cup": "∪", "cap": "∩", "setminus": "∖", "wedge": "∧", "land": "∧", "vee": "∨",
    "lor": "∨", "sqcup": "⊔", "sqcap": "⊓", "uplus": "⊎", "amalg": "⨿",
}  # fmt: skip

_BIGOP = {
    "sum": "∑", "prod": "∏", "coprod": "∐", "int": "∫", "iint": "∬", "iiint": "∭",
    "oint": "∮", "bigcup": "⋃", "bigcap": "⋂", "bigoplus": "⨁", "bigotimes": "⨂",
    "bigvee": "⋁", "bigwedge": "⋀", "bigsqcup": "⨆",
}  # fmt: skip

SYMBOLS: dict[str, tuple[str, str]] = {
    **{k: (v, "ord") for k, v in _GREEK.items()},
    **{k: (v, "ord") for k, v in _ORD.items()},
    **{k: (v, "rel") for k, v in _REL.items()},
    **{k: (v, "bin") for k, v in _BIN.items()},
    **{k: (v, "bigop") for k, v in _BIGOP.items()},
}
for _name in ("langle", "lfloor", "lceil", "lbrace", "{"):
    SYMBOLS[_name] = (SYMBOLS[_name][0], "open")
for _name in ("rangle", "rfloor", "rceil", "rbrace", "}"):
    SYMBOLS[_name] = (SYMBOLS[_name][0], "close")

# Characters (from the fallback table) that read best spaced like relations or operators.
REL_CHARS = frozenset("=<>≤≥≠≈≡∼≃≅∝∈∉∋⊂⊃⊆⊇→←⇒⇐↔⇔⟹⟸⟺↦⟶⟵≪≫≺≻∣∥⊢⊨≔≜≐≲≳↪")
BIN_CHARS = frozenset("+·×÷±∓∗⋆∘•⊕⊖⊗⊙∪∩∖∧∨⊔⊓⊎")

OPERATOR_NAMES = frozenset(
    "log ln lg exp sin cos tan cot sec csc arcsin arccos arctan sinh cosh tanh coth "
    "max min sup inf lim limsup liminf arg argmax argmin det dim ker deg gcd lcm hom "
    "Pr mod bmod var Var Cov tr Tr diag rank sgn sign softmax".split()
)

# Commands whose argument is shown as it is (fonts, upright text).
UNWRAP = frozenset(
    "mathbf mathrm mathit mathsf mathtt mathnormal boldsymbol bm pmb mathbfit "
    "operatorname mathop underbrace overbrace boxed".split()
)
TEXT_COMMANDS = frozenset("text textrm textbf textit texttt textsf mbox hbox textnormal".split())
IGNORED = frozenset(
    "displaystyle textstyle scriptstyle scriptscriptstyle limits nolimits nonumber "
    "notag left right big Big bigg Bigg bigl bigr Bigl Bigr biggl biggr Biggl Biggr "
    "middle".split()
)
SKIP_ONE_ARG = frozenset("label tag color hspace vspace phantom hphantom vphantom".split())

ACCENTS = {
    "hat": "\u0302", "widehat": "\u0302", "bar": "\u0304", "overline": "\u0305",
    "tilde": "\u0303", "widetilde": "\u0303", "vec": "\u20d7", "overrightarrow": "\u20d7",
    "dot": "\u0307", "ddot": "\u0308", "check": "\u030c", "breve": "\u0306",
    "acute": "\u0301", "grave": "\u0300", "mathring": "\u030a", "underline": "\u0332",
}  # fmt: skip

_BB = {"C": "ℂ", "H": "ℍ", "N": "ℕ", "P": "ℙ", "Q": "ℚ", "R": "ℝ", "Z": "ℤ"}
_CAL = {"B": "ℬ", "E": "ℰ", "F": "ℱ", "H": "ℋ", "I": "ℐ", "L": "ℒ", "M": "ℳ", "R": "ℛ"}
_FRAK = {"C": "ℭ", "H": "ℌ", "I": "ℑ", "R": "ℜ", "Z": "ℨ"}


def font_char(font: str, ch: str) -> str:
    """Return ch in the double-struck, calligraphic or fraktur alphabet when it exists."""
    if not ch.isascii() or not ch.isalpha():
        if font == "mathbb" and ch.isdigit():
            return chr(0x1D7D8 + int(ch))
        return ch
    upper = ch.isupper()
    index = ord(ch) - (ord("A") if upper else ord("a"))
    if font == "mathbb":
        if upper and ch in _BB:
            return _BB[ch]
        return chr((0x1D538 if upper else 0x1D552) + index)
    if font in ("mathcal", "mathscr"):
        if upper:
            return _CAL.get(ch, chr(0x1D49C + index))
        return {"e": "ℯ", "g": "ℊ", "o": "ℴ"}.get(ch, chr(0x1D4B6 + index))
    if font == "mathfrak":
        if upper:
            return _FRAK.get(ch, chr(0x1D504 + index))
        return chr(0x1D51E + index)
    return ch


SUPERSCRIPTS = dict(
    zip(
        "0123456789+-−=()niabcdefghjklmoprstuvwxyzABDEGHIJKLMNOPRTUVWβγδθφχ⊤",
        "⁰¹²³⁴⁵⁶⁷⁸⁹⁺⁻⁻⁼⁽⁾ⁿⁱᵃᵇᶜᵈᵉᶠᵍʰʲᵏˡᵐᵒᵖʳˢᵗᵘᵛʷˣʸᶻᴬᴮᴰᴱᴳᴴᴵᴶᴷᴸᴹᴺᴼᴾᴿᵀᵁⱽᵂᵝᵞᵟᶿᵠᵡᵀ",
        strict=True,
    )
)
SUBSCRIPTS = dict(
    zip(
        "0123456789+-−=()aehijklmnoprstuvxβγρφχ",
        "₀₁₂₃₄₅₆₇₈₉₊₋₋₌₍₎ₐₑₕᵢⱼₖₗₘₙₒₚᵣₛₜᵤᵥₓᵦᵧᵨᵩᵪ",
        strict=True,
    )
)
# Superscripts that read naturally when simply written after their base.
INLINE_SUPERSCRIPTS = frozenset({"*", "∗", "′", "″", "‴", "†", "⋆", "'"})
