import pytest


@pytest.fixture
def in_memory_layer(settings):
    """Consumers in isolation; the Redis layer is exercised by real servers in test_live_servers."""
    settings.CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}
