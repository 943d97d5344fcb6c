"""Tests for srs.render.mathtext: LaTeX math as readable Unicode.

The expected strings are written by hand from these conventions (no LaTeX renderer gives
Unicode text, so there is no real counterpart to ask):
- Letters, digits and brackets are kept; spaces in the source are ignored, as in TeX.
- Relations (=, \\le, \\in, \\to, ...) and binary operators (+, -, \\cdot, \\times) get one
  space each side; a leading or post-operator minus is unary and stays tight.
- A sub/superscript uses Unicode sub/superscript letters when every character has one,
  else ``_x``/``^x`` for one character and ``_(..)``/``^(..)`` for more; ``^\\top`` and ``^T``
  give ᵀ, ``^*`` and primes are written straight after their base.
- \\frac{a}{b} is a/b, each side parenthesised unless it is a single term; after a named
  operator (\\log) the whole fraction is parenthesised.
- \\sqrt{x} is √x for a single term, else √(..). Named operators (log, exp, max, softmax)
  are upright words separated from neighbouring terms by a space.
"""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from srs.render.mathtext import latex_to_unicode, math_to_unicode

ML_FORMULAS: list[tuple[str, str]] = [
    # attention: scores scaled by sqrt(d_k), softmax over keys
    (r"\mathrm{softmax}(QK^T/\sqrt{d_k})V", "softmax(QKᵀ/√dₖ)V"),
    (
        r"\mathrm{Attention}(Q, K, V) = \mathrm{softmax}\left(\frac{QK^\top}{\sqrt{d_k}}\right)V",
        "Attention(Q, K, V) = softmax(QKᵀ/√dₖ)V",
    ),
    # softmax: z has a subscript i (ᵢ) but e^{z_i} cannot be superscripted as a whole
    (r"\sigma(z)_i = \frac{e^{z_i}}{\sum_{j=1}^{K} e^{z_j}}", "σ(z)ᵢ = e^(zᵢ)/(∑ⱼ₌₁ᴷ e^(zⱼ))"),
    # cross-entropy
    (r"H(p, q) = -\sum_{x} p(x) \log q(x)", "H(p, q) = -∑ₓ p(x) log q(x)"),
    # KL divergence: K and L have no subscript forms
    (
        r"D_{KL}(P \| Q) = \sum_x P(x) \log \frac{P(x)}{Q(x)}",
        "D_(KL)(P ‖ Q) = ∑ₓ P(x) log(P(x)/Q(x))",
    ),
    # gradient descent step: θ has no subscript form, so ∇_θ, then a space before L
    (r"\theta_{t+1} = \theta_t - \eta \nabla_\theta L(\theta_t)", "θₜ₊₁ = θₜ - η∇_θ L(θₜ)"),
    (r"\frac{\partial L}{\partial w}", "∂L/∂w"),
    (r"\hat{y} = \arg\max_{y} p(y \mid x)", "ŷ = arg max_y p(y ∣ x)"),
    # binary cross-entropy averaged over N samples
    (
        r"\mathcal{L} = -\frac{1}{N}\sum_{i=1}^{N} y_i \log \hat{y}_i + (1-y_i)\log(1-\hat{y}_i)",
        "ℒ = -1/N ∑ᵢ₌₁ᴺ yᵢ log ŷᵢ + (1 - yᵢ) log(1 - ŷᵢ)",
    ),
    (r"x \in \mathbb{R}^{n \times d}", "x ∈ ℝ^(n×d)"),
    (r"\|w\|_2^2", "‖w‖₂²"),
    (
        r"\mathrm{LayerNorm}(x) = \gamma \odot \frac{x - \mu}{\sqrt{\sigma^2 + \epsilon}} + \beta",
        "LayerNorm(x) = γ ⊙ (x - μ)/√(σ² + ϵ) + β",
    ),
    (r"\prod_{i=1}^n x_i \le \exp(\sum x)", "∏ᵢ₌₁ⁿ xᵢ ≤ exp(∑ x)"),
    (r"\lim_{n \to \infty} a_n", "lim_(n→∞) aₙ"),
    (r"W^{(l)} a^{(l-1)} + b^{(l)}", "W⁽ˡ⁾a⁽ˡ⁻¹⁾ + b⁽ˡ⁾"),
    (r"x^{*} = \arg\min_x f(x)", "x* = arg minₓ f(x)"),
    (r"f'(x) \approx \frac{f(x+h) - f(x)}{h}", "f′(x) ≈ (f(x + h) - f(x))/h"),
    (r"\mathbb{E}_{x \sim p}[f(x)]", "𝔼_(x∼p)[f(x)]"),
    (r"A^{-1} A = I", "A⁻¹A = I"),
    (r"\int_0^\infty e^{-x^2} dx", "∫₀^∞ e^(-x²)dx"),
    (r"\bar{x} \cdot \vec{v} \neq \tilde{n}", "x̄ · v⃗ ≠ ñ"),
    (r"\begin{pmatrix} a & b \\ c & d \end{pmatrix}", "(a b; c d)"),
    (
        r"\mathrm{ReLU}(x) = \begin{cases} x & x > 0 \\ 0 & \text{otherwise} \end{cases}",
        "ReLU(x) = { x, x > 0; 0, otherwise",
    ),
    (r"p(\mathbf{x}) = \mathcal{N}(\mu, \Sigma)", "p(x) = 𝒩(μ, Σ)"),
    (r"\sqrt[3]{8} = 2", "∛8 = 2"),
    (r"a \not\in B \Rightarrow c \leftarrow d", "a ∉ B ⇒ c ← d"),
    (r"\binom{n}{k}", "(n choose k)"),
    (r"\sum\limits_{i=1}^{n} x_i", "∑ᵢ₌₁ⁿ xᵢ"),
    (r"\operatorname*{argmax}_{\theta} \mathcal{L}(\theta)", "argmax_θ ℒ(θ)"),
    (r"\underset{x}{\arg\min}\ f(x)", "arg minₓ f(x)"),
    (r"\mathbf{W}\mathbf{x} + \mathbf{b}", "Wx + b"),
    (r"\mathbb{1}[y = k]", "𝟙[y = k]"),
]


@pytest.mark.parametrize(("source", "expected"), ML_FORMULAS)
def test_ml_formulas_read_well(source: str, expected: str) -> None:
    assert math_to_unicode(source) == expected


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("", ""),
        (r"\frac{a", "a/"),  # unbalanced: the missing denominator is empty
        (r"{{a}", "a"),
        (r"a}b", "ab"),  # a stray closing brace is skipped
        (r"\frac{\frac{a}{b}}{c+d}", "(a/b)/(c + d)"),
        (r"\frac{1}{\frac{1}{x}}", "1/(1/x)"),
        (r"x^", "x"),
        (r"_2", "₂"),
        ("\\", "\\"),
        (r"\unknowncommand", "unknowncommand"),
        (r"\foo{x} + 1", "foo(x) + 1"),
        (r"\aleph \propto y", "ℵ ∝ y"),  # from pylatexenc's symbol table
        (r"\begin{aligned} a &= b \\ c &= d \end{aligned}", "a = b\nc = d"),
        (r"x % a comment", "x"),
        (r"\left. \frac{df}{dx} \right|_{x=0}", "df/dx|ₓ₌₀"),
    ],
)
def test_edge_cases_degrade_gracefully(source: str, expected: str) -> None:
    assert math_to_unicode(source) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("price $5 and $10", "price $5 and $10"),
        ("it costs $5", "it costs $5"),
        (r"cost \$5 and $x^2$", "cost $5 and x²"),
        (r"$$\frac{a}{b}$$ and \(\alpha\) \[\beta\]", "a/b and α β"),
        ("$ x $ stays", "$ x $ stays"),
        ("no math here", "no math here"),
        (r"\(\mathbb{R}\) plus $$x$$", "ℝ plus x"),
    ],
)
def test_latex_to_unicode_finds_delimited_math(text: str, expected: str) -> None:
    assert latex_to_unicode(text) == expected


def test_dollars_can_be_left_alone_for_anki_html() -> None:
    assert latex_to_unicode(r"$x^2$ and \(x^2\) \$", dollars=False) == r"$x^2$ and x² \$"


_PIECES = [
    *"ab12{}[]()^_\\$ &|'=+-",
    "\\frac",
    "\\sqrt",
    "\\left",
    "\\right",
    "\\begin{pmatrix}",
    "\\end{cases}",
    "\\text{",
    "\\mathbb",
    "\\(",
    "\\)",
]
_LATEXISH = st.lists(st.sampled_from(_PIECES), max_size=30).map("".join)


@given(_LATEXISH)
def test_never_raises_on_arbitrary_input(source: str) -> None:
    assert isinstance(math_to_unicode(source), str)
    assert isinstance(latex_to_unicode(source), str)


def test_pathological_nesting_does_not_crash() -> None:
    deep = "{" * 5000 + "x" + "}" * 5000
    assert math_to_unicode(deep) in ("x", deep)
    assert math_to_unicode("\\frac{" * 3000) is not None
