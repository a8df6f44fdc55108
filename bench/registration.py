"""Benchmark: does registering reveal whether an address has an account? (SQLite)

Registers with new addresses and with one that already has an account, interleaved, with the
production password hash (scrypt) and mail written to the log (no SMTP), and prints the p50
and p95 of each and their ratio. Run with `python -m bench.registration [rounds]`.
"""

from __future__ import annotations

import logging
import statistics
import sys
import tempfile
import time
from pathlib import Path

from community import create_app
from community.config import TestConfig
from community.extensions import db
from community.reference.loader import load_reference

FORM = {
    "display_name": "佐藤 葉子",
    "password": "long enough password",
    "password_confirm": "long enough password",
}


def main(rounds: int = 40) -> None:
    from tests.factories import make_user

    with tempfile.TemporaryDirectory() as tmp:
        app = create_app(
            TestConfig,
            SQLALCHEMY_DATABASE_URI=f"sqlite:///{Path(tmp) / 'b.db'}",
            PASSWORD_HASH_METHOD="scrypt",  # noqa: S106 - a hash method, not a password
            MAIL_URL=None,
        )
        app.logger.setLevel(logging.WARNING)  # mail goes to the log: keep the output short
        with app.app_context():
            db.create_all()
            load_reference()
            make_user(username="taken", email="taken@example.com")
            db.session.commit()
        client = app.test_client()
        times: dict[str, list[float]] = {"new": [], "known": []}
        for i in range(rounds + 2):
            for kind, email in (("new", f"new{i}@example.com"), ("known", "taken@example.com")):
                data = {**FORM, "email": email, "username": f"u{i}_{kind}"}
                start = time.perf_counter()
                assert client.post("/auth/register", data=data).status_code == 200
                if i >= 2:  # the first rounds warm up
                    times[kind].append((time.perf_counter() - start) * 1000)
        stats = {}
        for kind, values in times.items():
            values.sort()
            stats[kind] = (statistics.median(values), values[int(len(values) * 0.95) - 1])
            p50, p95 = stats[kind]
            print(f"register, {kind:5} address: p50 {p50:6.1f} ms  p95 {p95:6.1f} ms")
        print(f"known/new p50 ratio: {stats['known'][0] / stats['new'][0]:.2f}")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 40)
