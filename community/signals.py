"""Domain events: what happened in one feature, for the features that react to it.

A feature that acts sends an event here; features that react subscribe in a `subscribers.py`
of their own package, imported (and so connected, once per process) by that package's
`__init__`. The acting feature never imports the reacting ones: questions sends
`answer_posted` and does not know that notifications, live pushes and the casebook listen.

Delivery, the one rule for every event below
--------------------------------------------
Every event is sent synchronously with blinker's `send`, inside the caller's database
transaction, so what a subscriber writes commits or rolls back together with the change:

- Database writes happen in the subscriber itself and are atomic with the change: the
  moderation hold (`hidden_at`, audit row, moderators' notices), case links and citations,
  notification rows, mail written to the outbox, search-index dirty marks.
- Input/output is never done inside the transaction. A subscriber that causes I/O only queues
  it, and it leaves after commit:
  * live pushes go through `notifications.live.queue`: held per request in `g`, emitted by the
    request edge (`web.finish_transaction`) after `commit`, dropped on rollback;
  * mail goes to the outbox table (`mail.queue`); the worker sends it once the row is
    committed;
  * the search index rows are written by SQLAlchemy session events (`search.index`) in the
    same transaction; events only mark rows the ORM cannot see (bulk DELETE).
- Order between events is the order of `send` calls; order between the subscribers of one
  event is not defined, so each event's subscribers must be independent of each other. What
  must be decided before others hear (a hold) is its own event sent first: `post_written`.

Subscribers are module-level functions connected with `weak=False` at import: connecting the
same function again (tests make many apps) is a no-op for blinker.
"""

from __future__ import annotations

from blinker import Namespace

_events = Namespace()

post_written = _events.signal(
    "post-written",
    doc="""The body of a question or an answer was written (asked, answered or edited).

    Sender: the Question or Answer. Keywords: `author` (User), `body` (Markdown), `question`,
    `answer` (the Answer, or None for a question), `circle_id`.
    Sent by questions.services before any of the events that tell people, so that a hold is
    decided before the post is visible or announced. Subscribers: moderation (hold a new
    member's post with outside links), casebook (link `#case:` mentions).""",
)

question_asked = _events.signal(
    "question-asked",
    doc="""A question was posted (after `post_written`, so `hidden_at` tells a held one).

    Sender: the Question. Keywords: `author`. Subscribers: notifications (mentions, circle
    watchers, live push to the circle's open pages).""",
)

question_edited = _events.signal(
    "question-edited",
    doc="""The author edited a question (after `post_written`). Sender: the Question.
    Keywords: `actor`. No subscriber yet (the search index follows via session events).""",
)

question_deleted = _events.signal(
    "question-deleted",
    doc="""The author deleted a question with a bulk DELETE (ORM events do not see it).

    Sender: the question's id (int). Subscribers: search (mark the document for removal).""",
)

answer_posted = _events.signal(
    "answer-posted",
    doc="""An answer was posted (after `post_written`).

    Sender: the Answer. Keywords: `author`, `question`. Subscribers: notifications
    (followers, mentions, live push to the question's open pages).""",
)

answer_edited = _events.signal(
    "answer-edited",
    doc="""The author edited an answer (after `post_written`). Sender: the Answer.
    Keywords: `actor`, `question`. No subscriber yet.""",
)

answer_accepted = _events.signal(
    "answer-accepted",
    doc="""The asker accepted an answer (not sent when the acceptance is withdrawn).

    Sender: the Question. Keywords: `actor`, `answer`. Subscribers: notifications (tell the
    answer's author).""",
)

comment_posted = _events.signal(
    "comment-posted",
    doc="""A comment was posted under a question or an answer.

    Sender: the Comment. Keywords: `author`, `question`, `answer` (or None). Subscribers:
    notifications (the post's author, mentions, live push).""",
)

answer_requested = _events.signal(
    "answer-requested",
    doc="""A member invited someone to answer a question.

    Sender: the QuestionInvite. Keywords: `inviter`, `invitee` (User), `question`.
    Subscribers: notifications (tell the invitee).""",
)

review_requested = _events.signal(
    "review-requested",
    doc="""An item waits for a moderator: a member flagged it, or a new member's post was held.

    Sender: the item (post, case link or profile). Keywords: `kind` (moderation TargetType),
    `circle` (or None), `reason` (FlagReason, or None for a hold), `reporter` (or None).
    Sent by moderation.flags (flag, hold_if_needed). Subscribers: notifications (each
    moderator of the circle, admins; only admins for profiles).""",
)

post_hidden = _events.signal(
    "post-hidden",
    doc="""A post was hidden: by a moderator, or `automatic`ally by members' flags (not sent for
    the hold of a new member's post, which its author sees on the page).

    Sender: the post. Keywords: `kind`, `actor` (None when automatic), `reason`, `automatic`.
    Sent by moderation (actions.resolve, flags.flag). Subscribers: notifications (tell the
    author).""",
)

post_restored = _events.signal(
    "post-restored",
    doc="""A moderator showed a hidden post again. Sender: the post. Keywords: `kind`, `actor`,
    `reason`. Sent by moderation.actions.resolve. Subscribers: notifications (tell the
    author).""",
)

post_redacted = _events.signal(
    "post-redacted",
    doc="""A moderator edited out part of a post, which shows again. Sender: the post.
    Keywords: `kind`, `actor`, `reason`. Sent by moderation.actions.resolve. Subscribers:
    notifications (tell the author).""",
)

flags_resolved = _events.signal(
    "flags-resolved",
    doc="""A moderator acted on an item and closed its open flags.

    Sender: the acting moderator (User). Keywords: `reporter_ids` (who flagged it), `action`.
    Sent by moderation.actions.resolve. Subscribers: notifications (tell each flagger).""",
)

membership_decided = _events.signal(
    "membership-decided",
    doc="""A circle moderator approved or declined a request to join.

    Sender: the Circle. Keywords: `actor`, `user_id` (who asked), `approved` (bool). Sent by
    circles.services.decide_request. Subscribers: notifications (tell the requester).""",
)

booking_changed = _events.signal(
    "booking-changed",
    doc="""An office-hours booking was made, confirmed, moved, declined or cancelled.

    Sender: the Booking. Keywords: `actor` (User), `change` ("booked", "confirmed",
    "declined", "moved" or "cancelled"). Sent by office_hours (services: book, cancel,
    reschedule; lifecycle.decide) after the change is flushed. Subscribers:
    office_hours.subscribers (notices.py: in-app notices and mail rows in the outbox).""",
)

user_suspended = _events.signal(
    "user-suspended",
    doc="""An administrator or a moderator suspended a member, or lifted a suspension.

    Sender: the User suspended. Keywords: `actor` (User), `suspended` (bool), `reason`. Sent by
    moderation.people.suspend and lift_suspension after the audit entry is written (a moderator's
    "suspend" decision on a flagged item goes through suspend). No subscriber yet: the member
    learns of it when posting is refused with the end date and the reason.""",
)

case_suggested = _events.signal(
    "case-suggested",
    doc="""A member suggested a case through the short form (casebook.suggestions.suggest).

    Sender: the CaseSuggestion. Keywords: `author` (User). Subscribers: notifications (tell
    every editor, so that the queue does not wait unseen).""",
)

case_suggestion_decided = _events.signal(
    "case-suggestion-decided",
    doc="""An editor turned a member's suggestion into a case or declined it.

    Sender: the CaseSuggestion. Keywords: `actor` (User), `accepted` (bool), `reason` (the
    decline reason, "" when accepted). Sent by casebook.suggestions (accept, decline).
    Subscribers: notifications (tell the member who suggested it).""",
)
