"""What the mother's profile shows that the work above it knows (supplied by ``tasks``; core.providers)."""

from core.providers import Provider

# reliability(worker_id: int, *, now=None) -> dict: her record (tasks.measures.reliability).
reliability: Provider[..., dict] = Provider("her record of claims seen through")
