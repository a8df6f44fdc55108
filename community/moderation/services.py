"""Moderation rules: flags, the review queue, actions on posts and people, and the audit log.

The rules live in the modules beside this one; this module gathers their public names.
"""

# Other packages, routes and tests call `services.flag(...)`, `services.resolve(...)` and so on;
# re-exporting keeps that one import path stable while the code lives in smaller modules.
from community.moderation.actions import ACTIONS, edit_post, move_question, resolve, set_hidden
from community.moderation.audit_log import audit, audit_query
from community.moderation.flags import LINK_RE, flag, hold_if_needed, my_flags
from community.moderation.people import (
    lift_suspension,
    remove_from_circle,
    suspend,
    trust_level,
)
from community.moderation.review_queue import (
    QueueItem,
    claim,
    moderated_circle_ids,
    moderates_any_column,
    queue,
    remember_is_moderator,
)
from community.moderation.targets import (
    HELD,
    MODELS,
    can_moderate_target,
    load_target,
    require_moderation,
)

__all__ = [
    "ACTIONS",
    "HELD",
    "LINK_RE",
    "MODELS",
    "QueueItem",
    "audit",
    "audit_query",
    "can_moderate_target",
    "claim",
    "edit_post",
    "flag",
    "hold_if_needed",
    "lift_suspension",
    "load_target",
    "moderated_circle_ids",
    "moderates_any_column",
    "remember_is_moderator",
    "move_question",
    "my_flags",
    "queue",
    "remove_from_circle",
    "require_moderation",
    "resolve",
    "set_hidden",
    "suspend",
    "trust_level",
]
