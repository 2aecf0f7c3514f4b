"""Reads of the inbox, scoped to the person it belongs to."""

from django.db.models import QuerySet

from accounts.models import User
from notices.models import Notice


def notices_for(user: User) -> QuerySet[Notice]:
    """The user's own inbox, newest first."""
    return Notice.objects.filter(user=user).order_by("-created_at", "-id")
