"""Companies join by themselves: registered by a signed-up person, pending until an operator
approves (the admin), preparing projects meanwhile but not publishing them; the admins hear of the
decision in their inbox."""

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.test import Client

from accounts.models import AuditEntry, Company, CompanyStatus, Membership, Role
from notices.models import Notice, NoticeKind
from tasks import services as task_services
from tests import factories
from tests.conftest import api_for

pytestmark = pytest.mark.django_db

# Valid 统一社会信用代码 (their check characters are right) and one with a wrong check character.
VALID = "91310000775785552L"
OTHER_VALID = "91110000600037341L"
WRONG_CHECK = "91310000775785552A"


def register(user, **overrides):
    body = {
        "name": "佛山巧手箱包",
        "credit_code": VALID,
        "region": "广东省佛山市",
        "contact_name": "黄经理",
        "contact_phone": "13912345678",
        **overrides,
    }
    return api_for(user).post("/api/v1/companies", body, format="json")


@pytest.fixture
def founder(db):
    return factories.UserFactory()


def test_a_signed_up_person_registers_her_company_and_becomes_its_admin(founder):
    response = register(founder)

    assert response.status_code == 201, response.content
    body = response.json()
    assert body["status"] == "pending" and body["credit_code"] == VALID
    company = Company.objects.get(pk=body["id"])
    assert company.contact_phone == "+8613912345678"
    assert Membership.objects.get(company=company).user == founder
    assert Membership.objects.get(company=company).role == Role.ADMIN
    assert AuditEntry.objects.filter(action="company.register", target_id=str(company.pk)).exists()
    assert [c["id"] for c in api_for(founder).get("/api/v1/companies").json()] == [company.pk]


@pytest.mark.parametrize(
    ("overrides", "code"),
    [
        ({"credit_code": WRONG_CHECK}, "invalid_credit_code"),
        ({"credit_code": "1234"}, "invalid_credit_code"),
        ({"contact_phone": "12345"}, "invalid_phone"),
        ({"name": "   "}, "invalid"),
        ({"region": ""}, "invalid"),
    ],
)
def test_a_bad_registration_is_refused_and_makes_nothing(founder, overrides, code):
    response = register(founder, **overrides)

    assert response.status_code == 400 and response.json()["error"]["code"] == code
    assert not Company.objects.exists() and not Membership.objects.exists()


def test_a_company_registers_once_by_name_and_by_credit_code(founder):
    assert register(founder).status_code == 201
    someone = factories.UserFactory()

    same_code = register(someone, name="另一家")
    same_name = register(someone, credit_code=OTHER_VALID)

    assert same_code.status_code == same_name.status_code == 409
    assert same_code.json()["error"]["code"] == "company_registered"
    assert Company.objects.count() == 1 and not Membership.objects.filter(user=someone).exists()


def test_registering_needs_a_signed_in_person(db):
    assert api_for(None).post("/api/v1/companies", {}, format="json").status_code == 401


def test_a_pending_company_prepares_projects_but_cannot_publish(founder):
    company = Company.objects.get(pk=register(founder).json()["id"])
    supervisor = factories.staff(company, Role.SUPERVISOR)
    project = factories.project(supervisor, company, publish=False)

    response = api_for(supervisor).post(f"/api/v1/projects/{project.pk}/publish")

    assert response.status_code == 409 and response.json()["error"]["code"] == "company_not_approved"
    project.refresh_from_db()
    assert project.status == "draft"


def _operator():
    return factories.UserFactory(is_staff=True, is_superuser=True)


def _admin_action(operator, action, company, **extra):
    client = Client()
    client.force_login(operator)
    data = {"action": action, ACTION_CHECKBOX_NAME: [company.pk], **extra}
    return client.post("/admin/accounts/company/", data)


def test_an_operator_approves_it_in_the_admin_and_its_admin_hears_of_it(founder):
    company = Company.objects.get(pk=register(founder).json()["id"])
    supervisor = factories.staff(company, Role.SUPERVISOR)
    project = factories.project(supervisor, company, publish=False)

    response = _admin_action(_operator(), "approve", company)

    assert response.status_code == 302
    company.refresh_from_db()
    assert company.status == CompanyStatus.APPROVED and company.reviewed_by.is_staff
    notice = Notice.objects.get(user=founder)
    assert notice.kind == NoticeKind.COMPANY_REVIEWED and company.name in notice.text
    assert not Notice.objects.filter(user=supervisor).exists()
    task_services.project_transition(actor=supervisor, project_id=project.pk, action="publish")
    project.refresh_from_db()
    assert project.status == "published"


def test_a_refusal_needs_a_reason_which_the_admin_reads(founder):
    company = Company.objects.get(pk=register(founder).json()["id"])
    operator = _operator()

    asked = _admin_action(operator, "refuse", company)
    company.refresh_from_db()
    assert asked.status_code == 200 and company.status == CompanyStatus.PENDING  # the page asking for a reason
    assert not Notice.objects.exists()

    done = _admin_action(operator, "refuse", company, reason="营业执照信息与信用代码不符")

    assert done.status_code == 302
    company.refresh_from_db()
    assert company.status == CompanyStatus.REJECTED and company.review_reason == "营业执照信息与信用代码不符"
    assert "营业执照信息与信用代码不符" in Notice.objects.get(user=founder).text


def test_companies_made_before_self_registration_are_approved(company):
    assert company.status == CompanyStatus.APPROVED
