-- homeslot_claim_next, version 7 (tasks/migrations/0022_slot_cancel.py installs it).
-- Frozen: a change is a new file and a new migration. Every limit and name comes in as an
-- argument from Python on each call (tasks/claim_sql.py: ARGUMENTS, call_params); nothing is
-- pasted into this text at migrate. Group names are templates, their id put in by format().
-- Since version 6: a slot the company cancelled (cancelled_at set, tasks.services.slot_cancel) takes
-- no claim: the slot's read and the update that takes its place both ask cancelled_at IS NULL (the
-- ORM path refuses with slot_cancelled). The signature and everything else are version 6's (the
-- item-group rule of version 5 included).
CREATE OR REPLACE FUNCTION homeslot_claim_next(
    p_worker bigint, p_project bigint, p_slot bigint, p_task bigint, p_confirmed boolean, p_now timestamptz,
    p_time_zone text, p_day_minutes integer, p_week_minutes integer, p_parallel integer,
    p_project_group text, p_staff_group text, p_worker_group text,
    p_event_type text, p_audit_action text, p_audit_target text
)
RETURNS TABLE (
    o_claim bigint, o_task bigint, o_number integer, o_brief text, o_units integer, o_expires_at timestamptz,
    o_seat integer, o_events json, o_starts_at timestamptz, o_ends_at timestamptz, o_capacity integer,
    o_title text, o_kind text, o_company bigint, o_company_name text, o_unit text, o_piece_rate numeric,
    o_minutes numeric, o_region text, o_pickup text, o_dropoff text, o_label_set jsonb, o_status text,
    o_claim_limit integer, o_grace integer, o_project bigint
) LANGUAGE plpgsql AS $$
DECLARE
    v_slot record;
    v_project bigint;
    v_local timestamp;
    v_day_start timestamptz;
    v_week_start timestamptz;
    v_day_end timestamptz;
    v_week_end timestamptz;
    v_day numeric;
    v_week numeric;
    v_left numeric;
    v_held integer;
    v_task bigint;
    v_expires timestamptz;
    v_claim bigint;
    v_seat integer;
    v_events json;
    v_slot_seconds numeric;
    v_other integer;
    v_same numeric;
    v_room numeric;
BEGIN
    IF p_project IS NULL AND p_task IS NULL THEN RETURN; END IF;
    PERFORM 1 FROM workers_workerprofile WHERE user_id = p_worker FOR UPDATE;
    IF NOT FOUND THEN RETURN; END IF;
    SELECT s.project_id, s.starts_at, s.ends_at, p.claim_limit, p.grace_minutes, p.company_id, p.minutes_per_unit,
           p.skill_id, p.min_level, p.training
      INTO v_slot
      FROM tasks_timeslot s JOIN tasks_project p ON p.id = s.project_id
     WHERE s.id = p_slot AND (p_project IS NULL OR s.project_id = p_project) AND p.status = 'published'
       AND s.ends_at > p_now AND s.claimed_count < s.capacity AND s.cancelled_at IS NULL
       AND NOT EXISTS (SELECT 1 FROM accounts_membership m WHERE m.user_id = p_worker AND m.company_id = p.company_id);
    IF NOT FOUND THEN RETURN; END IF;
    -- The career rule: training, or a level she does not hold, is the ORM path's to answer.
    IF v_slot.skill_id IS NOT NULL AND (
           v_slot.training
           OR (v_slot.min_level > 0
               AND COALESCE((SELECT ws.level FROM skills_workerskill ws
                              WHERE ws.worker_id = p_worker AND ws.skill_id = v_slot.skill_id), 0)
                   < v_slot.min_level)) THEN
        RETURN;
    END IF;
    v_project := v_slot.project_id;  -- a chosen task must be of the slot's project (checked as it is taken)
    v_local := v_slot.starts_at AT TIME ZONE p_time_zone;
    -- Outside her weekly windows, unless she confirmed it: the ORM path asks her to confirm.
    IF p_confirmed IS NOT TRUE
       AND EXISTS (SELECT 1 FROM workers_availabilitywindow w JOIN workers_workerprofile wp ON wp.id = w.worker_id
                    WHERE wp.user_id = p_worker)
       AND NOT EXISTS (
           SELECT 1 FROM workers_availabilitywindow w JOIN workers_workerprofile wp ON wp.id = w.worker_id
            WHERE wp.user_id = p_worker AND w.weekday = extract(isodow FROM v_local)::integer - 1
              AND w.start <= v_local::time AND (v_slot.ends_at AT TIME ZONE p_time_zone)::time <= w."end"
              AND (v_slot.ends_at AT TIME ZONE p_time_zone)::date = v_local::date) THEN
        RETURN;
    END IF;
    -- One pass over her claims (the worker index) for three rules: her part-time hours with this
    -- company on the slot's day and week (fairwork.selectors.planned_minutes); her live claims in
    -- this project (the claim limit); her time (fairwork.schedule): live claims in this very window
    -- share it, any other live claim that shares time with the slot is left to the ORM path.
    v_day_start := date_trunc('day', v_local) AT TIME ZONE p_time_zone;
    v_day_end := (date_trunc('day', v_local) + interval '1 day') AT TIME ZONE p_time_zone;
    v_week_start := date_trunc('week', v_local) AT TIME ZONE p_time_zone;
    v_week_end := (date_trunc('week', v_local) + interval '7 days') AT TIME ZONE p_time_zone;
    SELECT COALESCE(sum(x.minutes) FILTER (WHERE x.hours AND x.starts_at >= v_day_start
                                             AND x.starts_at < v_day_end), 0),
           COALESCE(sum(x.minutes) FILTER (WHERE x.hours), 0),
           count(*) FILTER (WHERE x.live AND x.project_id = v_project),
           count(*) FILTER (WHERE x.live AND x.overlaps
                              AND (x.starts_at <> v_slot.starts_at OR x.ends_at <> v_slot.ends_at)),
           COALESCE(sum(x.planned) FILTER (WHERE x.live AND x.starts_at = v_slot.starts_at
                                              AND x.ends_at = v_slot.ends_at), 0)
      INTO v_day, v_week, v_held, v_other, v_same
      FROM (SELECT s2.starts_at, s2.ends_at, c.project_id, t.units * p2.minutes_per_unit AS planned,
                   (CASE WHEN c.status = 'done' THEN t.accepted_units ELSE t.units END) * p2.minutes_per_unit AS minutes,
                   c.status = 'active' AND c.expires_at > p_now AS live,
                   s2.starts_at < v_slot.ends_at AND s2.ends_at > v_slot.starts_at AS overlaps,
                   p2.company_id = v_slot.company_id
                     AND s2.starts_at >= v_week_start AND s2.starts_at < v_week_end
                     AND (c.status IN ('submitted', 'done') OR (c.status = 'active' AND c.expires_at > p_now)) AS hours
              FROM tasks_claim c JOIN tasks_task t ON t.id = c.task_id
                   JOIN tasks_project p2 ON p2.id = c.project_id JOIN tasks_timeslot s2 ON s2.id = c.slot_id
             WHERE c.worker_id = p_worker
               AND ((c.status = 'active' AND c.expires_at > p_now)
                    OR (c.status IN ('submitted', 'done') AND p2.company_id = v_slot.company_id
                        AND s2.starts_at >= v_week_start AND s2.starts_at < v_week_end))) x;
    v_left := least(p_day_minutes - v_day, p_week_minutes - v_week);
    IF v_held >= v_slot.claim_limit OR v_other > 0 THEN RETURN; END IF;
    v_slot_seconds := extract(epoch FROM v_slot.ends_at - v_slot.starts_at);
    v_room := least(v_slot_seconds, p_parallel * v_slot_seconds - v_same * 60, v_left * 60);
    IF p_task IS NULL THEN
        UPDATE tasks_task
           SET status = 'claimed', claim_expires_at = v_slot.ends_at + make_interval(mins => v_slot.grace_minutes),
               updated_at = p_now
         WHERE id = (SELECT t.id FROM tasks_task t WHERE t.project_id = v_project AND t.status = 'open'
                        AND t.units * v_slot.minutes_per_unit * 60 <= v_room
                        AND NOT EXISTS (SELECT 1 FROM tasks_claim hc JOIN tasks_task ht ON ht.id = hc.task_id
                                         WHERE hc.worker_id = p_worker AND hc.project_id = v_project
                                           AND ht.project_id = v_project AND ht.item_group = t.item_group)
                      ORDER BY t.id LIMIT 1 FOR UPDATE OF t SKIP LOCKED)
        RETURNING id, claim_expires_at INTO v_task, v_expires;
    ELSE
        -- Her choice, a conditional update (it waits for a claim taking the same task, as the ORM
        -- path does, then finds it taken); a task whose claim ran out is left to the ORM path.
        UPDATE tasks_task
           SET status = 'claimed', claim_expires_at = v_slot.ends_at + make_interval(mins => v_slot.grace_minutes),
               updated_at = p_now
         WHERE id = p_task AND project_id = v_project AND status = 'open'
           AND units * v_slot.minutes_per_unit * 60 <= v_room
           AND NOT EXISTS (SELECT 1 FROM tasks_claim hc JOIN tasks_task ht ON ht.id = hc.task_id
                            WHERE hc.worker_id = p_worker AND hc.project_id = v_project
                              AND ht.project_id = v_project AND ht.item_group = tasks_task.item_group)
        RETURNING id, claim_expires_at INTO v_task, v_expires;
    END IF;
    IF NOT FOUND THEN RETURN; END IF;
    INSERT INTO tasks_claim (task_id, worker_id, slot_id, project_id, status, claimed_at, expires_at, release_reason)
    VALUES (v_task, p_worker, p_slot, v_project, 'active', p_now, v_expires, '')
    RETURNING id INTO v_claim;
    INSERT INTO accounts_auditentry (actor_id, company_id, action, target_type, target_id, data, at)
    VALUES (p_worker, v_slot.company_id, p_audit_action, p_audit_target, v_claim::text,
            jsonb_build_object('task', v_task), p_now);
    WITH written AS (
        INSERT INTO realtime_outboxevent (type, "group", data, at)
        SELECT p_event_type, g.name,
               jsonb_build_object('project', v_project, 'task', v_task, 'slot', p_slot, 'claim', v_claim), p_now
          FROM (VALUES (1, format(p_project_group, v_project)), (2, format(p_staff_group, v_slot.company_id)),
                       (3, format(p_worker_group, p_worker))) AS g(position, name)
         ORDER BY g.position
        RETURNING id, "group", data
    )
    SELECT json_agg(json_build_object('id', id, 'group', "group", 'data', data) ORDER BY id) INTO v_events FROM written;
    UPDATE tasks_timeslot SET claimed_count = claimed_count + 1
     WHERE id = p_slot AND claimed_count < capacity AND cancelled_at IS NULL
    RETURNING claimed_count INTO v_seat;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'slot_full' USING ERRCODE = 'HS409';
    END IF;
    RETURN QUERY
    SELECT v_claim, v_task, t.number::integer, t.brief::text, t.units::integer, v_expires, v_seat, v_events,
           s.starts_at, s.ends_at, s.capacity::integer, p.title::text, p.kind::text, p.company_id, c.name::text,
           p.unit::text, p.piece_rate, p.minutes_per_unit, p.region::text, p.pickup_point::text,
           p.dropoff_point::text, p.label_set, p.status::text, p.claim_limit::integer, p.grace_minutes::integer,
           p.id
      FROM tasks_task t, tasks_timeslot s, tasks_project p, accounts_company c
     WHERE t.id = v_task AND s.id = p_slot AND p.id = v_project AND c.id = p.company_id;
END $$;
