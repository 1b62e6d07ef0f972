-- Audit (issue 3): per-tenant append-only hash chain, its head, signed checkpoints, and the
-- gateway's signing keys. docs/audit-format.md defines the chain; this schema enforces what a
-- database can: the runtime role may only INSERT and SELECT events and checkpoints, triggers
-- refuse UPDATE, DELETE and TRUNCATE except on the purge path, an event is accepted only if it
-- chains from the stored event before it, and a chain head only moves forward onto a stored event.

-- The audit signing keys (the gateway's identity). Not tenant data: every tenant's chain is
-- signed by the same identity. The private key is stored only wrapped by the key-encryption key
-- (which is never in the database); public keys stay published after they retire.
create table audit_signing_keys (
  key_id       text primary key check (key_id ~ '^[0-9a-f]{16}$'),
  public_key   bytea not null unique check (length(public_key) = 32),
  valid_from   timestamptz not null,
  valid_to     timestamptz check (valid_to is null or valid_to > valid_from),
  kek_id       text not null,
  wrapped_key  bytea not null
);
-- At most one active key.
create unique index audit_signing_keys_one_active on audit_signing_keys ((true)) where valid_to is null;
alter table audit_signing_keys enable row level security;
alter table audit_signing_keys force row level security;
create policy audit_signing_keys_all on audit_signing_keys using (true) with check (true);
grant select, insert on audit_signing_keys to ${app_role};
-- Rotation ends a key's validity once and erases its wrapped private key; a KEK rotation
-- re-wraps the active key. The published part of a key never changes.
grant update (valid_to, kek_id, wrapped_key) on audit_signing_keys to ${app_role};

create function audit_signing_keys_guard() returns trigger language plpgsql as $$
begin
  if tg_op = 'DELETE' then
    raise exception 'refused: audit signing keys are never deleted' using errcode = '42501';
  end if;
  if new.key_id <> old.key_id or new.public_key <> old.public_key or new.valid_from <> old.valid_from
     or (old.valid_to is not null and new.valid_to is distinct from old.valid_to) then
    raise exception 'refused: a published audit signing key never changes, and retires once' using errcode = '42501';
  end if;
  return new;
end $$;
create trigger audit_signing_keys_guard before update or delete on audit_signing_keys
  for each row execute function audit_signing_keys_guard();

create table audit_events (
  tenant_id    uuid not null references tenants (id),
  seq          bigint not null check (seq >= 1),
  ts           timestamptz not null,
  actor        text not null check (length(actor) between 1 and 256),
  type         text not null check (length(type) between 1 and 100),
  -- RFC 8785 canonical JSON of the body: exactly the bytes that were hashed.
  body         text not null,
  prev_hash    bytea not null check (length(prev_hash) = 32),
  hash         bytea not null check (length(hash) = 32),
  key_id       text not null references audit_signing_keys (key_id),
  sig          bytea not null check (length(sig) = 64),
  -- Copied from the body's top-level members at append time, for incident queries.
  agent_id     text,
  provider_id  text,
  primary key (tenant_id, seq)
);
create index audit_events_type on audit_events (tenant_id, type, seq);
create index audit_events_actor on audit_events (tenant_id, actor, seq);
create index audit_events_agent on audit_events (tenant_id, agent_id, seq) where agent_id is not null;
create index audit_events_provider on audit_events (tenant_id, provider_id, seq) where provider_id is not null;
alter table audit_events enable row level security;
alter table audit_events force row level security;
create policy audit_events_tenant on audit_events
  using (tenant_id = nullif(current_setting('warden.tenant_id', true), '')::uuid)
  with check (tenant_id = nullif(current_setting('warden.tenant_id', true), '')::uuid);
grant select, insert on audit_events to ${app_role};

-- The head of each tenant's chain. Appends lock this row (SELECT ... FOR UPDATE), which
-- serialises appends per tenant, across threads and gateway processes, and never across tenants.
-- frontier: the Merkle compact range of the chain, the roots of its perfect subtrees, left to
-- right, concatenated (32 bytes each; their sizes follow from the binary digits of seq).
create table audit_heads (
  tenant_id   uuid primary key references tenants (id),
  seq         bigint not null check (seq >= 0),
  hash        bytea not null check (length(hash) = 32),
  frontier    bytea not null check (length(frontier) % 32 = 0),
  last_ts     timestamptz
);
alter table audit_heads enable row level security;
alter table audit_heads force row level security;
create policy audit_heads_tenant on audit_heads
  using (tenant_id = nullif(current_setting('warden.tenant_id', true), '')::uuid)
  with check (tenant_id = nullif(current_setting('warden.tenant_id', true), '')::uuid);
grant select, insert, update on audit_heads to ${app_role};

-- Signed tree heads handed out to customers; kept so any of them can be shown again.
create table audit_checkpoints (
  tenant_id   uuid not null references tenants (id),
  tree_size   bigint not null check (tree_size >= 0),
  root_hash   bytea not null check (length(root_hash) = 32),
  chain_head  bytea not null check (length(chain_head) = 32),
  ts          timestamptz not null,
  key_id      text not null references audit_signing_keys (key_id),
  sig         bytea not null check (length(sig) = 64),
  primary key (tenant_id, tree_size)
);
alter table audit_checkpoints enable row level security;
alter table audit_checkpoints force row level security;
create policy audit_checkpoints_tenant on audit_checkpoints
  using (tenant_id = nullif(current_setting('warden.tenant_id', true), '')::uuid)
  with check (tenant_id = nullif(current_setting('warden.tenant_id', true), '')::uuid);
grant select, insert on audit_checkpoints to ${app_role};

create function audit_genesis(t uuid) returns bytea language sql immutable as $$
  select sha256(convert_to('agentwarden.audit.genesis.v1', 'UTF8') || '\x00'::bytea || convert_to(t::text, 'UTF8'))
$$;

-- An event must chain from the stored event before it (or from the tenant's genesis value).
create function audit_events_chain() returns trigger language plpgsql as $$
declare
  expected bytea;
begin
  if new.seq = 1 then
    expected := audit_genesis(new.tenant_id);
  else
    select e.hash into expected from audit_events e where e.tenant_id = new.tenant_id and e.seq = new.seq - 1;
  end if;
  if expected is null or expected <> new.prev_hash then
    raise exception 'audit event % does not chain from its predecessor', new.seq using errcode = '23514';
  end if;
  return new;
end $$;
create trigger audit_events_chain before insert on audit_events
  for each row execute function audit_events_chain();

-- Append-only: UPDATE is always refused; DELETE only inside audit_purge for that tenant.
create function audit_append_only() returns trigger language plpgsql as $$
begin
  if tg_op = 'DELETE' and current_setting('warden.audit_purge', true) = old.tenant_id::text then
    return old;
  end if;
  raise exception '% on % is refused: the audit log is append-only', tg_op, tg_table_name using errcode = '42501';
end $$;
create trigger audit_events_append_only before update or delete on audit_events
  for each row execute function audit_append_only();
create trigger audit_checkpoints_append_only before update or delete on audit_checkpoints
  for each row execute function audit_append_only();

create function audit_refuse_truncate() returns trigger language plpgsql as $$
begin
  raise exception 'TRUNCATE on % is refused: the audit log is append-only', tg_table_name using errcode = '42501';
end $$;
create trigger audit_events_no_truncate before truncate on audit_events
  for each statement execute function audit_refuse_truncate();
create trigger audit_checkpoints_no_truncate before truncate on audit_checkpoints
  for each statement execute function audit_refuse_truncate();
create trigger audit_heads_no_truncate before truncate on audit_heads
  for each statement execute function audit_refuse_truncate();

-- A head moves only forward, only onto a stored event with that hash; deleted only by purge.
create function audit_heads_forward() returns trigger language plpgsql as $$
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
  elsif not exists (select 1 from audit_events e where e.tenant_id = new.tenant_id and e.seq = new.seq and e.hash = new.hash) then
    raise exception 'an audit chain head must name a stored event' using errcode = '23514';
  end if;
  return new;
end $$;
create trigger audit_heads_forward before update or delete on audit_heads
  for each row execute function audit_heads_forward();

-- The purge path (tenant purge): removes one tenant's audit rows. Runs as the owner; callable
-- by the runtime role only from the operator scope.
create function audit_purge(p_tenant uuid) returns bigint language plpgsql security definer
  set search_path = ${flyway:defaultSchema}, pg_temp as $$
declare
  removed bigint;
begin
  if nullif(current_setting('warden.tenant_id', true), '')::uuid is distinct from '00000000-0000-0000-0000-000000000000'::uuid then
    raise exception 'audit_purge runs only in the operator scope' using errcode = '42501';
  end if;
  perform set_config('warden.audit_purge', p_tenant::text, true);
  perform set_config('warden.tenant_id', p_tenant::text, true);
  delete from audit_checkpoints where tenant_id = p_tenant;
  delete from audit_heads where tenant_id = p_tenant;
  delete from audit_events where tenant_id = p_tenant;
  get diagnostics removed = row_count;
  perform set_config('warden.audit_purge', '', true);
  perform set_config('warden.tenant_id', '00000000-0000-0000-0000-000000000000', true);
  return removed;
end $$;
revoke all on function audit_purge(uuid) from public;
grant execute on function audit_purge(uuid) to ${app_role};
