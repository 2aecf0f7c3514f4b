"""A payout account's number as people type it: checked, written the one way, and masked.

Pure functions, no database: a bank card is 12–19 digits whose last is the Luhn check digit
(``stdnum.luhn``; spaces and dashes as printed on the card are dropped); an Alipay account is a
mainland mobile number or an e-mail address. The mask is what everyone but the bank file sees.
"""

import re

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from stdnum import luhn
from stdnum.exceptions import ValidationError as NumberInvalid

from accounts.errors import InvalidPhone
from accounts.phones import phone_masked, phone_national, phone_normalize
from workers.errors import InvalidAlipayAccount, InvalidBankCard

CARD_DIGITS = (12, 19)
_SEPARATORS = re.compile(r"[\s\-]+")
# Starts with a letter or digit, so that no spreadsheet takes it for a formula and the bank file
# never has to alter it (core.files neutralises cells starting with = + - @).
_EMAIL = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._%+-]*@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+$")


def bank_card_normalize(raw: str) -> str:
    digits = _SEPARATORS.sub("", raw or "")
    low, high = CARD_DIGITS
    if not (digits.isascii() and digits.isdigit() and low <= len(digits) <= high):
        raise InvalidBankCard(details={"field": "account_number"})
    try:
        luhn.validate(digits)
    except NumberInvalid:
        raise InvalidBankCard(details={"field": "account_number"}) from None
    return digits


def alipay_normalize(raw: str) -> str:
    """A mobile number as people write it (``13800000000``) or an e-mail address in lower case."""
    text = (raw or "").strip()
    if "@" in text:
        try:
            validate_email(text)
        except ValidationError:
            raise InvalidAlipayAccount(details={"field": "account_number"}) from None
        if not _EMAIL.match(text) or len(text) > 100:
            raise InvalidAlipayAccount(details={"field": "account_number"})
        return text.lower()
    try:
        return phone_national(phone_normalize(text))
    except InvalidPhone:
        raise InvalidAlipayAccount(details={"field": "account_number"}) from None


def number_masked(method: str, number: str) -> str:
    """``****1234`` for a card; ``138****0001`` for a phone; ``w***@qq.com`` for an e-mail."""
    if method == "bank":
        return f"****{number[-4:]}"
    if "@" in number:
        local, _at, domain = number.partition("@")
        return f"{local[0]}***@{domain}"
    return phone_masked(f"+86{number}")
