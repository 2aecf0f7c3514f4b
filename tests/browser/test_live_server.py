"""The live ASGI server the realtime browser tests use: a page's socket on daphne hears an
event that this (other) process publishes — the path every live page depends on."""

import pytest
from django.db import transaction

from notices.services import notice_send
from tests.browser.pages import sign_in

pytestmark = [pytest.mark.django_db(transaction=True)]


def test_a_page_hears_an_event_published_by_another_process(asgi_server, phone, mother):
    page = phone()
    sign_in(page, asgi_server, mother, "/")
    page.evaluate(
        """() => new Promise((ready, failed) => {
            window.heard = [];
            const socket = new WebSocket(location.origin.replace('http', 'ws') + '/ws/');
            socket.onmessage = (m) => {
                const event = JSON.parse(m.data);
                window.heard.push(event.type);
                if (event.type === 'ready') ready();
            };
            socket.onerror = failed;
        })"""
    )
    with transaction.atomic():
        notice_send(user_id=mother.pk, kind="slot_starting", key="live-check", text="十五分钟后开始")

    page.wait_for_function("() => window.heard.includes('notice.created')", timeout=10_000)
