"""Provides block LaTeX formulas rendered to cached PNG files with matplotlib's mathtext (no TeX,
no subprocess), for terminals that can draw images; ``None`` means "show the Unicode text"."""

from __future__ import annotations

import hashlib
import io
import os
import re
from pathlib import Path

CACHE_ENV = "SRS_MATH_CACHE"
MAX_SOURCE = 1000  # longer formulas are not worth an image (and bound the work per card)
FONT_SIZE = 15.0  # points
DPI = 100.0
_VERSION = "1"  # bump when the rendering changes, so old cache files are not reused
_HEX_RE = re.compile(r"#[0-9a-fA-F]{6}")
# Things mathtext cannot lay out (environments, alignment, line breaks, TeX primitives), so
# the Unicode text is the better view; mathtext itself rejects unknown commands.
_UNSUPPORTED_RE = re.compile(r"\\begin|\\end|\\\\|&|\\tag|\\label|\\def|\\newcommand|\\input")

_failed: set[str] = set()  # cache keys that did not render in this process
renders = 0  # how many formulas were rendered (not served from the cache), for tests


def cache_dir() -> Path:
    """The folder for rendered formulas: ``$SRS_MATH_CACHE`` or the user cache's ``math``."""
    override = os.environ.get(CACHE_ENV)
    if override:
        return Path(override)
    from platformdirs import user_cache_path

    return user_cache_path("srs") / "math"


def _clean(latex: str) -> str | None:
    """The formula on one line, or None if mathtext should not be asked to draw it."""
    text = " ".join(latex.split())
    if not text or len(text) > MAX_SOURCE or "$" in text or _UNSUPPORTED_RE.search(text):
        return None
    return text


def _key(text: str, color: str, size: float) -> str:
    material = "\x00".join((_VERSION, text, color.lower(), repr(size), repr(DPI)))
    return hashlib.sha1(material.encode("utf-8")).hexdigest()


def warm_up() -> None:
    """Import matplotlib's drawing modules ahead of the first formula (run in a worker): the
    first import takes most of a second, which would otherwise freeze that card."""
    import matplotlib.backends.backend_agg  # noqa: F401
    import matplotlib.mathtext  # noqa: F401


def _render(text: str, color: str, size: float) -> bytes:
    """PNG bytes of ``text`` drawn in ``color`` on a transparent background (may raise)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from matplotlib.font_manager import FontProperties
    from matplotlib.mathtext import MathTextParser

    expr = f"${text}$"
    prop = FontProperties(size=size, math_fontfamily="cm")
    width, height, depth, _, _ = MathTextParser("path").parse(expr, dpi=72, prop=prop)
    if width <= 0 or height <= 0:
        raise ValueError("empty formula")
    figure = Figure(figsize=(width / 72.0, height / 72.0))
    FigureCanvasAgg(figure)
    figure.text(0, depth / height, expr, fontproperties=prop, color=color)
    out = io.BytesIO()
    figure.savefig(out, dpi=DPI, format="png", transparent=True)
    return out.getvalue()


def formula_png(
    latex: str, *, color: str, size: float = FONT_SIZE, folder: Path | None = None
) -> Path | None:
    """The PNG of one block formula, rendered once and then served from the cache.

    Args:
        latex: the formula without its delimiters (``\\[..\\]`` or ``$$..$$``).
        color: the foreground colour as ``#rrggbb`` (the background stays transparent).
        size: the font size in points.
        folder: the cache folder (default :func:`cache_dir`).

    Returns:
        The cached file, or None when mathtext cannot draw the formula (unsupported command,
        parse error, unusable colour, cache not writable): the caller shows the Unicode text.
    """
    global renders
    text = _clean(latex)
    if text is None or not _HEX_RE.fullmatch(color):
        return None
    key = _key(text, color, size)
    if key in _failed:
        return None
    root = folder if folder is not None else cache_dir()
    target = root / f"{key}.png"
    if target.is_file():
        return target
    try:
        data = _render(text, color, size)
    except Exception:  # noqa: BLE001 - mathtext raises ValueError, ParseFatalException, ...
        _failed.add(key)
        return None
    renders += 1
    try:
        root.mkdir(parents=True, exist_ok=True)
        partial = target.with_name(f"{key}.{os.getpid()}.tmp")
        partial.write_bytes(data)
        partial.replace(target)
    except OSError:
        _failed.add(key)
        return None
    return target
