"""The world as JSON-ready data: what `GET /__sandbox/state` serves and `state.snapshot()` returns."""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING, Any

from sandbox.model import Invitation, InvitationState, Person, Relation

if TYPE_CHECKING:
    from sandbox.state import SandboxState


def _row(invitation: Invitation, person: Person) -> dict[str, Any]:
    return {
        "id": invitation.id,
        "slug": invitation.slug,
        "name": person.name,
        "headline": person.headline,
        "sent_at": invitation.sent_at.isoformat(),
        "note": invitation.note,
        "state": invitation.state.value,
        "withdrawn_at": invitation.withdrawn_at.isoformat() if invitation.withdrawn_at else None,
    }


def snapshot(state: SandboxState) -> dict[str, Any]:
    """Pending (newest first), withdrawn, invited, connected and connectable members, counts, switches."""
    people = {p.slug: p for p in state.people()}
    invitations = state.invitations()
    latest: dict[str, Invitation] = {}
    for invitation in invitations:  # ordered by id, so the last one per member wins
        latest[invitation.slug] = invitation
    withdrawn = [i for i in latest.values() if i.state is InvitationState.WITHDRAWN]
    accepted = [i for i in latest.values() if i.state is InvitationState.ACCEPTED]
    pending = state.pending()
    config = state.config
    return {
        "clock": state.now().isoformat(),
        "clock_offset_seconds": state.clock_offset.total_seconds(),
        "rendering": state.rendering,
        "drift": state.config.drift,
        "month_convention": state.month_convention,
        "locale": state.locale,
        "pill_word": state.pill_word,
        "plan": state.plan,
        "note_limit": state.note_limit,
        "notes_remaining": state.notes_remaining,
        "faults": dataclasses.asdict(state.faults),
        "config": {k: v for k, v in dataclasses.asdict(config).items() if k != "password"},
        "counts": {
            "pending": len(pending),
            "withdrawn": len(withdrawn),
            "accepted": len(accepted),
            "connected": sum(p.relation is Relation.CONNECTED for p in people.values()),
            "sessions": state.sessions.count(),
        },
        "pending": [_row(i, people[i.slug]) for i in pending],
        "withdrawn": [_row(i, people[i.slug]) for i in withdrawn],
        "invited": [_row(i, people[i.slug]) for i in invitations if i.id > config.pending],
        "connected": [
            {"slug": p.slug, "name": p.name} for p in people.values() if p.relation is Relation.CONNECTED
        ],
        "connectable": [
            {"slug": p.slug, "name": p.name, "connect_in_menu": p.connect_in_menu}
            for p in people.values()
            if p.relation is Relation.NONE and not p.follow_only and p.slug not in latest
        ],
        "follow_only": [{"slug": p.slug, "name": p.name} for p in people.values() if p.follow_only],
    }
