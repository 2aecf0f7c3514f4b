"""Seal every sealed field again with the first of HOMESLOT_FIELD_KEYS (README, "Payout accounts"):
the mothers' payout account numbers and the webhooks' secrets. Here, in the top layer, because it
spans apps that do not see each other (workers, integrations)."""

from django.core.management.base import BaseCommand

from integrations import services as integration_services
from workers import services as worker_services


class Command(BaseCommand):
    help = "Re-seal every sealed field (payout account numbers, webhook secrets) with the first key of HOMESLOT_FIELD_KEYS."

    def handle(self, *args, **options):
        accounts = worker_services.payout_accounts_reseal()
        endpoints = integration_services.endpoint_secrets_reseal()
        self.stdout.write(
            self.style.SUCCESS(f"{accounts} payout accounts and {endpoints} webhook secrets sealed with the first key.")
        )
