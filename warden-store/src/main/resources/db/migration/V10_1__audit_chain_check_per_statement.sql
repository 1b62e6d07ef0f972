-- Audit (issue 3): the chain check runs once per INSERT statement instead of once per row, so a
-- batch of events (group commit) costs one predecessor lookup, not one per event.
--
-- The per-row check ran a cached query plan: planned while audit_events was small, it kept a
-- sequential scan, and every appended event then read the whole table. Here the rows of one
-- statement are checked against each other in memory (the transition table), and only the first
-- row of each tenant looks up its stored predecessor, with a plan made for the table as it is now
-- (EXECUTE), which is a primary-key lookup on any table worth indexing.
--
-- The guarantee is unchanged: every stored event's prev_hash is the stored hash of seq - 1 of its
-- tenant (or the tenant's genesis value for seq 1); a statement with any row that does not chain
-- fails as a whole.

drop trigger audit_events_chain on audit_events;
drop function audit_events_chain();

create function audit_events_chain() returns trigger language plpgsql as $$
declare
  first_row record;
  expected bytea;
  broken bigint;
begin
  -- Within the statement: each row after the first of its tenant follows the row before it.
  select x.seq into broken
  from (
    select n.tenant_id, n.seq, n.prev_hash,
           lag(n.seq) over w as before_seq, lag(n.hash) over w as before_hash
    from new_events n
    window w as (partition by n.tenant_id order by n.seq)
  ) x
  where x.before_seq is not null and (x.before_seq <> x.seq - 1 or x.before_hash <> x.prev_hash)
  limit 1;
  if broken is not null then
    raise exception 'audit event % does not chain from its predecessor', broken using errcode = '23514';
  end if;
  -- The first row of each tenant chains from the stored event before it, or from the genesis value.
  for first_row in
    select distinct on (n.tenant_id) n.tenant_id, n.seq, n.prev_hash
    from new_events n order by n.tenant_id, n.seq
  loop
    if first_row.seq = 1 then
      expected := audit_genesis(first_row.tenant_id);
    else
      execute 'select e.hash from audit_events e where e.tenant_id = $1 and e.seq = $2'
        into expected using first_row.tenant_id, first_row.seq - 1;
    end if;
    if expected is null or expected <> first_row.prev_hash then
      raise exception 'audit event % does not chain from its predecessor', first_row.seq using errcode = '23514';
    end if;
  end loop;
  return null;
end $$;
create trigger audit_events_chain after insert on audit_events
  referencing new table as new_events
  for each statement execute function audit_events_chain();

-- The head may move only onto a stored event: the same freshly planned lookup.
create or replace function audit_heads_forward() returns trigger language plpgsql as $$
declare
  stored bytea;
begin
  if tg_op = 'DELETE' then
    if current_setting('warden.audit_purge', true) = old.tenant_id::text then
      return old;
    end if;
    raise exception 'DELETE on audit_heads is refused outside a purge' using errcode = '42501';
  end if;
  if new.tenant_id <> old.tenant_id or new.seq < old.seq then
    raise exception 'refused: an audit chain head only moves forward' using errcode = '42501';
  end if;
  if new.seq = 0 then
    if new.hash <> audit_genesis(new.tenant_id) then
      raise exception 'an empty chain''s head is its genesis value' using errcode = '23514';
    end if;
  else
    execute 'select e.hash from audit_events e where e.tenant_id = $1 and e.seq = $2'
      into stored using new.tenant_id, new.seq;
    if stored is null or stored <> new.hash then
      raise exception 'an audit chain head must name a stored event' using errcode = '23514';
    end if;
  end if;
  return new;
end $$;
