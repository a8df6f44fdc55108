"""Profile rules: editing, who sees whom, the directory query, own data and deletion."""

from __future__ import annotations

from dataclasses import dataclass
from dataclasses import field as dc_field

from flask_babel import gettext as _
from sqlalchemy import Select, and_, case, exists, func, literal, or_, select, update
from sqlalchemy.orm import selectinload

from community import markdown, policy
from community.auth.models import DISPLAY_NAME_MAX, Role, User
from community.casebook.models import CaseSuggestion
from community.db import utcnow
from community.errors import PermissionDenied, ValidationFailed
from community.extensions import db
from community.profiles.models import (
    BIO_MAX,
    Profile,
    Visibility,
    profile_fields,
    profile_help_topics,
)
from community.questions.models import Answer, Comment, Question
from community.reference.models import Field, Municipality, PopulationBand, Prefecture, Topic
from community.reference.municipalities import to_katakana
from community.search import services as search_services  # a module: search may be half-loaded here
from community.search import variants
from community.text import like_pattern


def ensure_profile(user: User) -> Profile:
    """Every account has exactly one profile row."""
    if user.profile is None:
        user.profile = Profile()
        db.session.flush()
    return user.profile


def codes_to_rows(model, codes, label: str):
    """The reference rows (fields, topics) for `codes`, in their list order; an unknown code is
    an error on the form field `label`."""
    codes = list(dict.fromkeys(codes or []))
    if not codes:
        return []
    rows = list(db.session.scalars(select(model).where(model.code.in_(codes))))
    if len(rows) != len(codes):
        raise ValidationFailed.for_field(label, _("Unknown choice."))
    return sorted(rows, key=lambda r: r.position)


def update_profile(actor: User, user: User, data: dict) -> Profile:
    """Apply the profile form; only the owner edits their profile."""
    if actor.id != user.id:
        raise PermissionDenied(_("You can only edit your own profile."))
    profile = ensure_profile(user)
    display_name = (data.get("display_name") or "").strip()
    if not display_name:
        raise ValidationFailed.for_field("display_name", _("Enter a display name."))
    user.display_name = display_name[:DISPLAY_NAME_MAX]
    for name in ("organisation", "department", "job_title", "qualifications"):
        setattr(profile, name, (data.get(name) or "").strip())
    pref = data.get("prefecture") or None
    if pref and db.session.get(Prefecture, pref) is None:
        raise ValidationFailed.for_field("prefecture", _("Unknown choice."))
    profile.prefecture_code = pref
    band = data.get("population_band") or None
    if band and db.session.get(PopulationBand, band) is None:
        raise ValidationFailed.for_field("population_band", _("Unknown choice."))
    profile.population_band_code = band
    years = data.get("years_experience")
    if years is not None and not 0 <= years <= 60:
        raise ValidationFailed.for_field("years_experience", _("Enter a number from 0 to 60."))
    profile.years_experience = years
    profile.fields = codes_to_rows(Field, data.get("fields"), "fields")
    profile.help_topics = codes_to_rows(Topic, data.get("help_topics"), "help_topics")
    profile.learn_topics = codes_to_rows(Topic, data.get("learn_topics"), "learn_topics")
    set_bio(profile, data.get("bio") or "")
    try:
        profile.visibility = Visibility(data.get("visibility") or Visibility.MEMBERS)
    except ValueError as exc:
        raise ValidationFailed.for_field("visibility", _("Unknown choice.")) from exc
    profile.updated_at = utcnow()
    db.session.flush()
    return profile


def set_bio(profile: Profile, source: str) -> None:
    """Store the Markdown and its sanitised rendering together."""
    if len(source) > BIO_MAX:
        msg = _("Use at most %(n)d characters.", n=BIO_MAX)
        raise ValidationFailed.for_field("bio", msg)
    markdown.store(profile, "bio", source)


# --- visibility -----------------------------------------------------------------------------


def profile_for(viewer, username: str) -> User | None:
    """Load a profile page's user with everything it shows in one query, or None."""
    user = db.session.scalar(
        select(User)
        .where(User.username == username, User.deleted_at.is_(None))
        .options(
            selectinload(User.profile).selectinload(Profile.fields),
            selectinload(User.profile).selectinload(Profile.help_topics),
            selectinload(User.profile).selectinload(Profile.learn_topics),
            selectinload(User.profile).joinedload(Profile.prefecture),
            selectinload(User.profile).joinedload(Profile.population_band),
            # Its prefecture and region come joined with it (lazy="joined" on the models).
            selectinload(User.profile).joinedload(Profile.municipality),
        )
    )
    if user is None or not policy.can_see_profile(viewer, user):
        return None
    return user


# --- directory ------------------------------------------------------------------------------


@dataclass
class DirectoryFilters:
    q: str = ""
    field: str = ""
    prefecture: str = ""
    region: str = ""
    band: str = ""
    topic: str = ""
    adviser: bool = False
    verified: bool = False
    terms: list[str] = dc_field(default_factory=list)

    def __post_init__(self):
        self.q = (self.q or "").strip()[:100]
        self.terms = [t for t in self.q.split() if t][:5]

    @property
    def active(self) -> bool:
        return bool(
            self.q
            or self.field
            or self.prefecture
            or self.region
            or self.band
            or self.topic
            or self.adviser
            or self.verified
        )


def _like(term: str) -> str:
    return like_pattern(term.lower())


def filtered(viewer, f: DirectoryFilters, vocab=None) -> Select:
    """People the viewer may see who pass the filters, unordered."""
    stmt = select(User).join(Profile, Profile.user_id == User.id).where(User.deleted_at.is_(None))
    stmt = stmt.where(policy.visible_profiles_clause(viewer))
    if f.field:
        stmt = stmt.where(
            exists().where(
                and_(
                    profile_fields.c.profile_id == Profile.user_id,
                    profile_fields.c.field_code == f.field,
                )
            )
        )
    if f.topic:
        stmt = stmt.where(
            exists().where(
                and_(
                    profile_help_topics.c.profile_id == Profile.user_id,
                    profile_help_topics.c.topic_code == f.topic,
                )
            )
        )
    if f.prefecture:
        stmt = stmt.where(Profile.prefecture_code == f.prefecture)
    if f.region:
        stmt = stmt.where(
            Profile.prefecture_code.in_(
                select(Prefecture.code).where(Prefecture.region_code == f.region)
            )
        )
    if f.band:
        stmt = stmt.where(Profile.population_band_code == f.band)
    if f.adviser:
        stmt = stmt.where(User.role == Role.ADVISER)
    if f.verified:
        stmt = stmt.where(User.verified_staff.is_(True))
    if f.q:
        # The free text goes through the full-text index (width and spelling variants, 1–2
        # character words), which holds the names of the person's fields and topics too; a long
        # word also matches its parts anywhere in the profile (橋梁点検: field 橋梁, topic
        # 定期点検). The LIKE scores below only order the matches: name, organisation, bio.

        found = search_services.matching_ref_ids(
            "person", f.q, split=(lambda t: variants.segment(t, vocab)) if vocab else None
        )
        if found is not None:
            stmt = stmt.where(User.id.in_(found))
    return stmt


def directory_query(viewer, f: DirectoryFilters, vocab=None) -> Select:
    """People the viewer may see, filtered, by relevance then recent activity. `vocab`
    (search.variants.vocabulary) lets long free-text words match by their parts."""
    stmt = filtered(viewer, f, vocab)
    score = literal(0)
    for term in f.terms:
        pattern = _like(term)
        in_name = or_(
            func.lower(User.display_name).like(pattern, escape="\\"),
            func.lower(User.username).like(pattern, escape="\\"),
        )
        # The organisation ranks by the text typed and by the municipality picked (whose
        # name the text may not hold, e.g. after a merger moved the member to its successor).
        in_org = or_(
            func.lower(Profile.organisation).like(pattern, escape="\\"),
            Profile.municipality_code.in_(
                select(Municipality.code).where(
                    or_(
                        Municipality.name.like(pattern, escape="\\"),
                        Municipality.kana.like(like_pattern(to_katakana(term)), escape="\\"),
                    )
                )
            ),
        )
        in_bio = func.lower(Profile.bio_md).like(pattern, escape="\\")
        # Name matches rank above organisation matches, which rank above bio mentions.
        score = (
            score
            + case((in_name, 3), else_=0)
            + case((in_org, 2), else_=0)
            + case((in_bio, 1), else_=0)
        )
    order = [User.last_seen_at.desc(), User.id.desc()]
    if f.terms:
        order.insert(0, score.desc())
    return stmt.order_by(*order).options(
        selectinload(User.profile).selectinload(Profile.fields),
        selectinload(User.profile).selectinload(Profile.help_topics),
        selectinload(User.profile).joinedload(Profile.prefecture),
        selectinload(User.profile).joinedload(Profile.population_band),
        selectinload(User.profile).joinedload(Profile.municipality),
    )


def search_directory(viewer, f: DirectoryFilters, page: int, per_page: int, vocab=None):
    """One page of the directory (a fixed number of queries whatever the page holds)."""
    return db.paginate(
        directory_query(viewer, f, vocab), page=page, per_page=per_page, error_out=False
    )


# --- own data -------------------------------------------------------------------------------


def export_data(user: User) -> dict:
    """Everything Kakehashi holds about the user, as JSON-ready data."""
    p = ensure_profile(user)
    return {
        "format": "kakehashi-export/1",
        "exported_at": utcnow().isoformat(),
        "account": {
            "username": user.username,
            "email": user.email,
            "display_name": user.display_name,
            "role": user.role.value,
            "locale": user.locale,
            "email_confirmed_at": user.email_confirmed_at.isoformat()
            if user.email_confirmed_at
            else None,
            "verified_staff": user.verified_staff,
            "created_at": user.created_at.isoformat(),
            "last_seen_at": user.last_seen_at.isoformat(),
        },
        "profile": {
            "organisation": p.organisation,
            "organisation_kind": p.organisation_kind.value if p.organisation_kind else None,
            "municipality": p.municipality_code,
            "technical_staff": p.technical_staff,
            "prefecture": p.prefecture_code,
            "population_band": p.population_band_code,
            "department": p.department,
            "job_title": p.job_title,
            "years_experience": p.years_experience,
            "fields": [f.code for f in p.fields],
            "help_topics": [t.code for t in p.help_topics],
            "learn_topics": [t.code for t in p.learn_topics],
            "qualifications": p.qualifications,
            "bio": p.bio_md,
            "visibility": p.visibility.value,
        },
        "posts": _own_posts(user),
    }


def _own_posts(user: User) -> dict[str, list[dict]]:
    """The user's questions, answers and comments (their own words, in Markdown)."""

    questions = db.session.scalars(
        select(Question).where(Question.author_id == user.id).order_by(Question.id)
    )
    answers = db.session.scalars(
        select(Answer).where(Answer.author_id == user.id).order_by(Answer.id)
    )
    comments = db.session.scalars(
        select(Comment).where(Comment.author_id == user.id).order_by(Comment.id)
    )
    return {
        "questions": [
            {
                "id": q.id,
                "title": q.title,
                "body": q.body_md,
                "created_at": q.created_at.isoformat(),
            }
            for q in questions
        ],
        "answers": [
            {
                "id": a.id,
                "question_id": a.question_id,
                "body": a.body_md,
                "created_at": a.created_at.isoformat(),
            }
            for a in answers
        ],
        "comments": [
            {
                "id": c.id,
                "question_id": c.thread_id,
                "body": c.body,
                "created_at": c.created_at.isoformat(),
            }
            for c in comments
        ],
    }


def delete_account(actor: User, user: User, password: str) -> None:
    """Erase personal fields and disable login; posts stay, shown as by a deleted member."""
    if actor.id != user.id:
        raise PermissionDenied(_("You can only delete your own account."))
    if not user.check_password(password):
        msg = _("Your current password is not correct.")
        raise ValidationFailed.for_field("password", msg)
    if user.role == Role.ADMIN:
        others = db.session.scalar(
            select(func.count()).where(
                User.role == Role.ADMIN, User.deleted_at.is_(None), User.id != user.id
            )
        )
        if not others:
            raise ValidationFailed(_("The last administrator cannot delete their account."))
    if user.profile is not None:
        db.session.delete(user.profile)
    user.profile = None
    user.email = f"deleted-{user.id}@deleted.invalid"
    user.username = f"deleted-{user.id}"
    user.display_name = ""
    user.password_hash = "!"  # noqa: S105 - not a hash of anything, so no password matches
    user.locale = None
    user.role = Role.MEMBER
    user.verified_staff = False
    user.verified_manually = False
    user.deleted_at = utcnow()
    user.rotate_session_token()
    # What the member told only the editors about reaching them goes too; what the suggestion
    # says about the case stays for the editors (as posts stay).
    db.session.execute(
        update(CaseSuggestion)
        .where(CaseSuggestion.suggested_by_id == user.id)
        .values(contact="")
        .execution_options(synchronize_session="fetch")
    )
    db.session.flush()
