"""The home page: a visitor sees what Homeslot is; a signed-in person lands where their work is."""

import pytest


def test_a_visitor_sees_the_home_page_with_sign_in(client, db):
    response = client.get("/")

    assert response.status_code == 200
    assert "登录" in response.content.decode()


@pytest.mark.parametrize(
    ("who", "landing"),
    [("mother", "/m/"), ("supervisor", "/work/"), ("admin_user", "/work/"), ("finance", "/finance/")],
)
def test_each_person_lands_where_their_work_is(client, request, who, landing):
    client.force_login(request.getfixturevalue(who))

    response = client.get("/")

    assert response.status_code == 302
    assert response["Location"] == landing


def test_a_user_with_no_role_stays_on_the_home_page(client, django_user_model):
    client.force_login(django_user_model.objects.create_user(phone="+8613812345678", password="x" * 12))

    assert client.get("/").status_code == 200
