"""The work's answers to the questions the lower layers ask of it (core.providers); tasks.apps
supplies them when the apps are ready."""

from ledger import facts as ledger_facts
from realtime import facts as realtime_facts
from tasks import measures, selectors
from workers import facts as worker_facts


def supply() -> None:
    ledger_facts.has_claimed.supply(selectors.has_claimed)
    ledger_facts.reviews_without_credit.supply(selectors.reviews_without_credit)
    realtime_facts.may_follow_project.supply(selectors.may_follow_project)
    worker_facts.reliability.supply(measures.reliability)
