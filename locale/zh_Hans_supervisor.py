"""Chinese wording of the supervisor pages (merged into zh_Hans.ZH)."""

ZH = {}
