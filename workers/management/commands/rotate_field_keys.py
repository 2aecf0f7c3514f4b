"""Seal every sealed field again with the first of HOMESLOT_FIELD_KEYS (README, "Payout accounts")."""

from django.core.management.base import BaseCommand

from workers import services


class Command(BaseCommand):
    help = "Re-seal every payout account number with the first key of HOMESLOT_FIELD_KEYS (key rotation)."

    def handle(self, *args, **options):
        count = services.payout_accounts_reseal()
        self.stdout.write(self.style.SUCCESS(f"{count} payout accounts sealed with the first key."))
