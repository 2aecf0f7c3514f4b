"""Chinese wording of the mother pages (merged into zh_Hans.ZH)."""

ZH = {}
