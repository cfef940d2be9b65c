#!/usr/bin/env python3
"""Time the slowest Markdown texts within the limits of markup.py (README: "What the generator refuses").

    python bench/markdown_limits.py              # every shape, slowest first
    python bench/markdown_limits.py --top 10 --lang es

Each shape is one piece of Markdown syntax ("[", "<a>", "\\n- ", "# a\\n"…) repeated
into a text of MAX_CHARACTERS, with a blank line before every MAX_BLOCK_LINES lines,
so that the text passes the limits (or is refused, as deeply nested quotes are). It is
converted once by the renderer a build uses; the time of each conversion is printed,
slowest first. Texts of ordinary prose at the same size are timed too, for comparison.
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from echosite.render.markup import MAX_BLOCK_LINES, MAX_CHARACTERS, Renderer, TooComplex  # noqa: E402

SHAPES = [
    *"[]()<>*_`!&\\#{}:|\"'-=~^+.%$@",
    "[a](b) ", "![", "[]", "[a]", "](", "[a](", "[a](<", '[a]("', '[a]("((', "[a][", "[a]: b\n", "[^",
    "*a ", "_a ", "*a _b ", "[a *b ", "**", "__", "``", "\\[",
    "<a>", "</a>", "<div>", "</div>\n", "<!--", "<<", ">>", "&amp;", "http://x ", "<http://x>", "a@b.c ",
    "\n- ", "\n* ", "\n+ ", "\n1. ", "- ", "1. ", "\n> ", "> ", "\n    ", "\n\t", "\n-\n", "\n===\n",
    "# a\n", "\n# a", "a\n: b\n", "|a|b|\n", "\n|", "|a", "x\n\n", "\n\n", "  \n", "'a' ", '"a" ', "-- ", "...",
]
PROSE = "Quality systems in the *pathology* laboratory: [the guide](guide.en.md), “quotes” and lists.\n\n"


def fill(shape: str) -> str:
    """`shape` repeated into one text within the size and block limits."""
    parts, total, lines = [], 0, 0
    while total + len(shape) + 2 < MAX_CHARACTERS:
        parts.append(shape)
        total, lines = total + len(shape), lines + shape.count("\n")
        if lines >= MAX_BLOCK_LINES - 5:
            parts.append("\n\n")
            total, lines = total + 2, 0
    return "".join(parts)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lang", default="en", help="the renderer's language (es: Spanish quotes)")
    parser.add_argument("--top", type=int, default=0, help="print only the N slowest")
    args = parser.parse_args()
    renderer = Renderer(args.lang)
    results = []
    for shape in [*SHAPES, PROSE]:
        text = fill(shape)
        started = time.perf_counter()
        try:
            renderer.convert(text)
            outcome = "converted"
        except TooComplex as exc:
            outcome = f"refused: {str(exc)[:50]}…"
        results.append((time.perf_counter() - started, "ordinary prose" if shape is PROSE else repr(shape), outcome))
    print(f"| seconds | {MAX_CHARACTERS:,} characters of | outcome |\n| ---: | --- | --- |")
    for seconds, shape, outcome in sorted(results, reverse=True)[:args.top or None]:
        print(f"| {seconds:.2f} | `{shape}` | {outcome} |")


if __name__ == "__main__":
    main()
