"""The mothers' app under /m/ through Django's test client: every page, every form's error path."""

import datetime
import html
import io
import json
import re
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
import time_machine
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection, connections
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone, translation
from PIL import Image

from accounts.models import Role
from notices.models import Notice
from tasks import services
from tasks.models import Claim, ClaimStatus, Kind, Submission, SubmissionPhoto, SubmissionStatus
from tests import factories
from tests.snapshots import world
from workers.models import AvailabilityWindow

SHANGHAI = datetime.timezone(datetime.timedelta(hours=8))
# Sunday 29 November 2026, 06:00 in Shanghai: slots at 09:00 start in three hours.
NOW = datetime.datetime(2026, 11, 29, 6, 0, tzinfo=SHANGHAI)


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture(autouse=True)
def private_root(settings, tmp_path):
    settings.HOMESLOT_PRIVATE_ROOT = tmp_path / "private"


@pytest.fixture(autouse=True)
def _default_language():
    """The test client leaves the last request's language active in this thread: not for the next test."""
    yield
    translation.deactivate()


def phone_of(user) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    client.force_login(user)
    return client


def at(hour, minute=0, day=29) -> datetime.datetime:
    return datetime.datetime(2026, 11, day, hour, minute, tzinfo=SHANGHAI)


def slot_at(supervisor, project, start, end, capacity=50):
    return services.slot_create(
        actor=supervisor, project_id=project.pk, starts_at=start, ends_at=end, capacity=capacity
    )


@pytest.fixture
def beads(supervisor, company):
    """Assembly: ¥0.50 a piece at 1 minute each (≈ ¥30/hour), 10 pieces a task."""
    return factories.project(
        supervisor,
        company,
        title="串珠手链",
        tasks=3,
        units_per_task=10,
        pickup_point="禅城区金澜路 8 号",
        dropoff_point="禅城区金澜路 8 号前台",
    )


@pytest.fixture
def morning(supervisor, beads):
    return slot_at(supervisor, beads, at(9), at(11, 30))


@pytest.fixture
def copy_project(supervisor, company):
    return factories.project(supervisor, company, kind=Kind.COPYWRITING, title="商品文案", tasks=2)


@pytest.fixture
def label_project(supervisor, company):
    return factories.project(supervisor, company, kind=Kind.LABELLING, title="评论情感", tasks=1, units_per_task=3)


def claim_in(mother, project, slot) -> Claim:
    return services.task_claim_next(worker=mother, project_id=project.pk, slot_id=slot.pk)


def jpeg(width=80, height=60) -> SimpleUploadedFile:
    out = io.BytesIO()
    Image.new("RGB", (width, height), (120, 20, 60)).save(out, format="JPEG")
    return SimpleUploadedFile("p.jpg", out.getvalue(), content_type="image/jpeg")


def text_of(response) -> str:
    """What she reads: no styles or scripts, no tags, whitespace as single spaces."""
    source = re.sub(r"<(script|style)\b.*?</\1>", " ", response.content.decode(), flags=re.S)
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", source)))


# --- who may come in ------------------------------------------------------------------------------

MOTHER_PAGES = ["/m/", "/m/claims/", "/m/earnings/", "/m/hours/", "/m/setup/"]


def test_signed_out_she_is_sent_to_sign_in_and_back(db):
    response = Client().get("/m/claims/")

    assert response.status_code == 302 and response["Location"] == "/signin/?next=/m/claims/"


@pytest.mark.parametrize("role", [Role.SUPERVISOR, Role.FINANCE, Role.ADMIN])
def test_company_staff_are_refused_on_every_mother_page(company, role):
    staff = factories.staff(company, role)
    client = phone_of(staff)

    for url in MOTHER_PAGES:
        response = client.get(url)
        assert response.status_code == 403, url
        assert "这些页面是给接活的妈妈们用的" in response.content.decode()
    before = world()
    assert client.post("/m/setup/", {"display_name": "x", "city": "y", "children_under_12": 0}).status_code == 403
    assert world() == before and not hasattr(staff, "worker_profile")


def test_an_operator_is_refused_and_does_not_become_a_mother(db):
    operator = factories.UserFactory(is_staff=True, is_superuser=True)
    client = phone_of(operator)
    before = world()

    assert client.get("/m/").status_code == 403
    assert client.get("/m/setup/").status_code == 403
    assert client.post("/m/setup/", {"display_name": "x", "city": "y", "children_under_12": "0"}).status_code == 403

    operator.refresh_from_db()
    assert world() == before and not hasattr(operator, "worker_profile")


def test_signing_in_keeps_a_mother_signed_in_for_long(mom):
    client = phone_of(mom)
    client.get("/m/")

    assert client.session.get_expiry_age() == 90 * 24 * 3600


def test_another_mothers_claim_is_not_found(mom, other_mother, beads, morning):
    theirs = claim_in(other_mother, beads, morning)
    client = phone_of(mom)
    before = world()

    assert client.get(f"/m/claims/{theirs.pk}/").status_code == 404
    assert client.post(f"/m/claims/{theirs.pk}/submit", {"completed_units": 5}).status_code == 404
    assert client.post(f"/m/claims/{theirs.pk}/release", {}).status_code == 404
    assert world() == before


# --- first run ----------------------------------------------------------------------------------------


def test_an_incomplete_profile_goes_to_setup_first(mother):
    assert mother.worker_profile.youngest_birth_year is None
    client = phone_of(mother)

    assert client.get("/m/")["Location"] == "/m/setup/"
    assert client.get("/m/earnings/")["Location"] == "/m/setup/"
    assert client.get("/m/setup/").status_code == 200


def test_a_new_account_without_a_profile_sets_one_up_and_becomes_a_mother(db):
    newcomer = factories.UserFactory(display_name="新用户")
    client = phone_of(newcomer)
    assert client.get("/m/")["Location"] == "/m/setup/"
    assert 'value="新用户"' in client.get("/m/setup/").content.decode()

    client.post("/m/setup/", {"display_name": "赵妈妈", "city": "济南", "children_under_12": "0"})

    newcomer.refresh_from_db()
    assert newcomer.worker_profile.city == "济南" and newcomer.worker_profile.youngest_birth_year is None
    assert client.get("/m/").status_code == 200


def test_setup_refuses_what_is_missing_and_changes_nothing(mother):
    client = phone_of(mother)
    before = (mother.worker_profile.city, mother.worker_profile.youngest_birth_year)

    response = client.post("/m/setup/", {"display_name": "李妈妈", "city": "  ", "children_under_12": "2"})

    assert response.status_code == 400
    page = text_of(response)
    assert "请填写您所在的城市" in page and "请填写最小的孩子的出生年份" in page
    mother.worker_profile.refresh_from_db()
    assert (mother.worker_profile.city, mother.worker_profile.youngest_birth_year) == before


def test_setup_refuses_an_implausible_birth_year(mother):
    response = phone_of(mother).post(
        "/m/setup/", {"display_name": "李妈妈", "city": "佛山", "children_under_12": "1", "youngest_birth_year": "1999"}
    )

    assert response.status_code == 400
    assert "最小孩子的出生年份应在 2014 到 2026 之间" in text_of(response)
    mother.worker_profile.refresh_from_db()
    assert mother.worker_profile.youngest_birth_year is None


def test_setup_saves_and_leads_on_to_her_hours(mother):
    response = phone_of(mother).post(
        "/m/setup/", {"display_name": "李妈妈", "city": "佛山", "children_under_12": "2", "youngest_birth_year": "2021"}
    )

    assert response.status_code == 302 and response["Location"] == "/m/hours/"
    profile = mother.worker_profile
    profile.refresh_from_db()
    assert (profile.display_name, profile.city, profile.children_under_12, profile.youngest_birth_year) == (
        "李妈妈",
        "佛山",
        2,
        2021,
    )


def week_post(*rows, total=None):
    data = {"rows-TOTAL_FORMS": str(total or len(rows)), "rows-INITIAL_FORMS": "0"}
    for i, (days, start, end) in enumerate(rows):
        data[f"rows-{i}-days"] = [str(d) for d in days]
        data[f"rows-{i}-start"] = start
        data[f"rows-{i}-end"] = end
    return data


def windows_of(mother):
    return list(
        AvailabilityWindow.objects.filter(worker__user=mother)
        .order_by("weekday", "start")
        .values_list("weekday", "start", "end")
    )


def test_her_week_is_saved_from_chips_and_time_ranges(mom):
    client = phone_of(mom)

    response = client.post(
        "/m/hours/", week_post(([0, 1, 2, 3, 4], "09:00", "11:30"), ([0, 1, 2, 3, 4], "20:00", "22:00"), ([], "", ""))
    )

    assert response.status_code == 302 and response["Location"] == "/m/"
    assert len(windows_of(mom)) == 10
    assert windows_of(mom)[:2] == [
        (0, datetime.time(9), datetime.time(11, 30)),
        (0, datetime.time(20), datetime.time(22)),
    ]
    page = text_of(client.get("/m/hours/"))
    assert "周一至周五 09:00–11:30" in page and "周一至周五 20:00–22:00" in page


@pytest.mark.parametrize(
    "rows, message",
    [
        ([([0], "11:00", "09:00")], "结束时间要晚于开始时间"),
        ([([0, 2], "", "")], "请填写开始和结束时间"),
        ([([], "09:00", "10:00")], "请为这个时间段选择至少一天"),
        ([([7], "09:00", "10:00")], "7"),
        ([([0], "25:00", "26:00")], "时间"),
    ],
)
def test_a_wrong_week_is_refused_with_a_clear_message_and_nothing_changes(mom, rows, message):
    services_before = windows_of(mom)
    response = phone_of(mom).post("/m/hours/", week_post(*rows))

    assert response.status_code == 400
    assert message in text_of(response)
    assert windows_of(mom) == services_before


def test_overlapping_ranges_are_refused_by_the_service_and_nothing_changes(mom):
    client = phone_of(mom)
    client.post("/m/hours/", week_post(([5], "09:00", "10:00")))

    response = client.post("/m/hours/", week_post(([0, 1], "09:00", "11:00"), ([1], "10:00", "12:00")))

    assert response.status_code == 400
    assert "周二有两个时间段重叠了" in text_of(response)
    assert windows_of(mom) == [(5, datetime.time(9), datetime.time(10))]


def test_a_tampered_week_form_is_a_400_not_a_500(mom):
    response = phone_of(mom).post("/m/hours/", {"rows-TOTAL_FORMS": "1000", "rows-INITIAL_FORMS": "x"})

    assert response.status_code == 400
    assert windows_of(mom) == []


# --- the task hall ---------------------------------------------------------------------------------------


def test_the_hall_card_says_kind_pay_time_hourly_slot_and_where(mom, beads, morning):
    response = phone_of(mom).get("/m/")

    assert response.status_code == 200
    page = text_of(response)
    assert "手工组装" in page and "串珠手链" in page
    assert "¥0.50/件" in page and "10 件，共 ¥5.00" in page
    assert "约 10 分钟" in page and "约合时薪 ¥30.00" in page
    assert "11月29日 周日 09:00–11:30" in page
    assert "领取材料地点： 禅城区金澜路 8 号" in page and "交货地点： 禅城区金澜路 8 号前台" in page
    assert page.count("领取</button") == 0  # (tags stripped)
    # One compact card per project: the count left and 领一个, not three near-identical cards.
    source = response.content.decode()
    assert source.count("<article") == 1 and "还剩 3 个任务" in page and "领一个" in page
    assert source.count(f'action="/m/projects/{beads.pk}/claim-next"') == 1


def test_a_slot_she_can_no_longer_finish_in_is_not_offered_and_a_running_one_says_what_is_left(
    mom, supervisor, company, frozen
):
    # 30 minutes of work; the batch needs no trip (no pick-up point). The grace period is not planned with.
    work = factories.project(supervisor, company, title="晚间串珠", tasks=2, units_per_task=30)
    evening = slot_at(supervisor, work, at(20), at(22))
    later = slot_at(supervisor, work, at(20, day=30), at(22, day=30))
    client = phone_of(mom)

    frozen.move_to(at(21, 10))  # 50 minutes of the slot left: she can finish
    page = text_of(client.get("/m/"))
    assert "11月29日 周日 20:00–22:00" in page and "还剩 50 分钟" in page

    frozen.move_to(at(21, 31))  # 29 minutes left for 30 minutes of work: not offered
    source = client.get("/m/").content.decode()
    assert f'name="slot" value="{evening.pk}"' not in source and f'name="slot" value="{later.pk}"' in source
    assert "11月29日 周日 20:00–22:00" not in text_of(client.get("/m/"))


def test_a_batch_with_a_pick_up_trip_needs_time_for_the_trip_too(mom, supervisor, company, frozen):
    work = factories.project(supervisor, company, title="串珠", tasks=1, units_per_task=30, pickup_point="金澜路 8 号")
    slot_at(supervisor, work, at(20), at(22))
    client = phone_of(mom)

    frozen.move_to(at(21, 10))  # 50 minutes left: 30 of work and the 30-minute trip do not fit
    assert "串珠" not in text_of(client.get("/m/"))
    frozen.move_to(at(20, 50))  # 70 minutes left: they do
    assert "还剩 1 小时 10 分" in text_of(client.get("/m/"))


def test_slots_that_fit_her_week_come_first_and_the_filter_hides_the_rest(mom, supervisor, company, beads, morning):
    evening_work = factories.project(supervisor, company, title="晚间串珠", tasks=1)
    slot_at(supervisor, evening_work, at(20, day=30), at(22, day=30))
    AvailabilityWindow.objects.create(
        worker=mom.worker_profile, weekday=0, start=datetime.time(19), end=datetime.time(23)
    )
    client = phone_of(mom)

    page = text_of(client.get("/m/"))
    assert page.index("晚间串珠") < page.index("串珠手链")
    assert "11月30日 周一 20:00–22:00" in page and "适合您的时间" in page and "不在您的时间内" in page

    only = text_of(client.get("/m/?fits=1"))
    assert "晚间串珠" in only and "串珠手链" not in only


def test_the_kind_filter(mom, supervisor, beads, morning, copy_project):
    slot_at(supervisor, copy_project, at(9), at(11))
    client = phone_of(mom)

    assert "商品文案" in text_of(client.get("/m/"))
    page = text_of(client.get("/m/?kind=assembly"))
    assert "串珠手链" in page and "商品文案" not in page
    assert client.get("/m/?kind=<script>&fits=maybe").status_code == 200


def test_a_task_without_a_slot_left_is_not_offered(mom, beads):
    assert "串珠手链" not in text_of(phone_of(mom).get("/m/"))


# --- claiming ----------------------------------------------------------------------------------------------


def test_claim_in_one_tap(mom, beads, morning):
    task = beads.tasks.order_by("pk").first()

    response = phone_of(mom).post(f"/m/tasks/{task.pk}/claim", {"slot": morning.pk}, follow=True)

    claim = Claim.objects.get(worker=mom)
    assert claim.task == task and claim.slot == morning and claim.status == ClaimStatus.ACTIVE
    assert response.redirect_chain[-1][0] == f"/m/claims/{claim.pk}/"
    assert "领到了！请在 11月29日 周日 12:00 前交活" in text_of(response)


def test_a_double_tapped_claim_makes_one_claim_and_says_it_is_hers(mom, beads, morning):
    task = beads.tasks.order_by("pk").first()
    client = phone_of(mom)

    client.post(f"/m/tasks/{task.pk}/claim", {"slot": morning.pk})
    again = client.post(f"/m/tasks/{task.pk}/claim", {"slot": morning.pk}, follow=True)

    claim = Claim.objects.get(worker=mom)
    assert again.redirect_chain[-1][0] == f"/m/claims/{claim.pk}/"
    assert "这个任务已经是您的了" in text_of(again) and "刚被别人领走了" not in text_of(again)


def test_someone_faster_gets_a_kind_answer_and_the_next_task(mom, other_mother, beads, morning):
    task = beads.tasks.order_by("pk").first()
    services.task_claim(worker=other_mother, task_id=task.pk, slot_id=morning.pk)
    before = world()
    client = phone_of(mom)

    response = client.post(f"/m/tasks/{task.pk}/claim", {"slot": morning.pk}, follow=True)

    assert world() == before
    page = text_of(response)
    assert "刚被别人领走了" in page and "“串珠手链”还剩 2 个任务" in page
    offer = response.content.decode()
    assert f'action="/m/projects/{beads.pk}/claim-next"' in offer and f'name="slot" value="{morning.pk}"' in offer

    client.post(f"/m/projects/{beads.pk}/claim-next", {"slot": morning.pk})
    mine = Claim.objects.get(worker=mom)
    assert mine.project == beads and mine.task != task


def test_nothing_left_in_the_project(mom, other_mother, supervisor, company):
    one = factories.project(supervisor, company, title="单个任务", tasks=1)
    slot = slot_at(supervisor, one, at(9), at(10))
    claim_in(other_mother, one, slot)

    response = phone_of(mom).post(f"/m/projects/{one.pk}/claim-next", {"slot": slot.pk}, follow=True)

    assert "这个项目的任务都被领完了" in text_of(response)
    assert not Claim.objects.filter(worker=mom).exists()


def test_outside_her_hours_she_confirms_first(mom, beads, morning):
    AvailabilityWindow.objects.create(
        worker=mom.worker_profile, weekday=0, start=datetime.time(20), end=datetime.time(22)
    )
    task = beads.tasks.order_by("pk").first()
    client = phone_of(mom)
    before = world()

    asked = client.post(f"/m/tasks/{task.pk}/claim", {"slot": morning.pk})

    assert asked.status_code == 409 and world() == before
    assert "这个时段不在您设置的可工作时间内" in text_of(asked)
    assert 'name="confirm_outside_availability" value="1"' in asked.content.decode()
    client.post(f"/m/tasks/{task.pk}/claim", {"slot": morning.pk, "confirm_outside_availability": "1"})
    assert Claim.objects.get(worker=mom).task == task


def test_the_part_time_limit_is_explained_kindly(mom, supervisor, company):
    big = factories.project(supervisor, company, title="大批串珠", tasks=1, units_per_task=300)
    slot = slot_at(supervisor, big, at(9), at(15))  # five hours of work in a six-hour slot
    before = world()

    response = phone_of(mom).post(f"/m/projects/{big.pk}/claim-next", {"slot": slot.pk}, follow=True)

    assert world() == before
    assert "非全日制" in text_of(response)


def test_a_task_longer_than_the_slot_is_explained_with_the_minutes(mom, supervisor, company):
    long_one = factories.project(supervisor, company, title="大批串珠", tasks=1, units_per_task=100)
    hour = slot_at(supervisor, long_one, at(9), at(10))
    before = world()

    response = phone_of(mom).post(f"/m/projects/{long_one.pk}/claim-next", {"slot": hour.pk}, follow=True)

    assert world() == before
    assert "这个任务大约需要 100 分钟，但这个时段只有 60 分钟" in text_of(response)


def test_a_claim_that_would_not_fit_beside_hers_names_the_one_she_holds(mom, supervisor, company, beads):
    articles = factories.project(
        supervisor,
        company,
        kind=Kind.COPYWRITING,
        title="商品文案",
        tasks=2,
        piece_rate="30.0000",
        minutes_per_unit="60.00",
    )
    nine = slot_at(supervisor, articles, at(9), at(10))
    claim_in(mom, articles, nine)
    half_past = slot_at(supervisor, articles, at(9, 30), at(10, 30))
    before = world()

    response = phone_of(mom).post(f"/m/projects/{articles.pk}/claim-next", {"slot": half_past.pk}, follow=True)

    assert world() == before
    assert "您在 11-29 09:00–10:00 已经有「商品文案」要做，这个任务排不进去了" in text_of(response)


@pytest.fixture
def colleague(company):
    """A supervisor of the company who also set herself up as a mother."""
    user = factories.staff(company, Role.SUPERVISOR)
    factories.WorkerProfileFactory(user=user, display_name="李主管", city="佛山市", youngest_birth_year=2022)
    return user


def test_staff_who_are_mothers_too_are_not_offered_their_companys_work(colleague, beads, morning, other_company):
    boss = factories.staff(other_company)
    elsewhere = factories.project(boss, other_company, title="别家串珠", tasks=1)
    slot_at(boss, elsewhere, at(9), at(10))

    page = text_of(phone_of(colleague).get("/m/"))

    assert "别家串珠" in page and "串珠手链" not in page


def test_staff_who_are_mothers_too_cannot_claim_their_companys_work_on_the_pages(colleague, beads, morning):
    task = beads.tasks.order_by("pk").first()
    client = phone_of(colleague)
    before = world()

    by_choice = client.post(f"/m/tasks/{task.pk}/claim", {"slot": morning.pk}, follow=True)
    next_one = client.post(f"/m/projects/{beads.pk}/claim-next", {"slot": morning.pk}, follow=True)

    assert world() == before
    for response in (by_choice, next_one):
        assert "您是这家企业的员工，不能领取它的任务" in text_of(response)


@pytest.mark.parametrize("slot", ["", "abc", "-1", "999999"])
def test_a_bad_slot_is_refused_with_a_message(mom, beads, morning, slot):
    task = beads.tasks.order_by("pk").first()
    before = world()

    response = phone_of(mom).post(f"/m/tasks/{task.pk}/claim", {"slot": slot}, follow=True)

    assert response.status_code == 200 and world() == before
    assert "请选择" in text_of(response) or "时段" in text_of(response)


BEYOND_A_KEY = [str(2**63), str(10**30)]


@pytest.mark.parametrize("number", BEYOND_A_KEY)
def test_ids_beyond_a_database_key_in_the_address_are_not_found_not_a_500(mom, beads, morning, number):
    client = phone_of(mom)
    before = world()

    for url in [f"/m/projects/{number}/claim-next", f"/m/tasks/{number}/claim"]:
        assert client.post(url, {"slot": morning.pk}).status_code == 404, url
    for url in [f"/m/claims/{number}/", f"/m/photos/{number}"]:
        assert client.get(url).status_code == 404, url
    for url in [f"/m/claims/{number}/submit", f"/m/claims/{number}/release"]:
        assert client.post(url, {"completed_units": "5"}).status_code == 404, url
    assert world() == before


@pytest.mark.parametrize("slot", [*BEYOND_A_KEY, "²", "1e3"])
def test_a_slot_beyond_a_database_key_is_refused_with_a_message(mom, beads, morning, slot):
    task = beads.tasks.order_by("pk").first()
    client = phone_of(mom)
    before = world()

    for url in [f"/m/tasks/{task.pk}/claim", f"/m/projects/{beads.pk}/claim-next"]:
        response = client.post(url, {"slot": slot}, follow=True)
        assert response.status_code == 200, url
        assert "请选择一个时段" in text_of(response), url
    assert world() == before


def after_on(response) -> str:
    """The newest claim of hers when the "claim the next one" offer was drawn."""
    return re.search(r'name="after" value="(\d+)"', response.content.decode()).group(1)


def test_claim_the_next_one_sent_twice_claims_one_task(mom, other_mother, beads, morning):
    taken = beads.tasks.order_by("pk").first()
    services.task_claim(worker=other_mother, task_id=taken.pk, slot_id=morning.pk)
    client = phone_of(mom)
    offer = client.post(f"/m/tasks/{taken.pk}/claim", {"slot": morning.pk}, follow=True)
    form = {"slot": morning.pk, "after": after_on(offer)}

    client.post(f"/m/projects/{beads.pk}/claim-next", form)
    again = client.post(f"/m/projects/{beads.pk}/claim-next", form, follow=True)  # a double tap, or a retry

    mine = Claim.objects.get(worker=mom)
    assert again.redirect_chain[-1][0] == f"/m/claims/{mine.pk}/"
    assert "这个任务已经是您的了" in text_of(again)
    # From a page drawn after her first claim, a second one is what she means.
    fresh = client.get(f"/m/?taken={taken.pk}&slot={morning.pk}")
    client.post(f"/m/projects/{beads.pk}/claim-next", {"slot": morning.pk, "after": after_on(fresh)})
    assert Claim.objects.filter(worker=mom, status=ClaimStatus.ACTIVE).count() == 2


@pytest.mark.django_db(transaction=True)
def test_claim_the_next_one_sent_twice_at_once_claims_one_task(on_postgres, mom, beads, morning):
    barrier = threading.Barrier(2)

    def send(_):
        try:
            client = phone_of(mom)
            barrier.wait(timeout=30)
            return client.post(f"/m/projects/{beads.pk}/claim-next", {"slot": morning.pk, "after": "0"}).status_code
        finally:
            connections.close_all()

    with ThreadPoolExecutor(max_workers=2) as pool:
        codes = list(pool.map(send, range(2)))

    assert codes == [302, 302]
    assert Claim.objects.filter(worker=mom).count() == 1


def test_claim_the_next_one_outside_her_hours_keeps_the_guard_through_the_confirmation(
    mom, other_mother, beads, morning
):
    AvailabilityWindow.objects.create(
        worker=mom.worker_profile, weekday=0, start=datetime.time(20), end=datetime.time(22)
    )
    client = phone_of(mom)

    asked = client.post(f"/m/projects/{beads.pk}/claim-next", {"slot": morning.pk, "after": "0"})

    assert asked.status_code == 409 and 'name="after" value="0"' in asked.content.decode()
    confirmed = {"slot": morning.pk, "after": "0", "confirm_outside_availability": "1"}
    client.post(f"/m/projects/{beads.pk}/claim-next", confirmed)
    client.post(f"/m/projects/{beads.pk}/claim-next", confirmed)
    assert Claim.objects.filter(worker=mom).count() == 1


def test_claim_pages_only_take_post(mom, beads, morning):
    task = beads.tasks.first()
    assert phone_of(mom).get(f"/m/tasks/{task.pk}/claim").status_code == 405


# --- my claims, handing in -------------------------------------------------------------------------------


def test_my_claims_show_a_countdown_to_the_deadline(mom, beads, morning):
    claim = claim_in(mom, beads, morning)

    response = phone_of(mom).get("/m/claims/")

    page = text_of(response)
    assert "串珠手链" in page and "请在 11月29日 周日 12:00 前交" in page
    assert "还剩 6 小时 00 分" in page  # 06:00 now, deadline 11:30 + 30 minutes' grace
    assert f'data-deadline="{claim.expires_at.isoformat()}"' in response.content.decode()


@pytest.mark.parametrize(
    ("text", "message"),
    [("   ", "请先写好文字再提交"), ("纯棉\x00面料", "文字里有一个看不见的空字符")],  # empty; a NUL named
)
def test_copywriting_text_she_cannot_send_is_refused_and_nothing_changes(mom, supervisor, copy_project, text, message):
    claim = claim_in(mom, copy_project, slot_at(supervisor, copy_project, at(9), at(11)))
    before = world()

    response = phone_of(mom).post(f"/m/claims/{claim.pk}/submit", {"text": text})

    assert response.status_code == 400 and world() == before
    assert message in text_of(response)


def test_copywriting_hand_in_and_a_double_tap_makes_one_submission(mom, supervisor, copy_project):
    claim = claim_in(mom, copy_project, slot_at(supervisor, copy_project, at(9), at(11)))
    client = phone_of(mom)

    first = client.post(f"/m/claims/{claim.pk}/submit", {"text": "纯棉面料，柔软亲肤。"})
    again = client.post(f"/m/claims/{claim.pk}/submit", {"text": "纯棉面料，柔软亲肤。"}, follow=True)

    assert first.status_code == 302 and first["Location"] == f"/m/claims/?submitted={claim.pk}"
    assert Submission.objects.filter(claim=claim).count() == 1
    assert Submission.objects.get().text == "纯棉面料，柔软亲肤。"
    assert "已经交过了" in text_of(again)
    page = client.get("/m/claims/").content.decode()
    assert "等待审核" in page


def test_assembly_hand_in_with_photos_as_a_plain_form(mom, beads, morning):
    claim = claim_in(mom, beads, morning)

    response = phone_of(mom).post(f"/m/claims/{claim.pk}/submit", {"completed_units": "8", "photos": [jpeg(), jpeg()]})

    assert response.status_code == 302
    submission = Submission.objects.get()
    assert submission.submitted_units == 8 and submission.photos.count() == 2


@pytest.mark.parametrize(
    "data, status, message",
    [
        ({"completed_units": "11"}, 400, "这批一共 10 件，您填了 11。请再数一下，最多填 10。"),
        ({"completed_units": "0"}, 400, "请填写做好的件数，至少 1 件。"),
        ({"completed_units": "abc"}, 400, "整数"),
        ({"completed_units": "5", "photos": [SimpleUploadedFile("a.jpg", b"hello")]}, 400, "不是我们能打开的照片"),
        ({"completed_units": "5", "photos": [jpeg() for _ in range(4)]}, 400, "最多 3 张照片"),
    ],
)
def test_assembly_errors_are_clear_and_change_nothing(mom, beads, morning, data, status, message):
    claim = claim_in(mom, beads, morning)
    before = world()

    response = phone_of(mom).post(f"/m/claims/{claim.pk}/submit", data)

    assert response.status_code == status and world() == before
    assert message in text_of(response)
    assert SubmissionPhoto.objects.count() == 0


@pytest.mark.parametrize("typed", ["8", " 8 ", "8.0"])
def test_the_pieces_go_in_as_the_form_reads_the_number(mom, beads, morning, typed):
    claim = claim_in(mom, beads, morning)

    response = phone_of(mom).post(f"/m/claims/{claim.pk}/submit", {"completed_units": typed})

    assert response.status_code == 302 and Submission.objects.get().submitted_units == 8


def test_what_she_handed_in_shows_with_her_photos(mom, beads, morning):
    claim = claim_in(mom, beads, morning)
    client = phone_of(mom)
    client.post(f"/m/claims/{claim.pk}/submit", {"completed_units": "8", "photos": [jpeg()]})
    photo = SubmissionPhoto.objects.get()

    response = client.get(f"/m/claims/{claim.pk}/")

    assert "完成件数：8 件" in text_of(response) and "已交，正在等待审核" in text_of(response)
    assert f'src="/m/photos/{photo.pk}"' in response.content.decode()
    assert client.get(f"/m/photos/{photo.pk}").status_code == 200


def test_sent_back_for_changes_she_starts_from_what_she_sent(mom, supervisor, copy_project):
    claim = claim_in(mom, copy_project, slot_at(supervisor, copy_project, at(9), at(11)))
    submission = services.claim_submit(worker=mom, claim_id=claim.pk, text="第一稿")
    services.submission_review(actor=supervisor, submission_id=submission.pk, decision="revise", reason="再口语一点")
    client = phone_of(mom)

    page = client.get(f"/m/claims/{claim.pk}/").content.decode()

    assert "\n第一稿</textarea>" in page and "再口语一点" in page
    assert client.post(f"/m/claims/{claim.pk}/submit", {"text": "第二稿"}).status_code == 302
    assert list(Submission.objects.filter(claim=claim).order_by("pk").values_list("text", flat=True)) == [
        "第一稿",
        "第二稿",
    ]


def test_a_photo_over_10_mb_gets_413_on_the_page_too(mom, beads, morning):
    claim = claim_in(mom, beads, morning)
    big = SimpleUploadedFile("big.jpg", b"\xff\xd8" + b"\0" * (10 * 1024 * 1024 + 1))
    before = world()

    response = phone_of(mom).post(f"/m/claims/{claim.pk}/submit", {"completed_units": "5", "photos": [big]})

    assert response.status_code == 413 and world() == before
    assert "大于 10 MB" in text_of(response)


def test_labelling_needs_every_item_and_then_goes_in(mom, supervisor, label_project):
    claim = claim_in(mom, label_project, slot_at(supervisor, label_project, at(9), at(11)))
    items = list(claim.task.items.order_by("position"))
    client = phone_of(mom)
    page = client.get(f"/m/claims/{claim.pk}/").content.decode()
    assert page.count('type="radio"') == 9 and "评论 0" in page
    before = world()

    partial = client.post(f"/m/claims/{claim.pk}/submit", {f"label-{items[0].pk}": "好评"})
    assert partial.status_code == 400 and world() == before
    assert "每一条都要选一个标签" in text_of(partial)
    assert f'name="label-{items[0].pk}" value="好评" checked' in partial.content.decode()  # her choice kept
    wrong = client.post(f"/m/claims/{claim.pk}/submit", {f"label-{i.pk}": "很好" for i in items})
    assert wrong.status_code == 400 and world() == before

    done = client.post(f"/m/claims/{claim.pk}/submit", {f"label-{i.pk}": "差评" for i in items})
    assert done.status_code == 302
    assert Submission.objects.get().labels == {str(i.pk): "差评" for i in items}


def test_release_before_the_slot_is_free(mom, beads, morning):
    claim = claim_in(mom, beads, morning)

    response = phone_of(mom).post(f"/m/claims/{claim.pk}/release", {}, follow=True)

    claim.refresh_from_db()
    assert claim.status == ClaimStatus.RELEASED and claim.release_kind == "free"
    assert "任务已放回任务大厅" in text_of(response)


def test_release_during_the_slot_needs_a_reason_or_a_family_emergency(mom, beads, morning, frozen):
    claim = claim_in(mom, beads, morning)
    frozen.move_to(at(10))
    client = phone_of(mom)
    page = text_of(client.get(f"/m/claims/{claim.pk}/"))
    assert "家里有急事" in page and "本月还剩 3 次" in page
    before = world()

    refused = client.post(f"/m/claims/{claim.pk}/release", {"reason": ""}, follow=True)
    assert world() == before and "时段已经开始" in text_of(refused)
    too_long = client.post(f"/m/claims/{claim.pk}/release", {"reason": "长" * 201}, follow=True)
    assert world() == before and "原因写得太长了" in text_of(too_long)

    client.post(f"/m/claims/{claim.pk}/release", {"family_emergency": "on"})
    claim.refresh_from_db()
    assert claim.status == ClaimStatus.RELEASED and claim.release_kind == "emergency"


def handed_in_after(response) -> str:
    return re.search(r'name="handed_in_after" value="(\d+)"', response.content.decode()).group(1)


def test_a_hand_in_sent_again_after_it_was_reviewed_lands_on_my_tasks(mom, supervisor, beads, morning):
    claim = claim_in(mom, beads, morning)
    client = phone_of(mom)
    form = {"completed_units": "8", "handed_in_after": handed_in_after(client.get(f"/m/claims/{claim.pk}/"))}
    client.post(f"/m/claims/{claim.pk}/submit", form)
    services.submission_review(actor=supervisor, submission_id=Submission.objects.get().pk, decision="accept")
    before = world()

    again = client.post(f"/m/claims/{claim.pk}/submit", form, follow=True)  # the retry of a dropped send

    assert world() == before
    assert again.redirect_chain == [("/m/claims/", 302)]
    assert "这份活已经交过，也审核完了" in text_of(again) and "8 件中通过 8 件" in text_of(again)


def test_a_hand_in_retried_after_it_was_sent_back_is_not_handed_in_twice(mom, supervisor, copy_project):
    claim = claim_in(mom, copy_project, slot_at(supervisor, copy_project, at(9), at(11)))
    client = phone_of(mom)
    form = {"text": "第一稿", "handed_in_after": handed_in_after(client.get(f"/m/claims/{claim.pk}/"))}
    client.post(f"/m/claims/{claim.pk}/submit", form)
    first = Submission.objects.get()
    services.submission_review(actor=supervisor, submission_id=first.pk, decision="revise", reason="再口语一点")
    before = world()

    again = client.post(f"/m/claims/{claim.pk}/submit", form, follow=True)

    assert world() == before
    assert again.redirect_chain == [("/m/claims/", 302)] and "这份活已经交过了" in text_of(again)
    # The page drawn after the review hands in the second draft.
    page = client.get(f"/m/claims/{claim.pk}/")
    assert handed_in_after(page) == str(first.pk)
    client.post(f"/m/claims/{claim.pk}/submit", {"text": "第二稿", "handed_in_after": str(first.pk)})
    assert list(Submission.objects.order_by("pk").values_list("text", flat=True)) == ["第一稿", "第二稿"]


@pytest.mark.django_db(transaction=True)
def test_a_hand_in_sent_twice_at_once_goes_in_once_and_both_land_on_my_tasks(on_postgres, mom, beads, morning):
    claim = claim_in(mom, beads, morning)
    form = {"completed_units": "8", "handed_in_after": handed_in_after(phone_of(mom).get(f"/m/claims/{claim.pk}/"))}
    barrier = threading.Barrier(2)

    def send(_):
        try:
            client = phone_of(mom)
            barrier.wait(timeout=30)
            return client.post(f"/m/claims/{claim.pk}/submit", form)["Location"]
        finally:
            connections.close_all()

    with ThreadPoolExecutor(max_workers=2) as pool:
        landed = sorted(pool.map(send, range(2)))

    assert landed == ["/m/claims/", f"/m/claims/?submitted={claim.pk}"]
    assert Submission.objects.filter(claim=claim).count() == 1


def test_a_tampered_hand_in_marker_is_ignored_not_a_500(mom, beads, morning):
    claim = claim_in(mom, beads, morning)

    response = phone_of(mom).post(
        f"/m/claims/{claim.pk}/submit", {"completed_units": "8", "handed_in_after": str(10**30)}
    )

    assert response.status_code == 302 and Submission.objects.get().submitted_units == 8


def test_a_nul_character_in_the_reason_is_named_not_called_too_long(mom, beads, morning):
    claim = claim_in(mom, beads, morning)
    before = world()

    response = phone_of(mom).post(f"/m/claims/{claim.pk}/release", {"reason": "孩子\x00发烧"}, follow=True)

    assert world() == before
    page = text_of(response)
    assert "原因里有一个看不见的空字符" in page and "太长" not in page


def test_giving_back_twice_is_harmless_and_says_so(mom, beads, morning):
    claim = claim_in(mom, beads, morning)
    client = phone_of(mom)
    client.post(f"/m/claims/{claim.pk}/release", {}, follow=True)
    before = world()

    again = client.post(f"/m/claims/{claim.pk}/release", {}, follow=True)

    assert world() == before
    assert again.redirect_chain == [("/m/claims/", 302)] and "这个任务已经放回去了" in text_of(again)


# --- results and earnings -----------------------------------------------------------------------------------


def test_review_results_are_readable_and_a_revise_goes_back_into_my_tasks(mom, supervisor, beads, morning):
    claims = [claim_in(mom, beads, morning), claim_in(mom, beads, morning)]
    for claim in claims:
        services.claim_submit(worker=mom, claim_id=claim.pk, completed_units=10)
    first, second = (Submission.objects.get(claim=c) for c in claims)
    services.submission_review(
        actor=supervisor, submission_id=first.pk, decision="partial", accepted_units=8, reason="两件线头没剪"
    )
    services.submission_review(actor=supervisor, submission_id=second.pk, decision="revise", reason="请拍清楚一点")

    page = text_of(phone_of(mom).get("/m/claims/"))

    assert "部分通过" in page and "原因： 两件线头没剪" in page and "10 件中通过 8 件 · 已记入 ¥4.00" in page
    assert "退回修改" in page and "请修改： 请拍清楚一点" in page and "修改后重新交" in page
    assert Claim.objects.get(pk=claims[1].pk).status == ClaimStatus.ACTIVE


def test_rejected_with_reason(mom, supervisor, beads, morning):
    claim = claim_in(mom, beads, morning)
    submission = services.claim_submit(worker=mom, claim_id=claim.pk, completed_units=10)
    services.submission_review(
        actor=supervisor, submission_id=submission.pk, decision="reject", reason="照片没有拍到成品"
    )

    page = text_of(phone_of(mom).get("/m/claims/"))

    assert "不通过" in page and "照片没有拍到成品" in page
    assert Submission.objects.get().status == SubmissionStatus.REJECTED


def test_notices_show_under_results(mom):
    Notice.objects.create(
        user=mom, kind="claim_expired", key="k", text="时间到了，任务回到了任务大厅。", created_at=timezone.now()
    )

    assert "时间到了，任务回到了任务大厅。" in text_of(phone_of(mom).get("/m/claims/"))


def test_earnings_show_balance_weeks_chart_and_every_entry(mom, supervisor, beads, morning, frozen):
    claim = claim_in(mom, beads, morning)
    submission = services.claim_submit(worker=mom, claim_id=claim.pk, completed_units=10)
    services.submission_review(actor=supervisor, submission_id=submission.pk, decision="accept")

    response = phone_of(mom).get("/m/earnings/")

    page = text_of(response)
    assert "待结算余额" in page and "¥5.00" in page and "甲公司" in page
    assert re.search(r"本周\s+¥5.00", page) and re.search(r"上周\s+¥0.00", page)
    assert f"串珠手链 #{claim.task.number} · 10 件" in page and "+¥5.00" in page
    body = response.content.decode()
    assert body.count("<rect ") == 8 and 'class="now"' in body


def test_earnings_of_a_mother_with_nothing_yet(mom):
    page = text_of(phone_of(mom).get("/m/earnings/"))

    assert "¥0.00" in page and "还没有收入" in page


# --- the installable app ----------------------------------------------------------------------------------------


def test_manifest_and_service_worker_are_public_and_scoped_to_the_app(db):
    manifest = Client().get("/m/manifest.webmanifest")
    assert manifest.status_code == 200 and manifest["Content-Type"] == "application/manifest+json"
    body = json.loads(manifest.content)
    assert body["short_name"] == "妈妈岗" and body["scope"] == "/m/" and body["start_url"] == "/m/"
    assert {icon["sizes"] for icon in body["icons"]} == {"192x192", "512x512"}
    for icon in body["icons"]:
        assert Client().get(icon["src"]).status_code == 200

    worker = Client().get("/m/sw.js")
    assert worker.status_code == 200 and worker["Content-Type"].startswith("text/javascript")
    assert worker["Service-Worker-Allowed"] == "/m/"
    assert "\\u7f51\\u7edc\\u65ad\\u5f00\\u4e86" in worker.content.decode()  # 网络断开了


def test_her_pages_say_whose_they_are_so_the_phone_keeps_nobody_elses(mom, other_mother, company, beads, morning):
    """The service worker keeps pages per viewer (X-Homeslot-Viewer) and drops another viewer's."""
    other_mother.worker_profile.youngest_birth_year = 2020
    other_mother.worker_profile.save()
    hers = {url: phone_of(mom).get(url) for url in MOTHER_PAGES}
    theirs = phone_of(other_mother).get("/m/")
    refused = phone_of(factories.staff(company, Role.SUPERVISOR)).get("/m/")

    viewers = {response["X-Homeslot-Viewer"] for response in hers.values()}
    assert len(viewers) == 1 and theirs["X-Homeslot-Viewer"] not in viewers
    assert str(mom.pk) not in viewers  # not her account id
    for url, response in hers.items():
        assert (
            "private" in response["Cache-Control"]
            and "no-cache" in response["Cache-Control"]
            and "no-store" in response["Cache-Control"]
        ), url
    assert refused.status_code == 403 and not refused.has_header("X-Homeslot-Viewer")
    worker = Client().get("/m/sw.js").content.decode()
    assert 'VIEWER_HEADER = "X-Homeslot-Viewer"' in worker and "keepOnly(null)" in worker


def nothing_kept_text(client) -> str:
    worker = client.get("/m/sw.js").content.decode()
    return json.loads(re.search(r"var NOTHING_KEPT_TEXT = (.*);", worker).group(1))


def test_with_nothing_kept_the_offline_page_does_not_promise_a_task_list(db):
    nothing_kept = nothing_kept_text(Client())

    assert nothing_kept == "网络断开了，这台手机上没有保存这个页面。请等有网络时再试。"
    assert "任务列表" not in nothing_kept


def test_the_worker_speaks_her_chosen_language_not_the_worker_fetchs(db):
    # Chromium fetches the worker with its own Accept-Language: Chinese unless she switched.
    assert nothing_kept_text(Client(HTTP_ACCEPT_LANGUAGE="en-US")).startswith("网络断开了")
    switched = Client(HTTP_ACCEPT_LANGUAGE="zh-CN")
    switched.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    assert nothing_kept_text(switched).startswith("The network is down")


def test_the_language_switch_after_a_refused_form_comes_back_to_a_page_she_can_open(mom, supervisor, copy_project):
    claim = claim_in(mom, copy_project, slot_at(supervisor, copy_project, at(9), at(11)))
    client = phone_of(mom)
    refused = client.post(f"/m/claims/{claim.pk}/submit", {"text": " "})
    back_to = re.search(r'name="next" value="([^"]*)"', refused.content.decode()).group(1)

    switched = client.post("/i18n/setlang/", {"language": "en", "next": back_to}, follow=True)

    assert back_to == f"/m/claims/{claim.pk}/"
    assert switched.status_code == 200 and "Hand in" in text_of(switched)


def test_the_language_switch_keeps_a_foreign_next_at_home(mom):
    switched = phone_of(mom).post("/i18n/setlang/", {"language": "en", "next": "https://evil.example/m/"})

    assert switched.status_code == 302 and switched["Location"] == "/"


def test_every_state_change_needs_the_csrf_token(mom, beads, morning):
    claim = claim_in(mom, beads, morning)
    task = beads.tasks.filter(status="open").first()
    client = Client(enforce_csrf_checks=True)
    client.force_login(mom)
    before = world()

    for url, data in [
        (f"/m/tasks/{task.pk}/claim", {"slot": morning.pk}),
        (f"/m/projects/{beads.pk}/claim-next", {"slot": morning.pk}),
        (f"/m/claims/{claim.pk}/submit", {"completed_units": "5"}),
        (f"/m/claims/{claim.pk}/release", {}),
        ("/m/hours/", week_post(([0], "09:00", "10:00"))),
        ("/m/setup/", {"display_name": "x", "city": "y", "children_under_12": "0"}),
    ]:
        assert client.post(url, data).status_code == 403, url
    assert world() == before and windows_of(mom) == []
    for url in [f"/m/tasks/{task.pk}/claim", f"/m/claims/{claim.pk}/submit", f"/m/claims/{claim.pk}/release"]:
        assert client.get(url).status_code == 405, url


def test_a_photo_is_never_served_to_another_company_or_another_mother(
    mom, other_mother, other_company, supervisor, beads, morning
):
    claim = claim_in(mom, beads, morning)
    phone_of(mom).post(f"/m/claims/{claim.pk}/submit", {"completed_units": "8", "photos": [jpeg()]})
    photo = SubmissionPhoto.objects.get()

    for stranger in [other_mother, *(factories.staff(other_company, role) for role in Role)]:
        assert phone_of(stranger).get(f"/m/photos/{photo.pk}").status_code == 404, stranger
    assert phone_of(supervisor).get(f"/m/photos/{photo.pk}").status_code == 200


# --- Chinese first, every string translated -----------------------------------------------------------------------

ALLOWED_ASCII = {"Homeslot", "English", "JPEG", "PNG", "WebP", "MB"}


def untranslated(response) -> list[str]:
    """Runs of 2+ ASCII letters a mother would read (text, labels, the script's strings)."""
    source = response.content.decode()
    strings = re.search(r'<script id="m-strings" type="application/json">(.*?)</script>', source, re.S)
    readable = [*json.loads(strings.group(1)).values()] if strings else []
    readable += re.findall(r'(?:placeholder|aria-label|title|alt)="([^"]*)"', source)
    visible = re.sub(r"<(script|style)\b.*?</\1>", " ", source, flags=re.S)
    visible = (
        re.sub(r"<title>.*?</title>", " ", visible, flags=re.S)
        + " "
        + re.search(r"<title>(.*?)</title>", source, re.S).group(1)
    )
    readable.append(html.unescape(re.sub(r"<[^>]+>", " ", visible)))
    return sorted({word for text in readable for word in re.findall(r"[A-Za-z]{2,}", text)} - ALLOWED_ASCII)


def test_every_mother_page_is_all_chinese(
    mom, other_mother, supervisor, company, beads, morning, copy_project, label_project
):
    copy_slot = slot_at(supervisor, copy_project, at(9), at(11))
    label_slot = slot_at(supervisor, label_project, at(9), at(11))
    AvailabilityWindow.objects.create(
        worker=mom.worker_profile, weekday=6, start=datetime.time(8), end=datetime.time(12)
    )
    assembly_claim = claim_in(mom, beads, morning)
    copy_claim = claim_in(mom, copy_project, copy_slot)
    label_claim = claim_in(mom, label_project, label_slot)
    reviewed = claim_in(mom, beads, morning)
    submission = services.claim_submit(worker=mom, claim_id=reviewed.pk, completed_units=10)
    services.submission_review(
        actor=supervisor, submission_id=submission.pk, decision="partial", accepted_units=9, reason="一件不合格"
    )
    taken = beads.tasks.filter(status="open").first()
    services.task_claim(worker=other_mother, task_id=taken.pk, slot_id=morning.pk)
    client = phone_of(mom)
    responses = {
        url: client.get(url)
        for url in [
            "/m/",
            "/m/?fits=1&kind=labelling",
            f"/m/?taken={taken.pk}&slot={morning.pk}",
            "/m/claims/",
            f"/m/claims/{assembly_claim.pk}/",
            f"/m/claims/{copy_claim.pk}/",
            f"/m/claims/{label_claim.pk}/",
            f"/m/claims/{reviewed.pk}/",
            "/m/earnings/",
            "/m/hours/",
            "/m/setup/",
        ]
    }
    responses["error page"] = client.post(f"/m/claims/{copy_claim.pk}/submit", {"text": ""})
    responses["week error"] = client.post("/m/hours/", week_post(([0], "11:00", "09:00")))
    AvailabilityWindow.objects.filter(worker=mom.worker_profile).update(start=datetime.time(20), end=datetime.time(21))
    responses["confirm"] = client.post(f"/m/projects/{copy_project.pk}/claim-next", {"slot": copy_slot.pk})
    responses["refused"] = phone_of(supervisor).get("/m/")
    other_mother.worker_profile.youngest_birth_year = 2020
    other_mother.worker_profile.save()
    responses["not hers"] = phone_of(other_mother).get(f"/m/claims/{copy_claim.pk}/")
    responses["claim race"] = client.post(f"/m/tasks/{taken.pk}/claim", {"slot": morning.pk}, follow=True)
    responses["bad slot"] = client.post(f"/m/tasks/{taken.pk}/claim", {"slot": "²"}, follow=True)
    responses["photo refused"] = client.post(
        f"/m/claims/{assembly_claim.pk}/submit", {"completed_units": "5", "photos": [jpeg() for _ in range(4)]}
    )
    client.post(f"/m/claims/{assembly_claim.pk}/release", {})
    responses["given back twice"] = client.post(f"/m/claims/{assembly_claim.pk}/release", {}, follow=True)
    responses["handed in twice"] = client.post(f"/m/claims/{reviewed.pk}/submit", {"completed_units": "5"}, follow=True)

    for url, response in responses.items():
        assert response.status_code in (200, 400, 403, 404, 409), url
        assert untranslated(response) == [], url
    # The service worker's own words, shown with no network.
    worker = client.get("/m/sw.js").content.decode()
    offline_words = json.loads(re.search(r"var NOTHING_KEPT_TEXT = (.*);", worker).group(1))
    assert re.findall(r"[A-Za-z]{2,}", offline_words) == []


def test_the_untranslated_check_catches_english(mom, beads, morning):
    response = phone_of(mom).get("/m/")
    response.content = response.content.replace(b"</main>", b"<p>Claim now</p></main>")

    assert untranslated(response) == ["Claim", "now"]


def test_english_by_the_switch(mom, beads, morning):
    client = phone_of(mom)

    switched = client.post("/i18n/setlang/", {"language": "en", "next": "/m/"})

    assert switched.status_code == 302
    page = text_of(client.get("/m/"))
    assert "Task hall" in page and "about ¥30.00 per hour" in page and "Sun, 11/29 09:00–11:30" in page


def test_times_are_written_the_way_she_reads_them(db):
    from frontend import mother_format as fmt

    # Outside a request: not whatever language an earlier test left active.
    with translation.override("zh-hans"):
        deadline = at(12)
        assert fmt.slot_text(at(9), at(11, 30)) == "11月29日 周日 09:00–11:30"
        assert fmt.slot_text(at(23), at(1, day=30)) == "11月29日 周日 23:00 – 11月30日 周一 01:00"
        assert fmt.time_left_text(deadline, now=deadline - datetime.timedelta(seconds=95)) == "还剩 1 分 35 秒"
        assert fmt.time_left_text(deadline, now=at(6)) == "还剩 6 小时 00 分"
        assert fmt.time_left_text(deadline, now=at(6, day=26)) == "还剩 3 天 6 小时"
        assert fmt.time_left_text(deadline, now=at(13)) == "已到截止时间"
        assert fmt.weekdays_text([0, 1, 2, 3, 4]) == "周一至周五"
        assert fmt.weekdays_text([0, 2, 5, 6]) == "周一、周三、周六、周日"
        assert fmt.weekdays_text([0, 1, 2, 5]) == "周一至周三、周六"
        assert fmt.minutes_text(90) == "约 1 小时 30 分钟" and fmt.minutes_text(0) == "约 1 分钟"


def test_the_hall_reads_the_same_few_queries_however_many_projects_are_open(
    mom, supervisor, company, django_assert_max_num_queries
):
    def open_projects(numbers):
        for number in numbers:
            project = factories.project(supervisor, company, title=f"串珠{number}号", tasks=6)
            for hour in (9, 13):
                slot_at(supervisor, project, at(hour), at(hour + 1))

    client = phone_of(mom)
    open_projects(range(2))
    with CaptureQueriesContext(connection) as few:
        assert client.get("/m/").status_code == 200

    open_projects(range(2, 10))
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get("/m/")
    assert all(f"串珠{number}号" in text_of(response) for number in range(10))  # every project is shown
