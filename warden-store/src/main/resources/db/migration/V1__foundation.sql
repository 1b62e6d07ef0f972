-- Foundation: tenants, keys, rate limits, idempotency.
-- Runs as ${owner_role}. Every table with a tenant_id gets row-level security ENABLEd and
-- FORCEd with a policy on current_setting('warden.tenant_id'); ${app_role} gets only the
-- privileges it needs. TenantId.OPERATOR (the nil UUID) is the operator's scope.

create table tenants (
  id          uuid primary key,
  name        text not null unique check (length(name) between 1 and 200),
  status      text not null default 'active' check (status in ('active', 'suspended')),
  created_at  timestamptz not null default now(),
  updated_at  timestamptz not null default now()
);
alter table tenants enable row level security;
alter table tenants force row level security;
-- A tenant sees its own row; only the operator scope sees (and writes) the list.
create policy tenants_scope on tenants
  using (id = nullif(current_setting('warden.tenant_id', true), '')::uuid
         or nullif(current_setting('warden.tenant_id', true), '')::uuid = '00000000-0000-0000-0000-000000000000')
  with check (nullif(current_setting('warden.tenant_id', true), '')::uuid = '00000000-0000-0000-0000-000000000000');
grant select, insert, update on tenants to ${app_role};

create table operator_keys (
  id           uuid primary key,
  name         text not null,
  secret_hash  bytea not null,
  created_at   timestamptz not null default now(),
  revoked_at   timestamptz
);
alter table operator_keys enable row level security;
alter table operator_keys force row level security;
create policy operator_keys_scope on operator_keys
  using (nullif(current_setting('warden.tenant_id', true), '')::uuid = '00000000-0000-0000-0000-000000000000')
  with check (nullif(current_setting('warden.tenant_id', true), '')::uuid = '00000000-0000-0000-0000-000000000000');
grant select, insert, update on operator_keys to ${app_role};

create table api_keys (
  id                    uuid primary key,
  tenant_id             uuid not null references tenants (id) on delete cascade,
  name                  text not null check (length(name) between 1 and 200),
  role                  text not null check (role in ('admin', 'approver', 'auditor', 'agent')),
  prefix                text not null,
  secret_hash           bytea not null,
  previous_secret_hash  bytea,
  previous_valid_until  timestamptz,
  created_at            timestamptz not null default now(),
  rotated_at            timestamptz,
  last_used_at          timestamptz,
  expires_at            timestamptz,
  revoked_at            timestamptz
);
create index api_keys_tenant on api_keys (tenant_id, created_at);
alter table api_keys enable row level security;
alter table api_keys force row level security;
create policy api_keys_tenant on api_keys
  using (tenant_id = nullif(current_setting('warden.tenant_id', true), '')::uuid)
  with check (tenant_id = nullif(current_setting('warden.tenant_id', true), '')::uuid);
grant select, insert, update on api_keys to ${app_role};

-- Token buckets shared by every gateway process; processes lease tokens in small batches.
create table rate_buckets (
  tenant_id     uuid not null,
  bucket        text not null,
  tokens        double precision not null,
  refreshed_at  timestamptz not null,
  primary key (tenant_id, bucket)
);
alter table rate_buckets enable row level security;
alter table rate_buckets force row level security;
create policy rate_buckets_tenant on rate_buckets
  using (tenant_id = nullif(current_setting('warden.tenant_id', true), '')::uuid)
  with check (tenant_id = nullif(current_setting('warden.tenant_id', true), '')::uuid);
grant select, insert, update, delete on rate_buckets to ${app_role};

-- Idempotency-Key records: the first response of a POST, replayed for the same key and body.
create table idempotency_keys (
  tenant_id     uuid not null,
  principal_id  uuid not null,
  idem_key      text not null check (length(idem_key) between 1 and 255),
  request_hash  bytea not null,
  state         text not null check (state in ('in_progress', 'done')),
  status        integer,
  content_type  text,
  body          bytea,
  created_at    timestamptz not null default now(),
  primary key (tenant_id, principal_id, idem_key)
);
alter table idempotency_keys enable row level security;
alter table idempotency_keys force row level security;
create policy idempotency_keys_tenant on idempotency_keys
  using (tenant_id = nullif(current_setting('warden.tenant_id', true), '')::uuid)
  with check (tenant_id = nullif(current_setting('warden.tenant_id', true), '')::uuid);
grant select, insert, update, delete on idempotency_keys to ${app_role};

-- Installation facts that are not tenant data (for example the pepper check value).
create table settings (
  name   text primary key,
  value  bytea not null
);
alter table settings enable row level security;
alter table settings force row level security;
create policy settings_all on settings using (true) with check (true);
grant select, insert on settings to ${app_role};
