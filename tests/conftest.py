import pytest
from asgiref.sync import async_to_sync
from django.core.cache import cache
from django.db import connection
from django.test import AsyncClient
from django.utils import translation
from rest_framework.test import APIClient

from accounts.models import Role
from tests import factories


def pytest_configure(config):
    from django.conf import settings

    # Argon2 is the real hasher (asserted in tests/accounts); MD5 keeps the suite fast.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    # pytest-django runs with DEBUG off: the lock order (core.locks) is checked in every test anyway.
    settings.HOMESLOT_LOCK_ORDER_CHECK = True
    # Codes by SMS go at once (not on the sender's threads), so a test reads them right after the request.
    settings.HOMESLOT_SMS_IN_BACKGROUND = False


@pytest.fixture(scope="session", autouse=True)
def _flush_past_the_ledger_guard():
    """A transactional test ends with Django's flush, on PostgreSQL one TRUNCATE of every table,
    which the ledger's TRUNCATE triggers refuse (as they must in production). The test database's
    flush alone runs with triggers off, for its own transaction (``SET LOCAL
    session_replication_role = replica``: only a superuser may set it, never the app role of the
    README), as ``bench/export.py`` loads rows; every statement of every test meets the guard."""
    from django.db.backends.postgresql.operations import DatabaseOperations

    original = DatabaseOperations.execute_sql_flush

    def execute_sql_flush(self, sql_list):
        original(self, ["SET LOCAL session_replication_role = replica", *sql_list])

    DatabaseOperations.execute_sql_flush = execute_sql_flush
    yield
    DatabaseOperations.execute_sql_flush = original


@pytest.fixture(autouse=True)
def _pay_floors(request):
    """The regional pay floors come from a data migration, which a transactional test's flush
    wipes for every test after it: put them back for any test that uses the database."""
    marker = request.node.get_closest_marker("django_db")
    names = set(request.fixturenames)
    if marker is None and not names & {"db", "transactional_db"}:
        return
    if not (marker and marker.kwargs.get("transaction")) and "transactional_db" not in names:
        request.getfixturevalue("db")
    from fairwork.floors import rows
    from fairwork.models import PayFloor

    if not PayFloor.objects.exists():
        PayFloor.objects.bulk_create([PayFloor(**row) for row in rows()])


@pytest.fixture(autouse=True)
def _outbox_checked(request):
    """Every event a test leaves in the outbox — written by ``publish``, by the claim function's
    SQL, or by a server process of a live test — matches its type's schema
    (``tests/realtime/event_checks.py``): a payload change is a failure of every test that makes one."""
    marker = request.node.get_closest_marker("django_db")
    names = set(request.fixturenames)
    if marker is None and not names & {"db", "transactional_db"}:
        yield
        return
    if not (marker and marker.kwargs.get("transaction")) and "transactional_db" not in names:
        request.getfixturevalue("db")
    yield
    from realtime.models import OutboxEvent
    from tests.realtime.event_checks import check_outbox_rows

    if connection.needs_rollback:  # the test threw its transaction away (no query can run in it now)
        return
    check_outbox_rows(OutboxEvent.objects.order_by("id"))


@pytest.fixture(autouse=True)
def _isolated_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def _default_language_after():
    """A request through the test client leaves its language active in this thread (an English
    one included): the next test starts in the platform's default language, whatever ran before."""
    yield
    translation.deactivate()


@pytest.fixture
def on_postgres():
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL (set DATABASE_URL)")


def api_for(user=None) -> APIClient:
    """A client signed in as ``user``, read afresh as every real request reads her (roles included)."""
    client = APIClient()
    if user is not None:
        client.force_authenticate(user=type(user).objects.get(pk=user.pk))
    return client


def download(user, url: str) -> tuple[int, object, bytes]:
    """A file as a browser receives it: through the ASGI request path, a streamed answer read whole."""

    async def fetch():
        client = AsyncClient()
        await client.aforce_login(user)
        response = await client.get(url)
        if response.streaming:
            body = b"".join([chunk async for chunk in response.streaming_content])
        else:
            body = response.content
        return response.status_code, response, body

    return async_to_sync(fetch)()


@pytest.fixture
def company(db):
    return factories.CompanyFactory(name="甲公司")


@pytest.fixture
def other_company(db):
    return factories.CompanyFactory(name="乙公司")


@pytest.fixture
def supervisor(company):
    return factories.staff(company, Role.SUPERVISOR)


@pytest.fixture
def admin_user(company):
    return factories.staff(company, Role.ADMIN)


@pytest.fixture
def finance(company):
    return factories.staff(company, Role.FINANCE)


@pytest.fixture
def mother(db):
    return factories.mother()


@pytest.fixture
def mom(mother):
    """A mother whose profile is complete, so her pages open (not the first-run setup)."""
    profile = mother.worker_profile
    profile.display_name, profile.city, profile.youngest_birth_year = "王妈妈", "佛山市", 2022
    profile.save()
    return mother


@pytest.fixture
def other_mother(db):
    return factories.mother()


@pytest.fixture
def assembly(supervisor, company):
    return factories.project(supervisor, company, tasks=3, units_per_task=10)


@pytest.fixture
def slot(supervisor, assembly):
    return factories.slot(supervisor, assembly)
