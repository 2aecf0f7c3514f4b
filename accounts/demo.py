"""Demo of joining (seed_demo): an operator for the admin site, and a company that registered itself
and waits for the operator's approval, so approving one can be tried the day Homeslot is installed."""

from accounts import companies
from accounts.models import Company, User

OPERATOR_PHONE = "+8613500000000"
PENDING_ADMIN_PHONE = "+8613500000001"
PENDING_COMPANY = "示例手工坊"
# A valid 统一社会信用代码 (its check character is right); made up for the demo.
PENDING_CREDIT_CODE = "91440605MA4UJ7XK11"


def demo_joining_seed(*, password: str) -> None:
    """Idempotent: a second run finds both and changes nothing."""
    if not User.objects.filter(phone=OPERATOR_PHONE).exists():
        User.objects.create_superuser(OPERATOR_PHONE, password, display_name="平台运营")
    if Company.objects.filter(name=PENDING_COMPANY).exists():
        return
    founder = User.objects.filter(phone=PENDING_ADMIN_PHONE).first() or User.objects.create_user(
        PENDING_ADMIN_PHONE, password, display_name="郑老板"
    )
    companies.company_register(
        actor=founder,
        name=PENDING_COMPANY,
        credit_code=PENDING_CREDIT_CODE,
        region="广东省佛山市",
        contact_name="郑老板",
        contact_phone=PENDING_ADMIN_PHONE,
    )
