"""Bare Flask serving saved pages, the baseline of `bench/question_ratio.py`.

`/visitor` and `/member` answer the bytes of `$BENCH_HTML_DIR/visitor.html` and `member.html`,
read once at start, as text/html: what a framework with no work of its own per request costs.
"""

from __future__ import annotations

import os
from pathlib import Path

from flask import Flask, Response

app = Flask(__name__)
_DIR = Path(os.environ.get("BENCH_HTML_DIR", "."))
_PAGES = {
    name: (_DIR / f"{name}.html").read_bytes() if (_DIR / f"{name}.html").exists() else b""
    for name in ("visitor", "member")
}


@app.get("/healthz")
def healthz() -> str:
    return "ok"


@app.get("/<any(visitor, member):name>")
def page(name: str) -> Response:
    return Response(_PAGES[name], mimetype="text/html")
