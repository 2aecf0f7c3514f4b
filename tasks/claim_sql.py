"""claim-next on PostgreSQL in one statement: the hot path of a batch release.

The statement does, in one round trip, exactly what ``services._claim`` does for the common
case — the mother is a worker (her profile row locked, so her limit holds), the project is
published, the slot is the project's, has not ended, has room, she is under her limit, and an
*open* task exists — and writes the same rows: the task claimed, the claim, the audit entry,
the outbox events, and the slot's count (last, so the hot slot row is locked for the shortest
time). When any of that does not hold it writes nothing and returns what it saw; the caller
then runs the ORM path, which raises the precise error or takes a task whose claim expired.
"""

CLAIM_NEXT = """
WITH me AS (
    SELECT user_id FROM workers_workerprofile WHERE user_id = %(worker)s FOR UPDATE
), slot AS (
    SELECT s.id, s.starts_at, s.ends_at, s.capacity, s.claimed_count, p.claim_limit, p.grace_minutes, p.company_id
      FROM tasks_timeslot s JOIN tasks_project p ON p.id = s.project_id
     WHERE s.id = %(slot)s AND s.project_id = %(project)s AND p.status = 'published'
       AND s.ends_at > %(now)s AND s.claimed_count < s.capacity
), held AS (
    SELECT count(*) AS n FROM tasks_claim
     WHERE worker_id = %(worker)s AND project_id = %(project)s AND status = 'active' AND expires_at > %(now)s
), ok AS (
    SELECT slot.* FROM slot, me, held WHERE held.n < slot.claim_limit
), picked AS (
    UPDATE tasks_task t
       SET status = 'claimed', claim_expires_at = ok.ends_at + make_interval(mins => ok.grace_minutes),
           updated_at = %(now)s
      FROM ok
     WHERE t.id = (SELECT id FROM tasks_task WHERE project_id = %(project)s AND status = 'open'
                    ORDER BY id LIMIT 1 FOR UPDATE SKIP LOCKED)
    RETURNING t.id, t.number, t.brief, t.units, t.claim_expires_at, ok.company_id
), claim AS (
    INSERT INTO tasks_claim (task_id, worker_id, slot_id, project_id, status, claimed_at, expires_at, release_reason)
    SELECT id, %(worker)s, %(slot)s, %(project)s, 'active', %(now)s, claim_expires_at, '' FROM picked
    RETURNING id, task_id
), audit AS (
    INSERT INTO accounts_auditentry (actor_id, company_id, action, target_type, target_id, data, at)
    SELECT %(worker)s, picked.company_id, 'claim.create', 'tasks.claim', claim.id::text,
           jsonb_build_object('task', claim.task_id), %(now)s
      FROM claim JOIN picked ON picked.id = claim.task_id
), events AS (
    INSERT INTO realtime_outboxevent (type, "group", data, at)
    SELECT 'task.claimed', g.name,
           jsonb_build_object('project', %(project)s, 'task', claim.task_id, 'slot', %(slot)s, 'claim', claim.id),
           %(now)s
      FROM claim JOIN picked ON picked.id = claim.task_id
     CROSS JOIN LATERAL (VALUES (1, 'project.' || %(project)s),
                                (2, 'company.' || picked.company_id || '.staff'),
                                (3, 'worker.' || %(worker)s)) AS g(position, name)
     ORDER BY g.position
    RETURNING id, "group", data
), seat AS (
    UPDATE tasks_timeslot SET claimed_count = claimed_count + 1
     WHERE id = %(slot)s AND claimed_count < capacity AND EXISTS (SELECT 1 FROM claim)
    RETURNING claimed_count
)
SELECT claim.id, picked.id, picked.number, picked.brief, picked.units, picked.claim_expires_at,
       (SELECT claimed_count FROM seat),
       (SELECT json_agg(json_build_object('id', id, 'group', "group", 'data', data) ORDER BY id) FROM events),
       s.starts_at, s.ends_at, s.capacity,
       p.title, p.kind, p.company_id, c.name, p.unit, p.piece_rate, p.minutes_per_unit, p.region,
       p.pickup_point, p.dropoff_point, p.label_set, p.status, p.claim_limit, p.grace_minutes
  FROM claim JOIN picked ON picked.id = claim.task_id
  JOIN tasks_timeslot s ON s.id = %(slot)s
  JOIN tasks_project p ON p.id = %(project)s
  JOIN accounts_company c ON c.id = p.company_id
"""

COLUMNS = [
    *("claim_id", "task_id", "number", "brief", "units", "expires_at", "seat", "events"),
    *("starts_at", "ends_at", "capacity", "title", "kind", "company_id", "company_name", "unit", "piece_rate"),
    *("minutes_per_unit", "region", "pickup_point", "dropoff_point", "label_set", "project_status"),
    *("claim_limit", "grace_minutes"),
]


def claim_from_row(row, *, worker, project_id: int, slot_id: int, now):
    """The Claim (with task, slot, project and company attached) that the statement wrote."""
    import json

    from accounts.models import Company
    from realtime.models import OutboxEvent
    from tasks.models import Claim, ClaimStatus, Project, Submission, Task, TaskStatus, TimeSlot

    r = dict(zip(COLUMNS, row, strict=True))
    company = Company(id=r["company_id"], name=r["company_name"])
    project = Project(
        id=project_id,
        company=company,
        kind=r["kind"],
        title=r["title"],
        status=r["project_status"],
        piece_rate=r["piece_rate"],
        unit=r["unit"],
        minutes_per_unit=r["minutes_per_unit"],
        region=r["region"],
        pickup_point=r["pickup_point"],
        dropoff_point=r["dropoff_point"],
        label_set=r["label_set"] if isinstance(r["label_set"], list) else json.loads(r["label_set"] or "[]"),
        claim_limit=r["claim_limit"],
        grace_minutes=r["grace_minutes"],
    )
    slot = TimeSlot(
        id=slot_id,
        project=project,
        starts_at=r["starts_at"],
        ends_at=r["ends_at"],
        capacity=r["capacity"],
        claimed_count=r["seat"],
    )
    task = Task(
        id=r["task_id"],
        project=project,
        number=r["number"],
        brief=r["brief"],
        units=r["units"],
        status=TaskStatus.CLAIMED,
        claim_expires_at=r["expires_at"],
    )
    claim = Claim(
        id=r["claim_id"],
        task=task,
        worker=worker,
        slot=slot,
        project=project,
        status=ClaimStatus.ACTIVE,
        claimed_at=now,
        expires_at=r["expires_at"],
        release_reason="",
    )
    claim._prefetched_objects_cache = {"submissions": Submission.objects.none()}
    events = r["events"] if isinstance(r["events"], list) else json.loads(r["events"])
    rows = [OutboxEvent(id=e["id"], type="task.claimed", group=e["group"], data=e["data"], at=now) for e in events]
    return claim, rows, r["seat"] is not None
