"""Her payout account through the API: checked (Luhn, Alipay, names), sealed, only ever shown masked;
the first needs no code, a change needs a fresh SMS code and tells her by SMS; key rotation."""

import pytest
from cryptography.fernet import Fernet
from django.core.management import call_command

from accounts import sms
from accounts.codes import CodePurpose, sms_code_issue
from accounts.models import AuditEntry
from core import sealing
from tests import factories
from tests.conftest import api_for
from workers.models import PayoutAccount

pytestmark = pytest.mark.django_db
URL = "/api/v1/me/payout-account"
CARD = "6222021234567890128"  # 19 digits, valid Luhn
OTHER_CARD = "6217001234567893"  # 16 digits, valid Luhn


@pytest.fixture(autouse=True)
def _texts(settings):
    settings.HOMESLOT_SMS_BACKEND = "accounts.sms.MemoryBackend"
    sms.outbox.clear()
    yield
    sms.outbox.clear()


def bank(number=CARD, **more):
    return {"method": "bank", "account_name": "王小花", "account_number": number, "bank_name": "中国工商银行", **more}


def state(mother) -> tuple:
    account = PayoutAccount.objects.filter(worker=mother).first()
    row = None
    if account:
        row = (account.method, account.account_name, account.bank_name, account.number_sealed, account.number_masked)
    audits = AuditEntry.objects.filter(action__startswith="worker.payout_account").count()
    return row, audits, list(sms.outbox)


def test_her_first_account_needs_no_code_is_sealed_and_shown_masked(mother):
    response = api_for(mother).put(URL, {**bank("6222 0212 3456 7890 128")}, format="json")

    assert response.status_code == 200, response.content
    assert response.json() == {
        "method": "bank",
        "account_name": "王小花",
        "account_number_masked": "****0128",
        "bank_name": "中国工商银行",
        "updated_at": response.json()["updated_at"],
    }
    account = PayoutAccount.objects.get(worker=mother)
    assert CARD not in account.number_sealed and sealing.unseal(account.number_sealed) == CARD
    got = api_for(mother).get(URL)
    assert got.status_code == 200 and got.json()["account_number_masked"] == "****0128"
    assert CARD not in got.content.decode() and CARD not in response.content.decode()
    assert "account_number" not in got.json()
    entry = AuditEntry.objects.get(action="worker.payout_account_create")
    assert entry.data == {"masked": "****0128"} and CARD not in str(entry.data)
    assert sms.outbox == []  # nothing changed that she must be told of


def test_before_any_account_get_is_a_404_with_a_code(mother):
    response = api_for(mother).get(URL)
    assert response.status_code == 404 and response.json()["error"]["code"] == "no_payout_account"


@pytest.mark.parametrize(
    ("body", "code"),
    [
        (bank("6222021234567890127"), "invalid_bank_card"),  # Luhn fails
        (bank("12345678901"), "invalid_bank_card"),  # 11 digits
        (bank("62220212345678901280"), "invalid_bank_card"),  # 20 digits
        (bank("6222abcd34567890128"), "invalid_bank_card"),
        (bank("６２２２０２１２３４５６７８９０１２８"), "invalid_bank_card"),  # full-width digits
        (bank(CARD, bank_name=""), "bank_name_required"),
        (bank(CARD, account_name="  "), "account_name_required"),
        (bank(CARD, account_name="王" * 65), "account_name_required"),
        ({"method": "alipay", "account_name": "王小花", "account_number": "12345"}, "invalid_alipay_account"),
        ({"method": "alipay", "account_name": "王小花", "account_number": "not-an-email@"}, "invalid_alipay_account"),
        ({"method": "alipay", "account_name": "王小花", "account_number": "=cmd@evil.com"}, "invalid_alipay_account"),
        ({"method": "wechat", "account_name": "王小花", "account_number": CARD}, "invalid"),
        ({"account_name": "王小花", "account_number": CARD}, "invalid"),
    ],
)
def test_bad_input_is_a_400_and_nothing_changes(mother, body, code):
    before = state(mother)

    response = api_for(mother).put(URL, body, format="json")

    assert response.status_code == 400, response.content
    assert response.json()["error"]["code"] == code
    assert state(mother) == before


def test_bad_input_leaves_an_existing_account_alone_and_spends_no_code(mother):
    factories.payout_account(mother, number=CARD)
    code = sms_code_issue(phone=mother.phone, purpose=CodePurpose.PAYOUT_ACCOUNT)
    before = state(mother)

    response = api_for(mother).put(URL, bank("6222021234567890127", code=code), format="json")

    assert response.status_code == 400 and response.json()["error"]["code"] == "invalid_bank_card"
    assert state(mother) == before
    # The code was not spent on a refused request: it still changes the account.
    assert api_for(mother).put(URL, bank(OTHER_CARD, code=code), format="json").status_code == 200


def test_a_change_without_a_code_is_refused_and_nothing_changes(mother):
    factories.payout_account(mother, number=CARD)
    before = state(mother)

    response = api_for(mother).put(URL, bank(OTHER_CARD), format="json")

    assert response.status_code == 400 and response.json()["error"]["code"] == "code_required"
    assert state(mother) == before


def test_a_wrong_code_is_refused_and_nothing_changes(mother):
    factories.payout_account(mother, number=CARD)
    right = sms_code_issue(phone=mother.phone, purpose=CodePurpose.PAYOUT_ACCOUNT)
    wrong = "000000" if right != "000000" else "111111"
    other_purpose = sms_code_issue(phone=mother.phone, purpose=CodePurpose.SIGN_IN)
    before = state(mother)

    for code in (wrong, other_purpose if other_purpose != right else wrong):
        response = api_for(mother).put(URL, bank(OTHER_CARD, code=code), format="json")
        assert response.status_code == 400 and response.json()["error"]["code"] == "invalid_code"

    assert state(mother) == before


def test_a_change_with_a_fresh_code_is_made_once_and_told_to_her_by_sms(mother, django_capture_on_commit_callbacks):
    factories.payout_account(mother, number=CARD)
    code = sms_code_issue(phone=mother.phone, purpose=CodePurpose.PAYOUT_ACCOUNT)

    with django_capture_on_commit_callbacks(execute=True):
        response = api_for(mother).put(
            URL, {"method": "alipay", "account_name": "王小花", "account_number": "Mama.Wang@QQ.com", "code": code}
        )

    assert response.status_code == 200, response.content
    assert response.json()["account_number_masked"] == "m***@qq.com" and response.json()["bank_name"] == ""
    account = PayoutAccount.objects.get(worker=mother)
    assert sealing.unseal(account.number_sealed) == "mama.wang@qq.com"
    assert sms.outbox == [
        (mother.phone, "您的收款账户已改为 m***@qq.com。如果不是您本人操作，请马上联系我们。"),
    ]
    entry = AuditEntry.objects.get(action="worker.payout_account_change")
    assert entry.data == {"masked_before": "****0128", "masked": "m***@qq.com"}
    # The code is spent: the same code again is refused.
    again = api_for(mother).put(URL, bank(OTHER_CARD, code=code), format="json")
    assert again.status_code == 400 and again.json()["error"]["code"] == "invalid_code"


def test_a_resent_change_gets_the_same_answer_and_spends_nothing(mother, django_capture_on_commit_callbacks):
    """The phone lost the answer to her change and sends the very same PUT again (its code spent by
    then): the account already is what she sent, so the answer is the same and nothing more happens."""
    factories.payout_account(mother, number=CARD)
    code = sms_code_issue(phone=mother.phone, purpose=CodePurpose.PAYOUT_ACCOUNT)
    with django_capture_on_commit_callbacks(execute=True):
        first = api_for(mother).put(URL, bank(OTHER_CARD, code=code), format="json")
    assert first.status_code == 200, first.content
    before = state(mother)

    with django_capture_on_commit_callbacks(execute=True):
        again = api_for(mother).put(URL, bank(OTHER_CARD, code=code), format="json")
        first_account_again = api_for(mother).put(URL, bank(OTHER_CARD), format="json")  # even without the code

    assert again.status_code == first_account_again.status_code == 200
    assert again.json() == first.json() == first_account_again.json()
    assert state(mother) == before  # no write, no audit row, no second SMS


def test_alipay_by_phone_is_kept_as_people_write_it(mother):
    response = api_for(mother).put(
        URL, {"method": "alipay", "account_name": "王小花", "account_number": "+86 139 0000 0001"}, format="json"
    )
    assert response.status_code == 200 and response.json()["account_number_masked"] == "139****0001"
    assert sealing.unseal(PayoutAccount.objects.get(worker=mother).number_sealed) == "13900000001"


def test_staff_without_a_profile_cannot_set_one(finance):
    assert api_for(finance).put(URL, bank(), format="json").status_code == 403
    assert not PayoutAccount.objects.exists()


def test_the_profile_no_longer_carries_card_digits(mother):
    factories.payout_account(mother, number=CARD)
    body = api_for(mother).get("/api/v1/me").json()
    assert "bank_card_last4" not in body["worker_profile"] and "0128" not in str(body)


def test_rotation_reseals_every_number_with_the_first_key(settings, mother, other_mother):
    old = settings.HOMESLOT_FIELD_KEYS[0]
    factories.payout_account(mother, number=CARD)
    factories.payout_account(other_mother, number=OTHER_CARD)
    new = Fernet.generate_key().decode()
    settings.HOMESLOT_FIELD_KEYS = [new, old]  # prepend the new key

    call_command("rotate_field_keys", stdout=open("/dev/null", "w"))  # noqa: SIM115

    settings.HOMESLOT_FIELD_KEYS = [new]  # the old key dropped: every number still opens
    numbers = {a.worker_id: sealing.unseal(a.number_sealed) for a in PayoutAccount.objects.all()}
    assert numbers == {mother.pk: CARD, other_mother.pk: OTHER_CARD}
    settings.HOMESLOT_FIELD_KEYS = [old]
    with pytest.raises(sealing.KeyMissing):
        sealing.unseal(PayoutAccount.objects.get(worker=mother).number_sealed)
