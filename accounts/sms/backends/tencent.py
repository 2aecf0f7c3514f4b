"""Tencent Cloud SMS (短信, API 2021-01-11 ``SendSms``) through its official SDK.

Settings (each from the environment variable of the same name): ``HOMESLOT_SMS_TENCENT_SECRET_ID``,
``HOMESLOT_SMS_TENCENT_SECRET_KEY``, ``HOMESLOT_SMS_TENCENT_APP_ID`` (the SmsSdkAppId),
``HOMESLOT_SMS_SIGN_NAME``, ``HOMESLOT_SMS_TEMPLATES`` (logical name → numeric template id),
``HOMESLOT_SMS_TENCENT_REGION`` (``ap-guangzhou``), ``HOMESLOT_SMS_TENCENT_ENDPOINT``
(``sms.tencentcloudapi.com``). The template's variables go by position (``{1}``, ``{2}``…) in the
order ``accounts.sms.templates.PARAMS`` gives.
"""

import logging

from tencentcloud.common.credential import Credential
from tencentcloud.common.exception.tencent_cloud_sdk_exception import TencentCloudSDKException
from tencentcloud.common.profile.client_profile import ClientProfile
from tencentcloud.common.profile.http_profile import HttpProfile
from tencentcloud.sms.v20210111 import models as sms_models
from tencentcloud.sms.v20210111.sms_client import SmsClient

from accounts.errors import SmsSendFailed
from accounts.phones import phone_masked
from accounts.sms.backends.base import required_setting, sms_setting, sms_timeout_seconds, split_endpoint, template_id
from accounts.sms.message import SmsMessage
from accounts.sms.templates import PARAMS

logger = logging.getLogger("accounts.sms")
NAME = "tencent"


class TencentBackend:
    def __init__(self):
        scheme, host = split_endpoint(sms_setting("HOMESLOT_SMS_TENCENT_ENDPOINT") or "sms.tencentcloudapi.com")
        credential = Credential(
            required_setting("HOMESLOT_SMS_TENCENT_SECRET_ID", NAME),
            required_setting("HOMESLOT_SMS_TENCENT_SECRET_KEY", NAME),
        )
        self.app_id = required_setting("HOMESLOT_SMS_TENCENT_APP_ID", NAME)
        self.sign_name = required_setting("HOMESLOT_SMS_SIGN_NAME", NAME)
        timeout = max(1, round(sms_timeout_seconds()))
        profile = ClientProfile(httpProfile=HttpProfile(protocol=scheme, endpoint=host, reqTimeout=timeout))
        region = sms_setting("HOMESLOT_SMS_TENCENT_REGION") or "ap-guangzhou"
        self.client = SmsClient(credential, region, profile)

    def send(self, message: SmsMessage) -> None:
        request = sms_models.SendSmsRequest()
        request.SmsSdkAppId = self.app_id
        request.SignName = self.sign_name
        request.TemplateId = template_id(message, NAME)
        request.TemplateParamSet = [message.params[name] for name in PARAMS[message.template]] or None
        request.PhoneNumberSet = [message.phone]
        try:
            response = self.client.SendSms(request)
        except TencentCloudSDKException as exc:  # an error answer, or the service unreachable
            raise self._refused(message, exc.get_code() or "TencentCloudSDKException", exc.get_request_id()) from None
        statuses = response.SendStatusSet or []
        # One number, one status: "Ok", or why this number was not sent to (the request itself went through).
        if len(statuses) != 1 or statuses[0].Code != "Ok":
            raise self._refused(message, statuses[0].Code if statuses else "no status", response.RequestId)
        logger.info(
            "SMS to %s (%s) sent by tencent: %s", phone_masked(message.phone), message.template, statuses[0].SerialNo
        )

    def _refused(self, message: SmsMessage, provider_code: str, request_id: str | None) -> SmsSendFailed:
        logger.warning(
            "SMS to %s (%s) not sent: tencent answered %s (request %s)",
            phone_masked(message.phone),
            message.template,
            provider_code,
            request_id,
        )
        return SmsSendFailed(details={"provider": NAME, "provider_code": str(provider_code)})
