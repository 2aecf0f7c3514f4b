"""Reads of the inbox and of her notification choices, scoped to the person they belong to."""

from django.db.models import QuerySet

from accounts.models import User
from notices.models import Notice, NoticeSettings, PushSubscription


def notices_for(user: User) -> QuerySet[Notice]:
    """The user's own inbox, newest first."""
    return Notice.objects.filter(user=user).order_by("-created_at", "-id")


def settings_for(user_id: int) -> NoticeSettings:
    """Her choices; the defaults (not saved) when she has never changed them."""
    return NoticeSettings.objects.filter(user_id=user_id).first() or NoticeSettings(user_id=user_id)


def push_subscriptions_for(user: User) -> QuerySet[PushSubscription]:
    """The browsers on which she turned notifications on, newest first."""
    return PushSubscription.objects.filter(user=user).order_by("-created_at", "-id")
