"""What the ledger asks of the work above it (supplied by ``tasks`` at start-up; core.providers).

The ledger knows the work only by the keys of its transactions (``review:<id>``); these two
questions need the work itself."""

from core.providers import Provider

# has_claimed(*, company_id: int, worker_id: int) -> bool: she has claimed one of the company's tasks.
has_claimed: Provider[..., bool] = Provider("has this mother claimed work of this company")

# reviews_without_credit(*, company_id: int) -> list[int]: ids of the company's reviews that accepted
# work worth at least a fen and have no ``review:<id>`` transaction, oldest first.
reviews_without_credit: Provider[..., list[int]] = Provider("which accepted reviews have no credit")
