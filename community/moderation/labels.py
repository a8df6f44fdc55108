"""Words for moderation codes: flag reasons, outcomes, statuses, audit actions and fields.

Codes stay codes in the database (they are data, filtered and exported); pages show these."""

from __future__ import annotations

from datetime import datetime

from flask_babel import format_datetime, pgettext


def reasons() -> dict[str, str]:
    return {
        "spam": pgettext("moderation", "Spam"),
        "harassment": pgettext("moderation", "Harassment"),
        "off_topic": pgettext("moderation", "Off-topic"),
        "personal_info": pgettext("moderation", "Personal information (個人情報)"),
        "other": pgettext("moderation", "Other"),
    }


def outcomes() -> dict[str, str]:
    return {
        "dismiss": pgettext("moderation", "No action needed"),
        "hide": pgettext("moderation", "Hidden"),
        "restore": pgettext("moderation", "Restored"),
        "edit": pgettext("moderation", "Edited and restored by a moderator"),
        "lock": pgettext("moderation", "Locked"),
        "unlock": pgettext("moderation", "Unlocked"),
        "close": pgettext("moderation", "Closed"),
        "warn": pgettext("moderation", "Author warned"),
        "suspend": pgettext("moderation", "Author suspended"),
    }


def flag_statuses() -> dict[str, str]:
    return {
        "open": pgettext("moderation", "Open"),
        "resolved": pgettext("moderation", "Resolved"),
        "dismissed": pgettext("moderation", "Dismissed"),
    }


def actions() -> dict[str, str]:
    return {
        "edit": pgettext("moderation", "Edit"),
        "claim": pgettext("moderation", "Claim"),
        "auto_hide": pgettext("moderation", "Automatic hide"),
        "hold": pgettext("moderation", "Hold"),
        "hide": pgettext("moderation", "Hide"),
        "restore": pgettext("moderation", "Restore"),
        "dismiss": pgettext("moderation", "Dismiss"),
        "lock": pgettext("moderation", "Lock"),
        "unlock": pgettext("moderation", "Unlock"),
        "close": pgettext("moderation", "Close"),
        "warn": pgettext("moderation", "Warning"),
        "suspend": pgettext("moderation", "Suspension"),
        "lift_suspension": pgettext("moderation", "Suspension lifted"),
        "move": pgettext("moderation", "Move"),
        "ban": pgettext("moderation", "Ban from circle"),
        "remove_member": pgettext("moderation", "Removal from circle"),
        "set_role": pgettext("moderation", "Role change"),
        "set_verification": pgettext("moderation", "Verification change"),
        "add_domain": pgettext("moderation", "Domain added"),
        "remove_domain": pgettext("moderation", "Domain removed"),
        "retry_mail": pgettext("moderation", "Mail resent"),
    }


# What the system writes as the reason of its own actions (stored untranslated, as data).
def system_reasons() -> dict[str, str]:
    return {
        "personal information flagged by verified staff": pgettext(
            "moderation", "Personal information flagged by verified staff"
        ),
        "flagged by several members": pgettext("moderation", "Flagged by several members"),
        "link from a new member": pgettext("moderation", "Link from a new member"),
    }


def fields() -> dict[str, str]:
    return {
        "body": pgettext("moderation", "Text"),
        "hidden": pgettext("moderation", "Visibility"),
        "locked": pgettext("moderation", "Locked"),
        "closed": pgettext("moderation", "Closed"),
        "circle_id": pgettext("moderation", "Circle"),
        "suspended_until": pgettext("moderation", "Suspended until"),
        "status": pgettext("moderation", "Status"),
        "role": pgettext("moderation", "Role"),
        "domain": pgettext("moderation", "Domain"),
        "verified_staff": pgettext("moderation", "Verified staff"),
        "manual": pgettext("moderation", "Set by hand"),
        "attempts": pgettext("moderation", "Attempts"),
    }


def values() -> dict[str, str]:
    return {
        "off_topic": pgettext("moderation", "Off-topic"),
        "duplicate": pgettext("moderation", "Duplicate"),
        "member": pgettext("moderation", "Member"),
        "adviser": pgettext("moderation", "Adviser"),
        "editor": pgettext("moderation", "Editor"),
        "admin": pgettext("moderation", "Administrator"),
        "owner": pgettext("moderation", "Owner"),
        "moderator": pgettext("moderation", "Moderator"),
        "active": pgettext("moderation", "Active"),
        "banned": pgettext("moderation", "Banned"),
        "removed": pgettext("moderation", "Removed"),
        "queued": pgettext("moderation", "Queued"),
        "sent": pgettext("moderation", "Sent"),
        "failed": pgettext("moderation", "Failed"),
    }


def reason_label(reason) -> str:
    value = getattr(reason, "value", reason)
    return reasons().get(value, value)


def action_label(action: str) -> str:
    return actions().get(action, action)


def audit_reason(reason: str) -> str:
    return system_reasons().get(reason, reason)


def _value(field: str, value, circles: dict[int, str]) -> str:
    if value is None or value == "":
        return "—"
    if field == "hidden":
        return pgettext("moderation", "Hidden") if value else pgettext("moderation", "Visible")
    if isinstance(value, bool):
        return pgettext("moderation", "Yes") if value else pgettext("moderation", "No")
    if field == "circle_id":
        return (
            circles.get(value, f"#{value}") if value else pgettext("moderation", "The open square")
        )
    if field == "suspended_until" and isinstance(value, str):
        try:
            return format_datetime(datetime.fromisoformat(value), "yyyy/MM/dd HH:mm")
        except ValueError:
            return value
    return values().get(value, value) if isinstance(value, str) else str(value)


def audit_changes(entry, circles: dict[int, str]) -> list[tuple[str, str, str]]:
    """(field, before, after) rows in words, times in Japan time, circles by name."""
    before, after = entry.before or {}, entry.after or {}
    keys = list(dict.fromkeys([*before, *after]))
    field_names = fields()
    return [
        (
            field_names.get(k, k),
            _value(k, before.get(k), circles) if k in before else "",
            _value(k, after.get(k), circles) if k in after else "",
        )
        for k in keys
    ]
