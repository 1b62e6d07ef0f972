-- Policies (issue 5): named, versioned policy documents of a tenant. A version is never
-- changed or deleted once stored: what was decided under version n can always be explained by
-- reading version n. The document is kept as the author wrote it (YAML or JSON) with its
-- SHA-256, and is compiled (validated) before it is stored.
create table policies (
  id          uuid primary key,
  tenant_id   uuid not null references tenants (id) on delete cascade,
  name        text not null check (name ~ '^[a-z0-9][a-z0-9._-]{0,63}$'),
  version     integer not null check (version >= 1),
  document    text not null check (length(document) between 1 and 262144),
  sha256      text not null check (sha256 ~ '^[0-9a-f]{64}$'),
  created_by  uuid,
  created_at  timestamptz not null default now(),
  unique (tenant_id, name, version)
);
alter table policies enable row level security;
alter table policies force row level security;
create policy policies_tenant on policies
  using (tenant_id = nullif(current_setting('warden.tenant_id', true), '')::uuid)
  with check (tenant_id = nullif(current_setting('warden.tenant_id', true), '')::uuid);
grant select, insert on policies to ${app_role};
