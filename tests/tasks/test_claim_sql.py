"""The PostgreSQL claim function as code: each version frozen in a file beside the migration that
installs it, its signature known in one place (``tasks.claim_sql.ARGUMENTS``), every limit and
name an argument supplied on each call — never pasted into its text at ``migrate``."""

import datetime
import hashlib
import importlib
import re
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import connection, migrations

from fairwork.errors import ClaimsOverlap, HoursLimitReached, OutsideAvailability
from realtime.models import OutboxEvent
from tasks import claim_sql, services
from tasks.errors import InvalidSlot, TaskAlreadyClaimed, TaskTooLongForSlot
from tasks.models import Claim
from tasks.services import claims
from tests import factories
from workers.models import AvailabilityWindow

MIGRATIONS = Path(claim_sql.__file__).resolve().parent / "migrations"
SQL_DIR = MIGRATIONS / "sql"

# A frozen version never changes: a change of rules is a new file and a new migration. Add the new
# file's digest here; never edit one above it.
FROZEN = {
    "claim_v1.sql": "a807bd6c48b59bfd8eb6e61ed3918889b1f829a7beeedb31ff45e96ed304fa70",
    "claim_v2.sql": "2b404b860f477f75be985cbf2be2d4581372465ef4b8c18ce69cc9f5cf0ac6c1",
    "claim_v3.sql": "5fa92c768dce87939fe18fe932f1b8e866fd4f2d6c2eba64ba863765aabf0a76",
    "claim_v4.sql": "23fe4314f9adf837450fcb2860fbf5edffc320306f0f72d5969d8a8250df51e1",
    "claim_v5.sql": "2b4623e01cda9e0d92635ea779d3fb95f7476a0ffbc93e182d632806cc7b2c54",
    "claim_v6.sql": "5e4694b0f2721ac10e5d214d3519c48d4c04f9286eb97cc7d6d28d48617cea31",
    "claim_v7.sql": "8a9a20529618d8c5f00394b48557e2c8e5a13764a2f0921759604c77c227b917",
}


def _versions() -> dict[int, Path]:
    return {int(re.fullmatch(r"claim_v(\d+)\.sql", p.name).group(1)): p for p in SQL_DIR.glob("claim_v*.sql")}


def _declared_arguments(text: str) -> list[tuple[str, str]]:
    header = re.search(r"FUNCTION homeslot_claim_next\((.*?)\)\s*RETURNS", text, flags=re.S).group(1)
    return [tuple(arg.split()) for arg in re.split(r",\s*", " ".join(header.split()))]


def _body(text: str) -> str:
    return re.search(r"\$\$(.*)\$\$", text, flags=re.S).group(1)


# --- the files (any database) -----------------------------------------------------------------------


def test_every_version_is_frozen():
    digests = {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in SQL_DIR.glob("claim_v*.sql")}
    assert digests == FROZEN, "a frozen claim function was edited (or a new one not listed): add a version instead"


def test_each_version_is_installed_by_one_migration_and_the_code_calls_the_last():
    versions = _versions()
    assert sorted(versions) == list(range(1, len(versions) + 1))
    installers = {}
    for migration in MIGRATIONS.glob("[0-9]*.py"):
        for number in re.findall(r'"claim_v(\d+)\.sql"', migration.read_text(encoding="utf-8")):
            installers.setdefault(int(number), []).append(migration.stem)
    assert {v: len(m) for v, m in installers.items()} == dict.fromkeys(versions, 1), installers
    in_migration_order = sorted(installers, key=lambda version: installers[version][0])
    assert in_migration_order == sorted(versions)  # a later version, a later migration
    assert max(versions) == claim_sql.VERSION
    assert versions[max(versions)] == claim_sql.SQL_FILE


def test_the_function_takes_every_limit_and_name_as_an_argument():
    text = claim_sql.SQL_FILE.read_text(encoding="utf-8")
    assert _declared_arguments(text) == [(name, kind) for _key, name, kind in claim_sql.ARGUMENTS]
    # Nothing left to paste in, and no setting's value written into the text.
    assert not re.search(r"__[A-Z_]+__", text)
    assert "Asia/Shanghai" not in text and "'project.'" not in text and "'task.claimed'" not in text
    for _key, name, _kind in claim_sql.ARGUMENTS:
        assert re.search(rf"\b{name}\b", _body(text)), f"{name} is declared but never used"


def test_the_statements_pass_every_argument_in_order():
    keys = [key for key, _name, _kind in claim_sql.ARGUMENTS]
    assert re.findall(r"%\((\w+)\)s", claim_sql.CLAIM_NEXT) == keys
    assert re.findall(r"%\((\w+)\)s", claim_sql.CLAIM_NEXT_FOR_TOKEN) == keys[1:]  # the worker is the token's
    params = claim_sql.call_params(worker_id=1, project_id=2, slot_id=3, now=None)
    assert sorted(params) == sorted(keys)


def test_the_arguments_come_from_the_settings_on_each_call(settings):
    settings.HOMESLOT_HOURS_PER_DAY, settings.HOMESLOT_HOURS_PER_WEEK = 3, 10
    settings.HOMESLOT_PARALLEL_CLAIMS = 2
    settings.TIME_ZONE = "Europe/Berlin"
    params = claim_sql.call_params(worker_id=1, project_id=2, slot_id=3, now=None)
    assert params["day_minutes"] == 180 and params["week_minutes"] == 600 and params["parallel"] == 2
    assert params["time_zone"] == "Europe/Berlin"
    assert params["project_group"] % 7 == "project.7"
    assert params["staff_group"] % 7 == "company.7.staff"
    assert params["worker_group"] % 7 == "worker.7"


# --- installed (PostgreSQL) ---------------------------------------------------------------------------


def _installed() -> list[tuple[str, str, str]]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_get_function_identity_arguments(p.oid), p.prosrc, pg_get_function_result(p.oid) "
            "FROM pg_proc p WHERE p.proname = %s",
            [claim_sql.FUNCTION],
        )
        return cursor.fetchall()


@pytest.mark.postgres
def test_the_installed_function_is_the_last_frozen_version(on_postgres, db):
    [(arguments, source, result)] = _installed()
    assert arguments == ", ".join(f"{name} {kind}" for _key, name, kind in claim_sql.ARGUMENTS).replace(
        "timestamptz", "timestamp with time zone"
    )
    assert source == _body(claim_sql.SQL_FILE.read_text(encoding="utf-8"))
    assert result.count(" o_") + result.startswith("TABLE(o_") == len(claim_sql.COLUMNS)


@pytest.mark.postgres
def test_going_back_reinstalls_each_old_version_from_its_file(on_postgres, db, settings):
    """Every migration of the function, undone and done again (in the test's transaction: PostgreSQL
    changes functions transactionally). Version 1 still takes the settings at migrate, as it did."""
    settings.HOMESLOT_PARALLEL_CLAIMS = 3
    steps = sorted(
        (m for m in MIGRATIONS.glob("[0-9]*.py") if "claim_v" in m.read_text(encoding="utf-8")),
        key=lambda m: m.stem,
    )
    modules = [importlib.import_module(f"tasks.migrations.{m.stem}") for m in steps]
    # Each migration's RunPython (the one of tasks/0022 comes after its new columns).
    operations = [
        next(op for op in module.Migration.operations if isinstance(op, migrations.RunPython)) for module in modules
    ]
    with connection.schema_editor() as editor:
        for operation in reversed(operations[1:]):
            operation.reverse_code(None, editor)
    [(arguments, source, _result)] = _installed()
    assert arguments == "p_worker bigint, p_project bigint, p_slot bigint, p_now timestamp with time zone"
    assert "Asia/Shanghai" in source and "least(v_slot_seconds, 3 * v_slot_seconds" in source
    with connection.schema_editor() as editor:
        for operation in operations[1:]:
            operation.code(None, editor)
    [(_arguments, source, _result)] = _installed()
    assert source == _body(claim_sql.SQL_FILE.read_text(encoding="utf-8"))


# --- the limits are the settings of the moment ----------------------------------------------------------

SHANGHAI = ZoneInfo("Asia/Shanghai")


@pytest.fixture
def frozen():
    with time_machine.travel(datetime.datetime(2026, 11, 29, 6, 0, tzinfo=SHANGHAI), tick=False):
        yield


def _slot(supervisor, project, start, end):
    return services.slot_create(actor=supervisor, project_id=project.pk, starts_at=start, ends_at=end, capacity=9)


def _at(hour, minute=0, day=29):
    return datetime.datetime(2026, 11, day, hour, minute, tzinfo=SHANGHAI)


def in_one(mother, project, slot):
    return claims._claim_in_one_statement(worker=mother, project_id=project.pk, slot_id=slot.pk)


@pytest.mark.postgres
def test_the_one_statement_claim_follows_the_parallel_limit_of_the_moment(
    on_postgres, frozen, settings, supervisor, company, mother
):
    project = factories.project(supervisor, company, tasks=4, units_per_task=60, claim_limit=6)
    nine = _slot(supervisor, project, _at(9), _at(10))
    assert in_one(mother, project, nine) is not None
    assert in_one(mother, project, nine) is None  # one at a time: the hour is full
    settings.HOMESLOT_PARALLEL_CLAIMS = 2
    assert in_one(mother, project, nine) is not None
    assert in_one(mother, project, nine) is None


@pytest.mark.postgres
def test_the_one_statement_claim_follows_the_hour_limits_of_the_moment(
    on_postgres, frozen, settings, supervisor, company, mother
):
    project = factories.project(supervisor, company, tasks=6, units_per_task=60, claim_limit=6)
    hours = [_slot(supervisor, project, _at(h), _at(h + 1)) for h in (9, 10, 11)]
    settings.HOMESLOT_HOURS_PER_DAY = 2
    assert in_one(mother, project, hours[0]) is not None
    assert in_one(mother, project, hours[1]) is not None
    assert in_one(mother, project, hours[2]) is None  # two hours with this company today
    settings.HOMESLOT_HOURS_PER_DAY = 4
    assert in_one(mother, project, hours[2]) is not None
    settings.HOMESLOT_HOURS_PER_WEEK = 3
    noon = _slot(supervisor, project, _at(12), _at(13))
    assert in_one(mother, project, noon) is None  # three hours this week (Sunday ends it)
    tomorrow = _slot(supervisor, project, _at(9, day=30), _at(10, day=30))  # Monday: a new week
    assert in_one(mother, project, tomorrow) is not None
    assert Claim.objects.filter(worker=mother).count() == 4


# --- version 4: her confirmation, and the task she chose ------------------------------------------------


@pytest.mark.postgres
def test_a_slot_outside_her_windows_that_she_confirmed_is_taken_in_one_statement(
    on_postgres, frozen, supervisor, company, mother
):
    project = factories.project(supervisor, company, tasks=2, units_per_task=30, claim_limit=6)
    nine = _slot(supervisor, project, _at(9), _at(10))  # Sunday morning; her hours: Monday evenings
    AvailabilityWindow.objects.create(
        worker=mother.worker_profile, weekday=0, start=datetime.time(19), end=datetime.time(21)
    )

    assert in_one(mother, project, nine) is None  # not confirmed: the ORM path asks her
    with pytest.raises(OutsideAvailability):
        services.task_claim_next(worker=mother, project_id=project.pk, slot_id=nine.pk)
    taken = claims._claim_in_one_statement(worker=mother, project_id=project.pk, slot_id=nine.pk, confirmed=True)
    assert taken is not None and Claim.objects.get(worker=mother).pk == taken.pk


@pytest.mark.postgres
def test_the_task_she_chose_is_taken_in_one_statement_only_when_open_fitting_and_the_slots(
    on_postgres, frozen, supervisor, company, mother
):
    project = factories.project(supervisor, company, tasks=3, units_per_task=10, claim_limit=6)
    other = factories.project(supervisor, company, tasks=1, units_per_task=10, claim_limit=6)
    too_long = factories.project(supervisor, company, tasks=1, units_per_task=90, claim_limit=6)
    nine = _slot(supervisor, project, _at(9), _at(10))
    hour = _slot(supervisor, too_long, _at(11), _at(12))
    first, second, _third = project.tasks.order_by("pk")

    def chosen(task, slot=nine):
        return claims._claim_in_one_statement(worker=mother, task_id=task.pk, slot_id=slot.pk)

    taken = chosen(second)  # not the first open one: the one she chose
    assert (taken.task_id, taken.task.number, taken.project.pk) == (second.pk, second.number, project.pk)
    assert {event.group for event in OutboxEvent.objects.filter(data__claim=taken.pk)} == {
        f"project.{project.pk}",
        f"company.{company.pk}.staff",
        f"worker.{mother.pk}",
    }
    assert chosen(second) is None  # hers already: the ORM path says which
    with pytest.raises(TaskAlreadyClaimed):
        services.task_claim(worker=mother, task_id=second.pk, slot_id=nine.pk)
    assert chosen(other.tasks.get()) is None  # not the slot's project
    with pytest.raises(InvalidSlot):
        services.task_claim(worker=mother, task_id=other.tasks.get().pk, slot_id=nine.pk)
    assert chosen(too_long.tasks.get(), hour) is None  # 90 minutes in an hour
    with pytest.raises(TaskTooLongForSlot):
        services.task_claim(worker=mother, task_id=too_long.tasks.get().pk, slot_id=hour.pk)
    assert services.task_claim(worker=mother, task_id=first.pk, slot_id=nine.pk).task_id == first.pk
    assert sorted(Claim.objects.filter(worker=mother).values_list("task_id", flat=True)) == [first.pk, second.pk]


# --- disagreements the differential test (test_claim_differential.py) is there to catch -------------------


@pytest.mark.postgres
def test_a_90_minute_task_beside_her_110_minute_claim_in_10_to_12_when_two_may_run_at_once(
    on_postgres, frozen, settings, supervisor, company, mother
):
    """Version 1 had the parallel-claims limit pasted in at migrate: with two at once allowed the
    ORM path took this task and the function declined it (the limit of the day it was installed)."""
    long_one = factories.project(supervisor, company, tasks=2, units_per_task=110, claim_limit=6)
    short_one = factories.project(supervisor, company, tasks=2, units_per_task=90, claim_limit=6)
    ten = _slot(supervisor, long_one, _at(10), _at(12))
    ten_too = _slot(supervisor, short_one, _at(10), _at(12))
    assert in_one(mother, long_one, ten) is not None

    settings.HOMESLOT_PARALLEL_CLAIMS = 1
    assert in_one(mother, short_one, ten_too) is None
    with pytest.raises(ClaimsOverlap):  # 110 + 90 minutes in two hours, one at a time
        claims._claim(worker=mother, slot_id=ten_too.pk, project_id=short_one.pk)

    settings.HOMESLOT_PARALLEL_CLAIMS = 2
    taken = in_one(mother, short_one, ten_too)  # what the ORM path takes, the function takes
    assert taken is not None and taken.task.units == 90


BERLIN = ZoneInfo("Europe/Berlin")


@pytest.mark.postgres
def test_her_day_on_the_day_the_clocks_go_back_has_25_hours_on_both_paths(
    on_postgres, settings, supervisor, company, mother
):
    """Sunday 25 October 2026 in Berlin runs 25 hours. Version 2 ended her day 24 hours after its
    midnight, in the session's time zone (UTC for Django), so work she holds at 23:10 that night
    fell outside the day and the function took a task past her hours, which the ORM path
    (fairwork.selectors.local_bounds: the next local midnight) refused."""
    settings.TIME_ZONE = "Europe/Berlin"
    settings.HOMESLOT_HOURS_PER_DAY = 1
    with time_machine.travel(datetime.datetime(2026, 10, 25, 7, 0, tzinfo=datetime.UTC), tick=False):  # 08:00
        late = factories.project(supervisor, company, tasks=1, units_per_task=45, claim_limit=6)
        morning = factories.project(supervisor, company, tasks=1, units_per_task=30, claim_limit=6)
        night = _slot(
            supervisor,
            late,
            datetime.datetime(2026, 10, 25, 23, 10, tzinfo=BERLIN),
            datetime.datetime(2026, 10, 25, 23, 55, tzinfo=BERLIN),
        )
        ten = _slot(
            supervisor,
            morning,
            datetime.datetime(2026, 10, 25, 10, 0, tzinfo=BERLIN),
            datetime.datetime(2026, 10, 25, 11, 0, tzinfo=BERLIN),
        )
        assert in_one(mother, late, night) is not None  # 45 minutes that evening

        assert in_one(mother, morning, ten) is None  # 45 + 30 minutes: past the hour of the day
        with pytest.raises(HoursLimitReached):
            services.task_claim_next(worker=mother, project_id=morning.pk, slot_id=ten.pk)
