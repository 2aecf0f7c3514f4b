"""Alibaba Cloud SMS (短信服务, Dysmsapi 2017-05-25 ``SendSms``) through its official SDK.

Settings (each from the environment variable of the same name): ``HOMESLOT_SMS_ALIYUN_ACCESS_KEY_ID``,
``HOMESLOT_SMS_ALIYUN_ACCESS_KEY_SECRET``, ``HOMESLOT_SMS_SIGN_NAME``, ``HOMESLOT_SMS_TEMPLATES``
(logical name → ``SMS_…`` template code), ``HOMESLOT_SMS_ALIYUN_ENDPOINT`` (``dysmsapi.aliyuncs.com``).
The template's variables go by name (``${code}``) as ``TemplateParam`` JSON.
"""

import json
import logging

from alibabacloud_dysmsapi20170525 import models as dysms_models
from alibabacloud_dysmsapi20170525.client import Client
from alibabacloud_tea_openapi.utils_models import Config

from accounts.errors import SmsSendFailed
from accounts.phones import phone_masked, phone_national
from accounts.sms.backends.base import required_setting, sms_setting, sms_timeout_seconds, split_endpoint, template_id
from accounts.sms.message import SmsMessage

logger = logging.getLogger("accounts.sms")
NAME = "aliyun"


class AliyunBackend:
    def __init__(self):
        protocol, host = split_endpoint(sms_setting("HOMESLOT_SMS_ALIYUN_ENDPOINT") or "dysmsapi.aliyuncs.com")
        timeout_ms = int(sms_timeout_seconds() * 1000)
        self.sign_name = required_setting("HOMESLOT_SMS_SIGN_NAME", NAME)
        self.client = Client(
            Config(
                access_key_id=required_setting("HOMESLOT_SMS_ALIYUN_ACCESS_KEY_ID", NAME),
                access_key_secret=required_setting("HOMESLOT_SMS_ALIYUN_ACCESS_KEY_SECRET", NAME),
                endpoint=host,
                protocol=protocol.upper(),
                connect_timeout=timeout_ms,
                read_timeout=timeout_ms,
            )
        )

    def send(self, message: SmsMessage) -> None:
        request = dysms_models.SendSmsRequest(
            # Mainland numbers as 11 digits; one from abroad keeps its country code, without the "+".
            phone_numbers=phone_national(message.phone).lstrip("+"),
            sign_name=self.sign_name,
            template_code=template_id(message, NAME),
            template_param=json.dumps(message.params, ensure_ascii=False, separators=(",", ":"))
            if message.params
            else None,
        )
        try:
            response = self.client.send_sms(request)
        except Exception as exc:  # the SDK's ClientException/ServerException/RetryError: refused or unreachable
            provider_code = getattr(exc, "code", None) or type(exc).__name__
            logger.warning(
                "SMS to %s (%s) not sent: aliyun answered %s",
                phone_masked(message.phone),
                message.template,
                provider_code,
            )
            raise SmsSendFailed(details={"provider": NAME, "provider_code": str(provider_code)}) from None
        body = response.body
        if body is None or body.code != "OK":
            provider_code = getattr(body, "code", None) or "no answer"
            logger.warning(
                "SMS to %s (%s) not sent: aliyun answered %s (%s)",
                phone_masked(message.phone),
                message.template,
                provider_code,
                # The provider's words, with the number masked should it quote it.
                str(getattr(body, "message", "")).replace(phone_national(message.phone), phone_masked(message.phone)),
            )
            raise SmsSendFailed(details={"provider": NAME, "provider_code": str(provider_code)})
        logger.info("SMS to %s (%s) sent by aliyun: %s", phone_masked(message.phone), message.template, body.biz_id)
