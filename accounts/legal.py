"""The versions of what a person agrees to when she signs up. The texts are pages
(``/legal/terms/``, ``/legal/privacy/``, in Chinese and English); a change of a text is a new version
here, and ``accounts.Consent`` keeps which version each person agreed to, and when."""

TERMS_VERSION = "2026-12-01"
PRIVACY_VERSION = "2026-12-01"
# The 妈妈岗 definition (caring for a child under 12) is her declaration, not a document she uploads.
CAREGIVER_VERSION = "1"


def current_versions() -> dict[str, str]:
    return {"terms": TERMS_VERSION, "privacy": PRIVACY_VERSION}
