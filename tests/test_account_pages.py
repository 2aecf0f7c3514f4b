"""The pages of her data and her account: /m/me/ and /m/me/delete for a mother, /account/ for staff."""

import json

import pytest
from django.test import Client

from accounts.codes import sms_code_issue
from accounts.models import Membership, User
from ledger import adjustments
from tests import factories
from tests.test_mother_pages import text_of, untranslated
from workers.models import WorkerProfile

pytestmark = pytest.mark.django_db


def signed_in(user) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    client.force_login(user)
    return client


def test_her_page_has_the_download_and_the_delete_buttons_in_chinese(mom):
    response = signed_in(mom).get("/m/me/")

    assert response.status_code == 200
    text = text_of(response)
    assert "下载我的数据" in text and "注销账户" in text and "王妈妈" in text
    assert 'href="/account/data"' in response.content.decode()
    assert untranslated(response) == []
    assert 'href="/m/me/"' in signed_in(mom).get("/m/").content.decode()  # the "我的" tab


def test_the_download_is_her_json_file(mom):
    response = signed_in(mom).get("/account/data")

    assert response.status_code == 200
    assert response["Content-Disposition"].startswith('attachment; filename="homeslot-data-')
    assert json.loads(response.content)["profile"]["display_name"] == "王妈妈"


def test_the_delete_page_warns_her_and_says_what_she_is_owed(mom, company, finance):
    factories.worked_for(company, mom)
    adjustments.adjustment_post(actor=finance, company_id=company.pk, worker_id=mom.pk, amount_fen=1250, reason="奖励")

    response = signed_in(mom).get("/m/me/delete")

    assert response.status_code == 200
    text = text_of(response)
    assert "¥12.50" in text and company.name in text
    assert "获取验证码" in text or "发送验证码" in text
    assert untranslated(response) == []
    assert "<script>" not in response.content.decode()  # the code button is account.js, not inline


def test_a_wrong_code_shows_on_the_form_and_deletes_nothing(mom):
    sms_code_issue(phone=mom.phone, purpose="delete")
    client = signed_in(mom)

    response = client.post("/m/me/delete", {"code": "000000", "understood": "on"})

    assert response.status_code == 400
    assert User.objects.get(pk=mom.pk).is_active
    assert WorkerProfile.objects.get(user=mom).display_name == "王妈妈"
    assert client.get("/m/").status_code == 200  # still signed in


def test_the_right_code_deletes_her_account_and_signs_her_out(mom):
    code = sms_code_issue(phone=mom.phone, purpose="delete")
    client = signed_in(mom)

    response = client.post("/m/me/delete", {"code": code, "understood": "on"})

    assert response.status_code == 200
    assert "账户已注销" in text_of(response)
    shell = User.objects.get(pk=mom.pk)
    assert not shell.is_active and shell.deleted_at is not None
    assert WorkerProfile.objects.get(user=shell).city == ""
    assert client.get("/m/").status_code == 302  # signed out


def test_without_the_tick_nothing_happens(mom):
    code = sms_code_issue(phone=mom.phone, purpose="delete")

    response = signed_in(mom).post("/m/me/delete", {"code": code})

    assert response.status_code == 400 and User.objects.get(pk=mom.pk).is_active


def test_staff_have_the_same_two_on_their_account_page(company, supervisor, admin_user):
    client = signed_in(supervisor)
    page = client.get("/account/")
    assert page.status_code == 200 and "下载我的数据" in text_of(page)
    assert 'href="/account/"' in client.get("/work/").content.decode()

    response = client.post(
        "/account/", {"code": sms_code_issue(phone=supervisor.phone, purpose="delete"), "understood": "on"}
    )

    assert response.status_code == 200
    assert not Membership.objects.filter(user_id=supervisor.pk).exists()


def test_the_last_admin_is_told_why_not(company, admin_user):
    code = sms_code_issue(phone=admin_user.phone, purpose="delete")

    response = signed_in(admin_user).post("/account/", {"code": code, "understood": "on"})

    assert response.status_code == 400
    assert "管理员" in text_of(response)
    assert User.objects.get(pk=admin_user.pk).is_active
