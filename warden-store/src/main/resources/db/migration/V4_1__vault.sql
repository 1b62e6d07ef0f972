-- Vault (issue 4): wrapped per-tenant data keysets, encrypted secrets, model providers.
-- No clear secret is ever stored: vault_secrets holds Tink AEAD ciphertext bound to
-- (tenant_id, id) plus a masked form computed at write time, so reads never decrypt.

-- Which key-encryption keys this installation has used. A KEK itself is never here: only its
-- key check value (kek_id) and a blob wrapped by it, which start-up unwraps to prove that the
-- configured KEK is the right one. Operator scope only.
create table kek_checks (
  kek_id      text primary key check (length(kek_id) between 1 and 200),
  check_blob  bytea not null,
  created_at  timestamptz not null default now(),
  retired_at  timestamptz
);
alter table kek_checks enable row level security;
alter table kek_checks force row level security;
create policy kek_checks_operator on kek_checks
  using (nullif(current_setting('warden.tenant_id', true), '')::uuid = '00000000-0000-0000-0000-000000000000')
  with check (nullif(current_setting('warden.tenant_id', true), '')::uuid = '00000000-0000-0000-0000-000000000000');
grant select, insert, update on kek_checks to ${app_role};

-- One wrapped Tink keyset per tenant. Deleting the row is crypto-shredding: every ciphertext
-- of the tenant, in this database and in every backup, becomes unrecoverable.
create table tenant_keys (
  tenant_id   uuid primary key references tenants (id) on delete cascade,
  kek_id      text not null,
  keyset      bytea not null,
  created_at  timestamptz not null default now(),
  rotated_at  timestamptz
);
alter table tenant_keys enable row level security;
alter table tenant_keys force row level security;
create policy tenant_keys_tenant on tenant_keys
  using (tenant_id = nullif(current_setting('warden.tenant_id', true), '')::uuid)
  with check (tenant_id = nullif(current_setting('warden.tenant_id', true), '')::uuid);
grant select, insert, update, delete on tenant_keys to ${app_role};

create table vault_secrets (
  id             uuid primary key,
  tenant_id      uuid not null references tenants (id) on delete cascade,
  name           text not null check (name ~ '^[a-z0-9][a-z0-9._-]{0,127}$'),
  ciphertext     bytea not null,
  masked         text not null,
  allowed_hosts  text[] not null check (cardinality(allowed_hosts) between 1 and 50),
  header         text not null,
  header_prefix  text not null default '',
  version        integer not null default 1,
  created_at     timestamptz not null default now(),
  updated_at     timestamptz not null default now(),
  unique (tenant_id, name)
);
alter table vault_secrets enable row level security;
alter table vault_secrets force row level security;
create policy vault_secrets_tenant on vault_secrets
  using (tenant_id = nullif(current_setting('warden.tenant_id', true), '')::uuid)
  with check (tenant_id = nullif(current_setting('warden.tenant_id', true), '')::uuid);
grant select, insert, update, delete on vault_secrets to ${app_role};

-- Model providers. The key is always a vault secret (one the provider owns, or a shared one
-- named by secret_ref); a secret in use by a provider cannot be deleted.
create table providers (
  id              uuid primary key,
  tenant_id       uuid not null references tenants (id) on delete cascade,
  name            text not null check (name ~ '^[a-z0-9][a-z0-9._-]{0,63}$'),
  kind            text not null check (kind ~ '^[a-z][a-z0-9_]{0,31}$'),
  base_url        text not null check (length(base_url) between 1 and 2000),
  secret_id       uuid not null references vault_secrets (id),
  owns_secret     boolean not null,
  allowed_models  text[] not null default '{}',
  enabled         boolean not null default true,
  created_at      timestamptz not null default now(),
  updated_at      timestamptz not null default now(),
  unique (tenant_id, name)
);
create index providers_secret on providers (secret_id);
alter table providers enable row level security;
alter table providers force row level security;
create policy providers_tenant on providers
  using (tenant_id = nullif(current_setting('warden.tenant_id', true), '')::uuid)
  with check (tenant_id = nullif(current_setting('warden.tenant_id', true), '')::uuid);
grant select, insert, update, delete on providers to ${app_role};
