"""Who is asking, loaded in the statement that finds her.

Nearly every request of a mother asks whether she has a worker profile (``IsWorker``, the mother
pages' guard), and that was a statement of its own on every request (issue 15's probe: the second
statement of submit, claim-next, my tasks…). Here the profile comes joined to the token's or the
session's user; a staff member simply has none, known without asking again. The relation is named
here, above both apps, so ``accounts`` does not reach up into ``workers``.
"""

from django.contrib.auth import backends

from accounts import authentication
from accounts.models import User

USER_WITH = ("worker_profile",)


class TokenAuthentication(authentication.TokenAuthentication):
    related = tuple(f"user__{name}" for name in USER_WITH)


class ModelBackend(backends.ModelBackend):
    def get_user(self, user_id):
        user = User._default_manager.select_related(*USER_WITH).filter(pk=user_id).first()
        return user if user is not None and self.user_can_authenticate(user) else None
