"""Backup and restore as README "Backup and restore" says: `pg_dump -Fc` of a database with
content, `pg_restore` into a new database, and an app on the restored database serves the same
pages, keeps its queued mail and rebuilds its search index. PostgreSQL only."""

from __future__ import annotations

import os
import shutil
import subprocess
import uuid

import pytest
from sqlalchemy import func, select
from sqlalchemy.engine import make_url

from community import create_app
from community.auth.models import Role, User
from community.casebook import services as casebook
from community.config import TestConfig
from community.db import utcnow
from community.extensions import db
from community.mailqueue.models import MailStatus, OutgoingMail
from community.search.models import SearchEntry
from tests import qa_helpers
from tests.conftest import login

TOOLS = ("pg_dump", "pg_restore", "createdb", "dropdb")
CASE_SLUG = "backup-bridge-register"
CASE_TITLE = "橋梁台帳の電子化と点検記録の一元管理"
TITLE = "バックアップから戻した質問の題名です"
ANSWER = "復元したデータベースでも読める回答です。"
SEARCH_TERM = "台帳"
QUEUED = "<backup-test@kakehashi.example.jp>"


@pytest.fixture
def pg(db_url):
    """Connection options for the PostgreSQL tools, from the test database's URL."""
    if not db_url.startswith("postgresql"):
        pytest.skip("backup and restore are PostgreSQL's (KAKEHASHI_TEST_DB=postgresql://…)")
    missing = [tool for tool in TOOLS if shutil.which(tool) is None]
    if missing:
        pytest.skip(f"missing PostgreSQL client tools: {', '.join(missing)}")
    url = make_url(db_url)
    env = {**os.environ}
    if url.password:
        env["PGPASSWORD"] = url.password
    args = ["-h", url.host or "127.0.0.1", "-p", str(url.port or 5432)]
    if url.username:
        args += ["-U", url.username]
    return url, args, env


@pytest.fixture
def content(app, make_user):
    """A question with an answer, a published case and a mail still queued, through services."""
    asker = make_user(username="asker")
    helper = make_user(username="helper")
    editor = make_user(username="edi", role=Role.EDITOR)
    with app.app_context():
        question = qa_helpers.ask(asker.id, title=TITLE)
        qa_helpers.answer(helper.id, question, body=ANSWER)
        casebook.save_case(
            db.session.get(User, editor.id),
            None,
            casebook.CaseInput(
                slug=CASE_SLUG,
                title=CASE_TITLE,
                summary_points="台帳を一つにした",
                overview="紙の橋梁台帳を電子化し、点検記録を一つの台帳にまとめた。",
                direction="outside",
                status="published",
            ),
        )
        db.session.commit()  # the answer's mail to the asker is sent at this commit
        # A row as the outbox holds it between the commit and the worker's pass.
        db.session.add(
            OutgoingMail(
                sender="no-reply@kakehashi.example.jp",
                recipient="asker@example.com",
                subject="回答がつきました",
                body="本文",
                message_id=QUEUED,
                status=MailStatus.QUEUED,
                attempts=0,
                next_attempt_at=utcnow(),
            )
        )
        db.session.commit()
        return question.id


def test_dump_and_restore_serve_the_same_content(app, pg, content, tmp_path):
    url, conn, env = pg
    qid = content
    dump = tmp_path / "kakehashi.dump"
    original = app.test_client()
    login(original, "asker")
    question_page = original.get(f"/questions/{qid}").text
    assert TITLE in question_page and ANSWER in question_page

    subprocess.run(["pg_dump", *conn, "-Fc", "-f", str(dump), url.database], env=env, check=True)
    restored_name = f"{url.database}_restore_{uuid.uuid4().hex[:8]}"
    subprocess.run(["createdb", *conn, restored_name], env=env, check=True)
    restored = None
    try:
        subprocess.run(
            ["pg_restore", *conn, "--no-owner", "--no-privileges", "-d", restored_name, str(dump)],
            env=env,
            check=True,
        )
        restored = create_app(
            TestConfig,
            SQLALCHEMY_DATABASE_URI=url.set(database=restored_name).render_as_string(
                hide_password=False
            ),
            MAIL_URL=None,
        )
        client = restored.test_client()
        assert login(client, "asker").status_code == 302, "accounts and passwords came back"
        page = client.get(f"/questions/{qid}")
        assert page.status_code == 200
        assert TITLE in page.text and ANSWER in page.text
        case_page = client.get(f"/cases/{CASE_SLUG}")
        assert case_page.status_code == 200
        assert CASE_TITLE in case_page.text

        with restored.app_context():
            mail = db.session.scalar(select(OutgoingMail).where(OutgoingMail.message_id == QUEUED))
            assert mail.status == MailStatus.QUEUED, "queued before the dump, queued after"
            assert db.session.scalar(
                select(func.count()).where(OutgoingMail.status == MailStatus.SENT)
            ), "the answer's mail, sent before the dump, is recorded as sent"

            # The index is derived data: empty it and rebuild it with the command.
            db.session.execute(SearchEntry.__table__.delete())
            db.session.commit()
        assert CASE_TITLE not in client.get("/search", query_string={"q": SEARCH_TERM}).text
        result = restored.test_cli_runner().invoke(args=["search", "reindex"])
        assert result.exit_code == 0, result.output
        assert "search index rebuilt" in result.output
        with restored.app_context():
            assert db.session.scalar(select(func.count()).select_from(SearchEntry)) > 0
        found = client.get("/search", query_string={"q": SEARCH_TERM, "type": "case"})
        assert found.status_code == 200
        assert CASE_TITLE in found.text
        assert TITLE in client.get("/search", query_string={"q": "バックアップ"}).text
    finally:
        if restored is not None:
            with restored.app_context():
                db.session.remove()
                db.engine.dispose()
        subprocess.run(["dropdb", *conn, "--force", restored_name], env=env, check=True)
