"""The loop bench's HTTP phases: the floors, the mothers' API loop and page loop, the supervisors'
reviews through the API and their page. Each client is one person on her own keep-alive connection."""

from __future__ import annotations

import json
import random
import re

from loop_common import Browser, Phase, Stop

CARD = re.compile(
    r'data-task="(\d+)" data-project="(\d+)">.*?<form method="post" action="(/m/tasks/\d+/claim)">.*?'
    r'name="slot" value="(\d+)"',
    re.S,
)
CLAIM_NEXT_FORM = re.compile(
    r'action="(/m/projects/\d+/claim-next)">.*?name="slot" value="(\d+)".*?name="after" value="(\d+)"', re.S
)
SUBMIT_FORM = re.compile(r'action="(/m/claims/\d+/submit)"')
HANDED_IN_AFTER = re.compile(r'name="handed_in_after" value="(\d+)"')
CLAIM_PAGE = re.compile(r"^/m/claims/(\d+)/$")


def error_code(body: str) -> str:
    try:
        return json.loads(body)["error"]["code"]
    except (ValueError, KeyError, TypeError):
        return body[:60]


def adopt(person: Browser, phase: Phase, deadline: float) -> Browser:
    person.phase, person.deadline, person.errors = phase, deadline, 0
    return person


async def sign_in(person: Browser, phone: str, password: str) -> None:
    """The password sign-in page, as she fills it in: GET (cookie and form token), then POST."""
    await person.call("sign-in page", "GET", "/signin/?mode=password")
    form = {"mode": "password", "phone": phone, "password": password}
    status, body, _where = await person.call("sign-in", "POST", "/signin/?mode=password", form=form, ok=(302,))
    if status != 302:
        raise RuntimeError(f"sign-in of {phone} answered {status}: {body[:200]}")


def floor_client(people: list[Browser], path: str, step: str):
    async def one(i: int, phase: Phase, deadline: float) -> None:
        person = adopt(people[i], phase, deadline)
        for _ in range(1_000_000):
            status, _body, _where = await person.call(step, "GET", path)
            if status != 200:
                person.failed()
                continue
            phase.loops += 1

    return one


def api_client(people: list[Browser], project: int, slot: int, *, confirm: bool, text: str):
    """claim-next → submit. ``{"slot": S}`` alone is what the ASGI fast path takes; a mother outside
    her hours sends the confirmation too (the DRF view)."""
    body = {"slot": slot, "confirm_outside_availability": True} if confirm else {"slot": slot}
    claim_step = "claim-next confirm" if confirm else "claim-next"

    async def one(i: int, phase: Phase, deadline: float) -> None:
        person = adopt(people[i], phase, deadline)
        for _ in range(1_000_000):
            status, answer, _where = await person.call(
                claim_step, "POST", f"/api/v1/projects/{project}/claim-next", json=body, ok=(201,)
            )
            if status != 201:
                if status == 409 and error_code(answer) == "no_task_available":
                    raise Stop("drained")
                person.failed()
                continue
            claim = json.loads(answer)["id"]
            status, answer, _where = await person.call(
                "submit", "POST", f"/api/v1/claims/{claim}/submit", json={"text": text}, ok=(201,)
            )
            if status != 201:
                person.failed()
                continue
            phase.ids["submissions"].append(json.loads(answer)["id"])
            phase.loops += 1

    return one


async def _page_claim(person: Browser, phase: Phase, project: int) -> int:
    """Hall → a card of the project → claim; someone faster: the hall's "claim the next one".
    Her new claim's id."""
    for _ in range(50):
        _status, hall, _where = await person.call("hall", "GET", "/m/")
        cards = [(action, slot) for _task, p, action, slot in CARD.findall(hall) if int(p) == project]
        if not cards:
            raise Stop("drained")
        action, slot = random.choice(cards)  # she taps one of the cards shown
        status, _body, where = await person.call("claim", "POST", action, form={"slot": slot}, ok=(302,))
        if CLAIM_PAGE.match(where):
            return int(CLAIM_PAGE.match(where).group(1))
        if "taken=" not in where:
            phase.events[f"claim answered {status} → {where[:40]}"] += 1
            person.failed()
            continue
        phase.events["taken: someone was faster"] += 1
        _status, hall, _where = await person.call("hall (taken)", "GET", where.split("#")[0])
        offer = CLAIM_NEXT_FORM.search(hall)
        if offer is None:
            continue
        form = {"slot": offer.group(2), "after": offer.group(3)}
        _status, _body, where = await person.call("claim next (page)", "POST", offer.group(1), form=form, ok=(302,))
        if CLAIM_PAGE.match(where):
            return int(CLAIM_PAGE.match(where).group(1))
        phase.events[f"claim-next → {where[:40]}"] += 1
    raise Stop("no claim in 50 tries")


def page_client(people: list[Browser], project: int, *, text: str):
    """hall → claim (POST, 302) → the claim page → hand-in (POST, 302) → my tasks."""

    async def one(i: int, phase: Phase, deadline: float) -> None:
        person = adopt(people[i], phase, deadline)
        for _ in range(1_000_000):
            claim = await _page_claim(person, phase, project)
            _status, page, _where = await person.call("claim page", "GET", f"/m/claims/{claim}/")
            action, after = SUBMIT_FORM.search(page), HANDED_IN_AFTER.search(page)
            if action is None or after is None:
                phase.events["claim page without its hand-in form"] += 1
                person.failed()
                continue
            form = {"text": text, "handed_in_after": after.group(1)}
            _status, _body, where = await person.call("hand-in", "POST", action.group(1), form=form, ok=(302,))
            if "submitted=" not in where:
                person.failed()
                continue
            await person.call("my tasks", "GET", where)
            phase.loops += 1

    return one


def review_api_client(people: list[Browser], submissions: list[int]):
    async def one(i: int, phase: Phase, deadline: float) -> None:
        person = adopt(people[i], phase, deadline)
        for sid in submissions[i :: len(people)]:
            status, _body, _where = await person.call(
                "review", "POST", f"/api/v1/submissions/{sid}/review", json={"decision": "accept"}
            )
            if status != 200:
                person.failed()
                continue
            phase.loops += 1

    return one


def review_page_client(people: list[Browser], submissions: list[int], project: int):
    """Her page: the submission → accept (POST, 302 to the queue) → the queue (302 to the oldest
    waiting, not followed: each supervisor goes on with her own share, so that several do not
    open the same oldest one)."""

    async def one(i: int, phase: Phase, deadline: float) -> None:
        person = adopt(people[i], phase, deadline)
        for sid in submissions[i :: len(people)]:
            await person.call("review page", "GET", f"/work/review/{sid}/?project={project}")
            form = {"decision": "accept", "project": str(project)}
            status, _body, where = await person.call(
                "decide", "POST", f"/work/review/{sid}/decide", form=form, ok=(302,)
            )
            if status != 302:
                person.failed()
                continue
            phase.loops += 1
            await person.call("review queue", "GET", where, ok=(302, 200))

    return one
