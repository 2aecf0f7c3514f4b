"""Who is asking comes in the statement that finds her (config/auth.py): a mother's worker profile
is joined to the token's or the session's user, not read again by every permission and page guard."""

import pytest
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from tests import factories

pytestmark = [pytest.mark.django_db]


def _profile_reads(queries) -> list[str]:
    return [q["sql"] for q in queries if q["sql"].startswith('SELECT "workers_workerprofile"')]


def test_a_mother_s_token_brings_her_profile_with_it():
    mom = factories.mother()
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {factories.api_token_for(mom)}")
    with CaptureQueriesContext(connection) as ctx:
        answer = client.get("/api/v1/claims")  # IsWorker: she must have a profile
    assert answer.status_code == 200
    assert _profile_reads(ctx.captured_queries) == []
    assert "workers_workerprofile" in ctx.captured_queries[0]["sql"]  # joined to the token's user


def test_staff_without_a_profile_are_still_refused_the_mothers_api():
    company = factories.CompanyFactory()
    supervisor = factories.staff(company)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {factories.api_token_for(supervisor)}")
    with CaptureQueriesContext(connection) as ctx:
        answer = client.get("/api/v1/claims")
    assert answer.status_code == 403
    assert _profile_reads(ctx.captured_queries) == []  # no profile, known without asking again


def test_a_mother_s_session_brings_her_profile_with_it(mom):
    client = Client()
    client.force_login(mom, backend="config.auth.ModelBackend")
    with CaptureQueriesContext(connection) as ctx:
        answer = client.get("/m/me/")
    assert answer.status_code == 200
    assert _profile_reads(ctx.captured_queries) == []


def test_a_session_signed_in_before_the_change_stays_signed_in(mom):
    """Sessions Django's own backend signed in (every session before this change) still hold."""
    client = Client()
    session = client.session
    session[SESSION_KEY] = str(mom.pk)
    session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    session[HASH_SESSION_KEY] = mom.get_session_auth_hash()
    session.save()
    client.cookies["sessionid"] = session.session_key
    assert client.get("/m/me/").status_code == 200


def test_signing_in_with_a_password_uses_the_joining_backend():
    mom = factories.mother()
    mom.set_password("a long enough password 1")
    mom.save()
    client = Client()
    answer = client.post("/signin/?mode=password", {"phone": mom.phone[3:], "password": "a long enough password 1"})
    assert answer.status_code == 302
    assert client.session[BACKEND_SESSION_KEY] == "config.auth.ModelBackend"
