"""Domain errors about a mother's profile (codes are part of the public API)."""

from django.utils.translation import gettext_lazy as _

from core.errors import Conflict, Invalid, NotFound


class NoWorkerProfile(NotFound):
    code = "no_worker_profile"
    message = _("There is no mother's profile for this account yet: PUT /api/v1/me/profile sets one up.")


class ProfileRequired(Invalid):
    code = "profile_required"
    message = _("Please set up your profile first.")


class AvailabilityOverlap(Invalid):
    code = "availability_overlap"
    message = _("Two windows overlap on the same day.")


class InvalidWindow(Invalid):
    code = "invalid_window"
    message = _("A window must end after it starts.")


class CaregiverDeclarationRequired(Invalid):
    """妈妈岗 work is for people caring for a child under 12: she says so (a declaration, nothing more)."""

    code = "caregiver_declaration_required"
    message = _("Homeslot's work is for parents caring for a child under 12: please confirm that this is you.")


# --- Payout accounts (where her pay goes) ---


class NoPayoutAccount(NotFound):
    code = "no_payout_account"
    message = _("No payout account yet: PUT /api/v1/me/payout-account sets one up.")


class InvalidBankCard(Invalid):
    code = "invalid_bank_card"
    message = _("This bank card number is not right: please check the 12 to 19 digits on your card.")


class InvalidAlipayAccount(Invalid):
    code = "invalid_alipay_account"
    message = _("Please enter the mobile number or the e-mail address of your Alipay account.")


class AccountNameRequired(Invalid):
    code = "account_name_required"
    message = _("Please enter the account holder's name, as the bank knows it.")


class BankNameRequired(Invalid):
    code = "bank_name_required"
    message = _("Please enter the bank where the card was opened, e.g. Industrial and Commercial Bank of China.")


class CodeRequired(Invalid):
    """Changing an account needs a fresh SMS code (purpose ``payout_account``); the first one does not."""

    code = "code_required"
    message = _("To change your payout account, please enter the code we text to your phone.")


# --- Declared relatives (never paired in a peer review) ---


class RelativeIsYou(Invalid):
    code = "relative_is_you"
    message = _("This is your own phone number: please enter the number of a family member.")


class TooManyRelatives(Conflict):
    code = "too_many_relatives"
    message = _("You have declared as many family members as we keep (20): please remove one first.")


class RelativesChangedRecently(Conflict):
    """Declaring a number hides that person's hand-ins from her peer-review queue: a probe of who wrote
    one. So she declares at most a few numbers in any 30 days (``details``: ``max``, ``days``)."""

    code = "relatives_changed_recently"
    message = _("You can add at most 5 family members in 30 days: please try again later.")


class RelativeTooRecent(Conflict):
    """A declaration stays 30 days before she can take it back, so numbers cannot be cycled through
    (``details``: ``days``, ``removable_from``)."""

    code = "relative_too_recent"
    message = _("A family member stays on your list for 30 days after you add them: please remove them later.")
