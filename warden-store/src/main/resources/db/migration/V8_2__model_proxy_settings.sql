-- Model proxy (issue 8): a tenant's settings (content logging, off unless the tenant turns it on)
-- and each agent's injection verdict settings (JSON; '{}' is the standard thresholds).

create table tenant_settings (
  tenant_id        uuid primary key references tenants (id) on delete cascade,
  content_logging  boolean not null default false,
  updated_at       timestamptz not null default now()
);
alter table tenant_settings enable row level security;
alter table tenant_settings force row level security;
create policy tenant_settings_tenant on tenant_settings
  using (tenant_id = nullif(current_setting('warden.tenant_id', true), '')::uuid)
  with check (tenant_id = nullif(current_setting('warden.tenant_id', true), '')::uuid);
grant select, insert, update, delete on tenant_settings to ${app_role};

alter table agents add column injection text not null default '{}' check (length(injection) <= 4000);
