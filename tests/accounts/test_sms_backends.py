"""SMS backends: where ``accounts.sms.send`` puts a message. The providers' SDKs really run; only the
providers themselves are faked, at the HTTP boundary, by a local server thread (``sms_fakes.py``)."""

import json
import logging

import pytest
from django.core.exceptions import ImproperlyConfigured

from accounts import sms
from accounts.errors import SmsSendFailed
from accounts.sms.backends.file import messages_for
from accounts.sms.checks import sms_settings_check
from accounts.sms.templates import PARAMS, SmsTemplate
from tests.accounts.sms_fakes import FakeAliyun, FakeTencent, fake_provider

PHONE = "+8613900000001"
CODE_TEXT = "您的验证码是246810，5分钟内有效。请勿告诉他人。"
CODE_PARAMS = {"code": "246810", "minutes": "5"}


@pytest.fixture
def memory(settings):
    settings.HOMESLOT_SMS_BACKEND = "memory"
    sms.memory_clear()
    yield
    sms.memory_clear()


# --- The interface and the names of the backends ---


def test_the_names_of_the_backends_old_and_new():
    assert sms.backend_path("console") == "accounts.sms.backends.console.ConsoleBackend"
    assert sms.backend_path("accounts.sms.LogBackend") == "accounts.sms.backends.console.ConsoleBackend"
    assert sms.backend_path("accounts.sms.MemoryBackend") == "accounts.sms.backends.memory.MemoryBackend"
    assert sms.backend_path("tests.somewhere.Backend") == "tests.somewhere.Backend"


def test_every_template_has_its_variables_listed():
    assert set(PARAMS) == set(SmsTemplate.values)
    assert sorted(SmsTemplate.values) == sorted(
        ["code", "invitation", "payout_paid", "claim_expiring", "payout_account_changed", "company_reviewed", "notice"]
    )


def test_memory_keeps_the_old_tuples_and_the_whole_message(memory):
    sms.send(PHONE, CODE_TEXT, template="code", params=CODE_PARAMS)
    sms.send(PHONE, "明天9点有新任务。")

    assert sms.outbox == [(PHONE, CODE_TEXT), (PHONE, "明天9点有新任务。")]
    assert sms.messages == [
        sms.SmsMessage(phone=PHONE, text=CODE_TEXT, template="code", params=CODE_PARAMS),
        sms.SmsMessage(phone=PHONE, text="明天9点有新任务。", template="notice", params={"text": "明天9点有新任务。"}),
    ]


def test_the_old_dotted_name_still_works(settings):
    settings.HOMESLOT_SMS_BACKEND = "accounts.sms.MemoryBackend"
    sms.memory_clear()

    sms.send(PHONE, "你好")

    assert sms.outbox == [(PHONE, "你好")]
    sms.memory_clear()


def test_a_template_missing_a_variable_or_unknown_sends_nothing(memory):
    with pytest.raises(ValueError, match="minutes"):
        sms.send(PHONE, CODE_TEXT, template="code", params={"code": "246810"})
    with pytest.raises(ValueError, match="Unknown SMS template"):
        sms.send(PHONE, CODE_TEXT, template="password")

    assert sms.outbox == []


def test_extra_variables_are_dropped(memory):
    sms.send(PHONE, "您的收入¥12.50已发放。", template=SmsTemplate.PAYOUT_PAID, params={"amount": "¥12.50", "x": "y"})

    assert sms.messages[0].params == {"amount": "¥12.50"}
    assert sms.messages[0].template == "payout_paid"


# --- console ---


def test_console_logs_the_masked_number_never_the_full_one(settings, caplog):
    settings.HOMESLOT_SMS_BACKEND = "console"

    with caplog.at_level(logging.INFO, logger="accounts.sms"):
        sms.send(PHONE, CODE_TEXT, template="code", params=CODE_PARAMS)

    [record] = [r for r in caplog.records if r.name == "accounts.sms"]
    assert record.getMessage() == f"SMS to 139****0001 (code): {CODE_TEXT}"
    assert "13900000001" not in caplog.text


def test_console_is_the_default(settings, caplog):
    del settings.HOMESLOT_SMS_BACKEND

    with caplog.at_level(logging.INFO, logger="accounts.sms"):
        sms.send(PHONE, "你好")

    assert "SMS to 139****0001 (notice): 你好" in caplog.text


# --- file ---


def test_file_writes_one_whole_file_per_message_and_reads_them_back(settings, tmp_path):
    settings.HOMESLOT_SMS_BACKEND = "file"
    settings.HOMESLOT_SMS_FILE_PATH = tmp_path / "sms"
    other = "+8613700000002"

    sms.send(PHONE, "第一条")
    sms.send(other, "别人的")
    sms.send(PHONE, CODE_TEXT, template="code", params=CODE_PARAMS)

    files = sorted((tmp_path / "sms").iterdir())
    assert len(files) == 3 and all(f.suffix == ".json" for f in files)  # no temporary file is left behind
    newest = json.loads(files[-1].read_text(encoding="utf-8"))
    assert {key: newest[key] for key in ("phone", "template", "params", "text")} == {
        "phone": PHONE,
        "template": "code",
        "params": CODE_PARAMS,
        "text": CODE_TEXT,
    }
    mine = messages_for(PHONE)
    assert [m["text"] for m in mine] == ["第一条", CODE_TEXT]  # newest last
    assert mine[-1]["params"]["code"] == "246810"
    assert [m["text"] for m in messages_for("13700000002", directory=tmp_path / "sms")] == ["别人的"]
    assert messages_for(PHONE, directory=tmp_path / "absent") == []


def test_file_names_sort_by_time(settings, tmp_path):
    settings.HOMESLOT_SMS_BACKEND = "file"
    settings.HOMESLOT_SMS_FILE_PATH = tmp_path

    for n in range(20):
        sms.send(PHONE, f"第{n}条")

    assert [m["text"] for m in messages_for(PHONE, directory=tmp_path)] == [f"第{n}条" for n in range(20)]


# --- aliyun, against a fake Dysmsapi ---


def aliyun_settings(settings, fake):
    settings.HOMESLOT_SMS_BACKEND = "aliyun"
    settings.HOMESLOT_SMS_ALIYUN_ENDPOINT = fake.endpoint
    settings.HOMESLOT_SMS_ALIYUN_ACCESS_KEY_ID = "LTAI-test-id"
    settings.HOMESLOT_SMS_ALIYUN_ACCESS_KEY_SECRET = FakeAliyun.SECRET
    settings.HOMESLOT_SMS_SIGN_NAME = "妈妈岗"
    settings.HOMESLOT_SMS_TEMPLATES = {"code": "SMS_100000001", "invitation": "SMS_100000002"}


def test_aliyun_sends_the_template_through_the_sdk(settings, caplog):
    with fake_provider(FakeAliyun) as fake:
        aliyun_settings(settings, fake)
        with caplog.at_level(logging.INFO, logger="accounts.sms"):
            sms.send(PHONE, CODE_TEXT, template="code", params=CODE_PARAMS)

    [request] = fake.requests
    assert request.headers["x-acs-action"] == "SendSms"
    assert request.headers["x-acs-version"] == "2017-05-25"
    assert request.query["PhoneNumbers"] == "13900000001"
    assert request.query["SignName"] == "妈妈岗"
    assert request.query["TemplateCode"] == "SMS_100000001"
    assert json.loads(request.query["TemplateParam"]) == CODE_PARAMS
    assert request.headers["authorization"].startswith("ACS3-HMAC-SHA256 Credential=LTAI-test-id,")
    assert "Signature=" in request.headers["authorization"]
    assert request.signature_valid  # the fake recomputed it with the secret
    assert "13900000001" not in caplog.text
    assert "139****0001" in caplog.text


def test_aliyun_refusal_raises_a_clear_error_and_logs_no_number(settings, caplog):
    with fake_provider(FakeAliyun, refuse="isv.BUSINESS_LIMIT_CONTROL") as fake:
        aliyun_settings(settings, fake)
        with caplog.at_level(logging.INFO, logger="accounts.sms"), pytest.raises(SmsSendFailed) as refused:
            sms.send(PHONE, "邀请", template="invitation", params={"company": "甲公司", "code": "ABC123", "days": "7"})

    assert refused.value.details == {"provider": "aliyun", "provider_code": "isv.BUSINESS_LIMIT_CONTROL"}
    assert refused.value.code == "sms_send_failed" and refused.value.status == 503
    assert json.loads(fake.requests[0].query["TemplateParam"]) == {"company": "甲公司", "code": "ABC123", "days": "7"}
    assert "isv.BUSINESS_LIMIT_CONTROL" in caplog.text
    assert "13900000001" not in caplog.text


def test_aliyun_http_error_raises_the_same_clear_error(settings, caplog):
    with fake_provider(FakeAliyun, refuse="InvalidAccessKeyId.NotFound", status=404) as fake:
        aliyun_settings(settings, fake)
        with caplog.at_level(logging.INFO, logger="accounts.sms"), pytest.raises(SmsSendFailed) as refused:
            sms.send(PHONE, CODE_TEXT, template="code", params=CODE_PARAMS)

    assert refused.value.details == {"provider": "aliyun", "provider_code": "InvalidAccessKeyId.NotFound"}
    assert "13900000001" not in caplog.text


def test_aliyun_signed_with_the_wrong_secret_is_refused_by_the_fake(settings):
    with fake_provider(FakeAliyun) as fake:
        aliyun_settings(settings, fake)
        settings.HOMESLOT_SMS_ALIYUN_ACCESS_KEY_SECRET = "not-the-secret"
        with pytest.raises(SmsSendFailed) as refused:
            sms.send(PHONE, CODE_TEXT, template="code", params=CODE_PARAMS)

    assert refused.value.details["provider_code"] == "SignatureDoesNotMatch"
    assert fake.requests[0].signature_valid is False


def test_aliyun_unreachable_raises_the_clear_error(settings):
    with fake_provider(FakeAliyun) as fake:
        aliyun_settings(settings, fake)
    # The fake has stopped: nothing listens on its port any more.

    with pytest.raises(SmsSendFailed):
        sms.send(PHONE, CODE_TEXT, template="code", params=CODE_PARAMS)


# --- tencent, against a fake SendSms 2021-01-11 ---


def tencent_settings(settings, fake):
    settings.HOMESLOT_SMS_BACKEND = "tencent"
    settings.HOMESLOT_SMS_TENCENT_ENDPOINT = fake.endpoint
    settings.HOMESLOT_SMS_TENCENT_SECRET_ID = "AKID-test"
    settings.HOMESLOT_SMS_TENCENT_SECRET_KEY = FakeTencent.SECRET
    settings.HOMESLOT_SMS_TENCENT_APP_ID = "1400000001"
    settings.HOMESLOT_SMS_TENCENT_REGION = "ap-guangzhou"
    settings.HOMESLOT_SMS_SIGN_NAME = "妈妈岗"
    settings.HOMESLOT_SMS_TEMPLATES = {"invitation": "200002", "claim_expiring": "200004"}


def test_tencent_sends_the_template_with_its_params_in_order(settings, caplog):
    with fake_provider(FakeTencent) as fake:
        tencent_settings(settings, fake)
        with caplog.at_level(logging.INFO, logger="accounts.sms"):
            sms.send(PHONE, "邀请", template="invitation", params={"days": "7", "code": "ABC123", "company": "甲公司"})

    [request] = fake.requests
    assert request.headers["x-tc-action"] == "SendSms"
    assert request.headers["x-tc-version"] == "2021-01-11"
    assert request.headers["x-tc-region"] == "ap-guangzhou"
    assert request.body == {
        "PhoneNumberSet": [PHONE],
        "SmsSdkAppId": "1400000001",
        "SignName": "妈妈岗",
        "TemplateId": "200002",
        "TemplateParamSet": ["甲公司", "ABC123", "7"],
    }
    assert request.headers["authorization"].startswith("TC3-HMAC-SHA256 Credential=AKID-test/")
    assert request.signature_valid  # the fake recomputed the TC3 signature with the secret key
    assert "13900000001" not in caplog.text
    assert "139****0001" in caplog.text


def test_tencent_error_answer_raises_a_clear_error(settings, caplog):
    with fake_provider(FakeTencent, refuse="FailedOperation.SignatureIncorrectOrUnapproved") as fake:
        tencent_settings(settings, fake)
        with caplog.at_level(logging.INFO, logger="accounts.sms"), pytest.raises(SmsSendFailed) as refused:
            sms.send(PHONE, "超时提醒", template="claim_expiring", params={"task": "文案#12", "time": "11:30"})

    assert refused.value.details == {
        "provider": "tencent",
        "provider_code": "FailedOperation.SignatureIncorrectOrUnapproved",
    }
    assert fake.requests[0].body["TemplateParamSet"] == ["文案#12", "11:30"]
    assert "13900000001" not in caplog.text


def test_tencent_signed_with_the_wrong_key_is_refused_by_the_fake(settings):
    with fake_provider(FakeTencent) as fake:
        tencent_settings(settings, fake)
        settings.HOMESLOT_SMS_TENCENT_SECRET_KEY = "not-the-key"
        with pytest.raises(SmsSendFailed) as refused:
            sms.send(PHONE, "超时提醒", template="claim_expiring", params={"task": "文案#12", "time": "11:30"})

    assert refused.value.details["provider_code"] == "AuthFailure.SignatureFailure"
    assert fake.requests[0].signature_valid is False


def test_tencent_unreachable_raises_the_clear_error(settings):
    with fake_provider(FakeTencent) as fake:
        tencent_settings(settings, fake)

    with pytest.raises(SmsSendFailed):
        sms.send(PHONE, "超时提醒", template="claim_expiring", params={"task": "文案#12", "time": "11:30"})


def test_tencent_refusing_the_number_raises_a_clear_error(settings, caplog):
    with fake_provider(FakeTencent, refuse_number="LimitExceeded.PhoneNumberDailyLimit") as fake:
        tencent_settings(settings, fake)
        with caplog.at_level(logging.INFO, logger="accounts.sms"), pytest.raises(SmsSendFailed) as refused:
            sms.send(PHONE, "超时提醒", template="claim_expiring", params={"task": "文案#12", "time": "11:30"})

    assert refused.value.details["provider_code"] == "LimitExceeded.PhoneNumberDailyLimit"
    assert "13900000001" not in caplog.text


# --- Missing configuration fails loudly, naming what is missing ---


@pytest.mark.parametrize(
    ("backend", "unset"),
    [
        ("aliyun", "HOMESLOT_SMS_ALIYUN_ACCESS_KEY_ID"),
        ("aliyun", "HOMESLOT_SMS_ALIYUN_ACCESS_KEY_SECRET"),
        ("aliyun", "HOMESLOT_SMS_SIGN_NAME"),
        ("tencent", "HOMESLOT_SMS_TENCENT_SECRET_ID"),
        ("tencent", "HOMESLOT_SMS_TENCENT_SECRET_KEY"),
        ("tencent", "HOMESLOT_SMS_TENCENT_APP_ID"),
        ("tencent", "HOMESLOT_SMS_SIGN_NAME"),
    ],
)
def test_a_provider_without_its_settings_names_the_missing_one(settings, backend, unset):
    with fake_provider(FakeAliyun if backend == "aliyun" else FakeTencent) as fake:
        (aliyun_settings if backend == "aliyun" else tencent_settings)(settings, fake)
        setattr(settings, unset, "")

        with pytest.raises(ImproperlyConfigured, match=unset):
            sms.send(PHONE, "邀请", template="invitation", params={"company": "甲", "code": "A", "days": "7"})

    assert fake.requests == []


def test_a_provider_without_the_template_id_names_it(settings):
    with fake_provider(FakeTencent) as fake:
        tencent_settings(settings, fake)

        with pytest.raises(ImproperlyConfigured, match="HOMESLOT_SMS_TEMPLATES has no template id for 'payout_paid'"):
            sms.send(PHONE, "到账", template="payout_paid", params={"amount": "¥1.00"})

    assert fake.requests == []


def test_the_system_check_names_what_a_provider_misses(settings):
    settings.HOMESLOT_SMS_BACKEND = "tencent"
    settings.HOMESLOT_SMS_TENCENT_SECRET_ID = ""
    settings.HOMESLOT_SMS_TENCENT_SECRET_KEY = "k"
    settings.HOMESLOT_SMS_TENCENT_APP_ID = "1400000001"
    settings.HOMESLOT_SMS_SIGN_NAME = "妈妈岗"
    settings.HOMESLOT_SMS_TEMPLATES = {}

    errors = sms_settings_check(None)

    assert [e.id for e in errors] == ["accounts.E901", "accounts.W901"]
    assert "HOMESLOT_SMS_TENCENT_SECRET_ID" in errors[0].msg
    settings.HOMESLOT_SMS_BACKEND = "console"
    assert sms_settings_check(None) == []


TENCENT_VARIABLES = [
    "HOMESLOT_SMS_TENCENT_ENDPOINT",
    "HOMESLOT_SMS_TENCENT_SECRET_ID",
    "HOMESLOT_SMS_TENCENT_SECRET_KEY",
    "HOMESLOT_SMS_TENCENT_APP_ID",
    "HOMESLOT_SMS_TENCENT_REGION",
    "HOMESLOT_SMS_SIGN_NAME",
    "HOMESLOT_SMS_TEMPLATES",
]


def test_a_provider_reads_its_variables_from_the_environment(settings, monkeypatch):
    with fake_provider(FakeTencent) as fake:
        tencent_settings(settings, fake)
        for name in TENCENT_VARIABLES:  # what production does: only the environment has them
            value = getattr(settings, name)
            monkeypatch.setenv(name, json.dumps(value) if isinstance(value, dict) else value)
            delattr(settings, name)

        sms.send(PHONE, "邀请", template="invitation", params={"company": "甲公司", "code": "ABC123", "days": "7"})

    assert fake.requests[0].body["TemplateId"] == "200002"
    assert fake.requests[0].body["SmsSdkAppId"] == "1400000001"


def test_templates_that_are_not_json_fail_loudly(settings, monkeypatch):
    with fake_provider(FakeTencent) as fake:
        tencent_settings(settings, fake)
        del settings.HOMESLOT_SMS_TEMPLATES
        monkeypatch.setenv("HOMESLOT_SMS_TEMPLATES", '{"code": SMS_1}')

        with pytest.raises(ImproperlyConfigured, match="HOMESLOT_SMS_TEMPLATES is not JSON"):
            sms.send(PHONE, "邀请", template="invitation", params={"company": "甲", "code": "A", "days": "7"})
        assert [e.id for e in sms_settings_check(None)] == ["accounts.E902"]

    assert fake.requests == []
