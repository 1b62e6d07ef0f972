-- Crypto-shredding in backups too (issue 4): each tenant's data keyset is wrapped by a key of
-- the tenant's own that lives outside the database (the key directory, or a KMS), so a backup of
-- the database never holds what opens it. A purge destroys that key, but only once the purge has
-- committed (a purge that rolls back must not have shredded anything). This table is the record
-- between the two: written in the purge's transaction, done when the key is destroyed, and
-- finished at the next start when a process stopped in between. Operator scope only; it names
-- key ids, never key material. Its tenant column is not called tenant_id: the tenant is gone,
-- and the row must outlive it (no reference to tenants).
create table tenant_key_destructions (
  key_id         text primary key check (length(key_id) between 1 and 200),
  purged_tenant  uuid not null,
  requested_at   timestamptz not null default now(),
  destroyed_at   timestamptz,
  last_error     text check (length(last_error) <= 2000)
);
alter table tenant_key_destructions enable row level security;
alter table tenant_key_destructions force row level security;
create policy tenant_key_destructions_operator on tenant_key_destructions
  using (nullif(current_setting('warden.tenant_id', true), '')::uuid = '00000000-0000-0000-0000-000000000000')
  with check (nullif(current_setting('warden.tenant_id', true), '')::uuid = '00000000-0000-0000-0000-000000000000');
grant select, insert, update on tenant_key_destructions to ${app_role};
