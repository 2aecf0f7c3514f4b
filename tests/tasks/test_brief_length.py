"""A copywriting brief's length (字数, characters without spaces) and keywords: set when the briefs are
split, shown in the hall, held at hand-in (outside the range refused with the count, nothing changed),
and shown to the reviewer with the keywords the text leaves out."""

import pytest

from tasks import services, writing
from tasks.models import Kind, Task
from tests import factories
from tests.conftest import api_for
from tests.snapshots import assert_refused, world

pytestmark = pytest.mark.django_db


@pytest.fixture
def copy_project(supervisor, company):
    values = {**factories.PROJECT_DEFAULTS[Kind.COPYWRITING], "title": "童装文案"}
    return services.project_create(actor=supervisor, company_id=company.pk, kind=Kind.COPYWRITING, **values)


def split(supervisor, project, **body):
    return api_for(supervisor).post(f"/api/v1/projects/{project.pk}/split", body, format="json")


def test_counting_leaves_out_spaces_and_line_breaks():
    assert writing.char_count("纯棉 睡衣\n柔软 abc！") == 10
    assert writing.missing_keywords("纯棉睡衣，柔软亲肤", ["纯棉", "安全"]) == ["安全"]


def test_the_split_sets_the_range_and_keywords_and_the_hall_shows_them(supervisor, copy_project, mother):
    response = split(
        supervisor, copy_project, briefs=["写睡衣", "写围兜"], min_chars=10, max_chars=40, keywords=["纯棉"]
    )
    assert response.status_code == 201, response.content
    assert list(Task.objects.filter(project=copy_project).values_list("min_chars", "max_chars", "keywords")) == [
        (10, 40, ["纯棉"]),
        (10, 40, ["纯棉"]),
    ]
    services.project_transition(actor=supervisor, project_id=copy_project.pk, action="publish")
    factories.slot(supervisor, copy_project)
    hall = api_for(mother).get("/api/v1/tasks").json()["results"]
    assert {(t["min_chars"], t["max_chars"], tuple(t["keywords"])) for t in hall} == {(10, 40, ("纯棉",))}


@pytest.mark.parametrize(
    "terms",
    [
        {"min_chars": 50, "max_chars": 10},
        {"min_chars": 0},
        {"max_chars": 20001},
        {"keywords": [""]},
        {"keywords": ["一二三四五六七八九十一二三四五六七八九十一"]},
        {"keywords": [f"词{n}" for n in range(11)]},
    ],
)
def test_a_range_or_keywords_that_do_not_fit_are_refused_and_nothing_is_made(supervisor, copy_project, terms):
    before = world()
    response = split(supervisor, copy_project, briefs=["写睡衣"], **terms)
    assert response.status_code == 400, response.content
    assert response.json()["error"]["code"] in ("invalid_split", "invalid")
    assert world() == before


@pytest.fixture
def claimed(supervisor, copy_project, mother):
    services.project_split(
        actor=supervisor,
        project_id=copy_project.pk,
        briefs=["写睡衣"],
        min_chars=10,
        max_chars=20,
        keywords=["纯棉", "安全"],
    )
    services.project_transition(actor=supervisor, project_id=copy_project.pk, action="publish")
    slot = factories.slot(supervisor, copy_project)
    return services.task_claim_next(
        worker=mother, project_id=copy_project.pk, slot_id=slot.pk, confirm_outside_availability=True
    )


def submit(mother, claim, text):
    return api_for(mother).post(f"/api/v1/claims/{claim.pk}/submit", {"text": text}, format="json")


@pytest.mark.parametrize("text, chars", [("纯棉睡衣 柔软", 6), ("纯棉" * 11, 22)])
def test_a_text_outside_the_range_is_refused_with_its_count(mother, claimed, text, chars):
    before = world()
    response = submit(mother, claimed, text)
    assert_refused(response, 400, "text_length", before)
    assert response.json()["error"]["details"] == {"chars": chars, "min_chars": 10, "max_chars": 20}
    assert str(chars) in response.json()["error"]["message"]


def test_the_reviewer_sees_the_count_and_the_missing_keyword(mother, claimed, supervisor):
    response = submit(mother, claimed, "纯棉面料的儿童睡衣，柔软透气，亲肤")
    assert response.status_code == 201, response.content
    submission = response.json()["submission"] if "submission" in response.json() else response.json()
    seen = api_for(supervisor).get(f"/api/v1/submissions/{submission['id']}").json()
    assert seen["writing"] == {
        "chars": 17,
        "min_chars": 10,
        "max_chars": 20,
        "keywords": ["纯棉", "安全"],
        "missing_keywords": ["安全"],
    }


def test_her_page_shows_the_length_and_keywords_and_a_short_text_is_refused_in_words(mom, claimed):
    from django.test import Client

    client = Client()
    client.force_login(mom)
    page = client.get(f"/m/claims/{claimed.pk}/").content.decode()
    assert 'id="brief-length"' in page and "10–20" in page and 'id="char-count"' in page
    assert 'data-min="10"' in page and 'data-max="20"' in page and "纯棉" in page
    before = world()
    response = client.post(f"/m/claims/{claimed.pk}/submit", {"text": "太短了", "handed_in_after": "0"})
    assert response.status_code == 400
    assert "3" in response.content.decode() and 'role="alert"' in response.content.decode()
    assert world() == before


def test_the_review_page_shows_the_count_and_marks_the_missing_keyword(mother, claimed, supervisor):
    from django.test import Client

    submission = services.claim_submit(worker=mother, claim_id=claimed.pk, text="纯棉面料的儿童睡衣，柔软透气，亲肤")
    client = Client()
    client.force_login(supervisor)
    page = client.get(f"/work/review/{submission.pk}/").content.decode()
    assert 'data-chars="17"' in page and "安全 ✗" in page and "纯棉 ✓" in page


def test_the_split_page_carries_the_length_and_keywords_from_preview_to_tasks(supervisor, copy_project):
    from django.test import Client

    client = Client()
    client.force_login(supervisor)
    preview = client.post(
        f"/work/projects/{copy_project.pk}/split",
        {"briefs": "连衣裙详情页\n夏季T恤文案", "min_chars": "200", "max_chars": "300", "keywords": "纯棉，透气 安全"},
    )
    assert preview.status_code == 200, preview.content.decode()[:500]
    text = preview.content.decode()
    token = text.split('name="preview" value="')[1].split('"')[0]
    made = client.post(
        f"/work/projects/{copy_project.pk}/split/confirm", {"preview": token, "briefs": "连衣裙详情页\n夏季T恤文案"}
    )
    assert made.status_code == 302
    assert list(Task.objects.filter(project=copy_project).values_list("min_chars", "max_chars", "keywords")) == [
        (200, 300, ["纯棉", "透气", "安全"]),
        (200, 300, ["纯棉", "透气", "安全"]),
    ]


def test_a_range_upside_down_on_the_split_page_makes_nothing(supervisor, copy_project):
    from django.test import Client

    client = Client()
    client.force_login(supervisor)
    before = world()
    response = client.post(
        f"/work/projects/{copy_project.pk}/split", {"briefs": "连衣裙详情页", "min_chars": "300", "max_chars": "200"}
    )
    assert response.status_code == 400 and "errorlist" in response.content.decode()
    assert world() == before
