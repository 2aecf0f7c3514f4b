"""Mainland China mobile numbers: parse what people type, store E.164."""

import phonenumbers

from accounts.errors import InvalidPhone

_MOBILE = {phonenumbers.PhoneNumberType.MOBILE, phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE}


def phone_normalize(raw: str) -> str:
    """Return ``+86…`` for a valid mainland mobile number, else raise InvalidPhone."""
    if not isinstance(raw, str) or not raw.strip() or len(raw) > 32:
        raise InvalidPhone()
    try:
        number = phonenumbers.parse(raw, "CN")
    except phonenumbers.NumberParseException as exc:
        raise InvalidPhone() from exc
    if (
        number.country_code != 86
        or not phonenumbers.is_valid_number(number)
        or phonenumbers.number_type(number) not in _MOBILE
    ):
        raise InvalidPhone()
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def phone_national(e164: str) -> str:
    """``+8613800000000`` → ``13800000000``, as people write it."""
    return e164[3:] if e164.startswith("+86") else e164


def phone_masked(e164: str) -> str:
    """``+8613800000001`` → ``138****0001``."""
    national = phone_national(e164)
    return f"{national[:3]}****{national[-4:]}" if len(national) == 11 else national
