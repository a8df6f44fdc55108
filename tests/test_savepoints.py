"""Services undo only their own failed part (a savepoint), never the whole request's work."""

from __future__ import annotations

import pytest
from sqlalchemy import event, func, insert, select
from sqlalchemy.exc import IntegrityError

from community.auth import services as auth_services
from community.auth.models import Role, User
from community.circles import services as circle_services
from community.circles.models import CircleMembership, MembershipStatus
from community.db import savepoint
from community.errors import Conflict
from community.extensions import db
from community.moderation import services as mod
from community.moderation.models import Flag
from tests import qa_helpers
from tests.factories import PASSWORD, make_user


def _committed(app, statement):
    """Read through a fresh session, after the test's session committed or rolled back."""
    with app.app_context():
        return db.session.scalar(statement)


def test_a_failed_savepoint_keeps_the_transactions_earlier_work(app):
    with app.app_context():
        make_user(username="first", email="first@example.com")
        with pytest.raises(IntegrityError), savepoint(db.session):
            db.session.add(User(email="first@example.com", username="second", display_name="2"))
            db.session.flush()
        make_user(username="third")  # the session goes on after the failed part
        db.session.commit()
    with app.app_context():
        names = db.session.scalars(select(User.username).order_by(User.username)).all()
    assert names == ["first", "third"]


def test_a_savepoint_first_in_the_transaction_is_undone_by_its_rollback(app):
    """SQLite's driver would begin no transaction before a SAVEPOINT: releasing it must not
    commit, so the request edge's rollback still undoes the work."""
    with app.app_context():
        db.session.scalar(select(func.count(User.id)))  # a read only, nothing begun yet
        with savepoint(db.session):
            make_user(username="undone")
        db.session.rollback()
    assert _committed(app, select(func.count(User.id)).where(User.username == "undone")) == 0


def test_flagging_twice_is_refused_and_keeps_the_earlier_flag_and_work(app):
    with app.app_context():
        author = make_user(username="author")
        reporter = make_user(username="reporter")
        question = qa_helpers.ask(author.id)
        db.session.commit()
        mod.flag(reporter, "question", question.id, "spam")
        reporter.display_name = "Renamed in the same request"
        with pytest.raises(Conflict):
            mod.flag(reporter, "question", question.id, "spam")
        db.session.commit()
    assert _committed(app, select(func.count(Flag.id))) == 1
    renamed = _committed(app, select(User.display_name).where(User.username == "reporter"))
    assert renamed == "Renamed in the same request"


def test_a_raced_join_is_refused_and_keeps_the_requests_earlier_work(app):
    """Another request inserts the same membership between join's check and its insert."""
    with app.app_context():
        owner = make_user(username="owner", role=Role.ADMIN)
        joiner = make_user(username="joiner")
        circle = circle_services.save_circle(
            owner,
            None,
            {"slug": "bridges", "name_ja": "橋", "name_en": "Bridges", "visibility": "open"},
        )
        db.session.commit()
        circle_id, joiner_id = circle.id, joiner.id

        def other_request_first(mapper, connection, target):
            connection.execute(
                insert(CircleMembership).values(
                    circle_id=circle_id, user_id=joiner_id, status=MembershipStatus.ACTIVE
                )
            )

        joiner.display_name = "Renamed in the same request"
        event.listen(CircleMembership, "before_insert", other_request_first, once=True)
        try:
            with pytest.raises(Conflict):
                circle_services.join(joiner, circle)
        finally:
            if event.contains(CircleMembership, "before_insert", other_request_first):
                event.remove(CircleMembership, "before_insert", other_request_first)
        db.session.commit()
    renamed = _committed(app, select(User.display_name).where(User.id == joiner_id))
    assert renamed == "Renamed in the same request"


def _register(name: str):
    return auth_services.register(
        email=f"{name}@example.com", username=name, display_name=name, password=PASSWORD
    )


def test_mail_is_sent_at_the_commit_not_when_a_savepoint_ends(app, mailbox):
    with app.app_context():
        _register("one")  # queues a mail
        with pytest.raises(IntegrityError), savepoint(db.session):
            db.session.add(User(email="one@example.com", username="clash", display_name="x"))
            db.session.flush()
        _register("two")  # a released savepoint
        assert mailbox.to("one@example.com") == []
        db.session.commit()
    assert len(mailbox.to("one@example.com")) == 1
    assert len(mailbox.to("two@example.com")) == 1
