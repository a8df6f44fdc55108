"""「この質問に答えられそうな人」: who is suggested, why, and invitations."""

from sqlalchemy import func, select

from community.auth.models import Role, User
from community.extensions import db
from community.questions import services as qa
from community.questions.models import QuestionInvite
from community.questions.suggest import candidates
from tests import qa_helpers
from tests.conftest import login


def test_candidates_with_reasons_and_invite(client, app, make_user, mailbox):
    asker = make_user(username="asker")
    make_user(username="bridge_person", fields=["bridge"], help_topics=["inspection"])
    make_user(username="sewer_person", fields=["sewer"])
    expert = make_user(username="expert", email="expert@example.com", role=Role.ADVISER)
    with app.app_context():
        # The expert's accepted answer on a similar question counts for them.
        old = qa_helpers.ask(
            make_user(username="old_asker").id, title="橋梁点検の判定区分の付け方について"
        )
        answer = qa_helpers.answer(expert.id, old)
        qa.accept(db.session.get(User, old.author_id), old, answer)
        q = qa_helpers.ask(
            asker.id,
            title="橋梁点検の判定区分で迷っています",
            field="bridge",
            topics=["inspection"],
        )
        db.session.commit()
        qid = q.id
        found = candidates(db.session.get(User, asker.id), db.session.get(type(q), qid))
        names = [c.user.username for c in found]
        assert names[0] in ("expert", "bridge_person") and "sewer_person" not in names
        reasons = {c.user.username: c.reasons for c in found}
        assert any("1" in r for r in reasons["expert"]), reasons
        assert len(reasons["bridge_person"]) == 2  # the field and the topic
        assert "asker" not in names
    login(client, "asker")
    page = client.get(f"/questions/{qid}").get_data(as_text=True)
    assert 'id="could-answer"' in page and "/people/expert" in page
    assert client.post(f"/questions/{qid}/invite", data={"username": "expert"}).status_code == 302
    assert mailbox.to("expert@example.com")
    client.post(f"/questions/{qid}/invite", data={"username": "expert"})
    assert client.post(f"/questions/{qid}/invite", data={"username": "asker"}).status_code == 404
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(QuestionInvite)) == 1


def test_no_suggestions_once_answered(client, app, make_user):
    asker = make_user(username="asker")
    make_user(username="bridge_person", fields=["bridge"])
    helper = make_user(username="helper")
    with app.app_context():
        q = qa_helpers.ask(asker.id, field="bridge")
        qa_helpers.answer(helper.id, q)
        db.session.commit()
        qid = q.id
    login(client, "asker")
    assert 'id="could-answer"' not in client.get(f"/questions/{qid}").get_data(as_text=True)
    assert (
        client.post(f"/questions/{qid}/invite", data={"username": "bridge_person"}).status_code
        == 409
    )
