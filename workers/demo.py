"""The demo's payout accounts (``seed_demo``): most mothers have one — bank cards with valid Luhn
test numbers at the big banks, some Alipay — and the last mother none, so the bank file's list of
mothers without an account shows too."""

from stdnum import luhn

from accounts.models import User
from accounts.phones import phone_national
from workers import services
from workers.models import PayoutAccount

BANKS = [("中国工商银行", "622202"), ("中国建设银行", "621700"), ("中国农业银行", "622848"), ("中国银行", "621661")]
GIVEN_NAMES = "秀英丽娟桂芳玉兰海燕春梅晓红静怡雪梅美玲"


def demo_payout_accounts_seed(*, mothers: list[User]) -> int:
    """Give each mother but the last a payout account, unless she has one; returns how many were made."""
    made = 0
    for n, mother in enumerate(mothers[:-1], start=1):
        if PayoutAccount.objects.filter(worker=mother).exists():
            continue
        surname = (mother.display_name or "王")[0]
        given = GIVEN_NAMES[2 * (n % 10) : 2 * (n % 10) + 2]
        if n % 5 == 0:  # every fifth: Alipay, by phone or by e-mail
            number = phone_national(mother.phone) if n % 10 else f"mama{n:02d}@example.com"
            fields = {"method": "alipay", "account_number": number}
        else:
            bank, prefix = BANKS[n % len(BANKS)]
            body = f"{prefix}{n:09d}"
            fields = {"method": "bank", "account_number": body + luhn.calc_check_digit(body), "bank_name": bank}
        services.payout_account_set(worker=mother, account_name=surname + given, **fields)
        made += 1
    return made
