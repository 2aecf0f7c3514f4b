"""The mothers' phone app (frontend/mother*.py), under /m/."""

from django.urls import path

from core import ids  # noqa: F401 - registers <id:…>
from frontend import (
    account_pages,
    mother,
    mother_appeals,
    mother_earnings,
    mother_growth,
    mother_hall,
    mother_notify,
    mother_payout,
    mother_peer,
    mother_photos,
    mother_pwa,
    mother_relatives,
    mother_work,
)

urlpatterns = [
    path("", mother_hall.hall, name="m-hall"),
    path("setup/", mother.setup, name="m-setup"),
    path("hours/", mother.availability, name="m-availability"),
    path("me/", account_pages.mother_me, name="m-me"),
    path("me/delete", account_pages.mother_delete, name="m-delete"),
    path("tasks/<id:pk>/claim", mother_hall.claim, name="m-claim-task"),
    path("projects/<id:pk>/claim-next", mother_hall.claim_next, name="m-claim-next"),
    path("claims/", mother_work.claims, name="m-claims"),
    path("claims/<id:pk>/", mother_work.claim_detail, name="m-claim"),
    path("claims/<id:pk>/submit", mother_work.submit, name="m-submit"),
    path("claims/<id:pk>/release", mother_work.release, name="m-release"),
    path("submissions/<id:pk>/appeal", mother_appeals.appeal, name="m-appeal"),
    path("growth/", mother_growth.growth, name="m-growth"),
    path("earnings/", mother_earnings.earnings, name="m-earnings"),
    path("payout-account/", mother_payout.payout_account, name="m-payout-account"),
    path("peer-reviews/", mother_peer.peer_reviews, name="m-peer-reviews"),
    path("relatives/", mother_relatives.relatives, name="m-relatives"),
    path("relatives/<id:pk>/remove", mother_relatives.relative_remove, name="m-relative-remove"),
    path("peer-reviews/<id:pk>", mother_peer.peer_decide, name="m-peer-decide"),
    path("notifications/", mother_notify.notifications, name="m-notifications"),
    path("manifest.webmanifest", mother_pwa.manifest, name="m-manifest"),
    path("sw.js", mother_pwa.service_worker, name="m-service-worker"),
    # Neutral name: the supervisors' review page shows the same photos through it.
    path("photos/<id:pk>", mother_photos.submission_photo, name="submission-photo"),
]
