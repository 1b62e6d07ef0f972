-- Model proxy (issue 8): budgets per tenant and per agent, and the usage they are checked
-- against. A scope is 'tenant' (the whole tenant) or 'agent:<uuid>'. A null limit is no limit.

create table model_budgets (
  tenant_id               uuid not null references tenants (id) on delete cascade,
  scope                   text not null check (scope = 'tenant' or scope ~ '^agent:[0-9a-f-]{36}$'),
  requests_per_minute     integer check (requests_per_minute >= 0),
  tokens_per_day          bigint check (tokens_per_day >= 0),
  spend_per_month_micros  bigint check (spend_per_month_micros >= 0),
  updated_at              timestamptz not null default now(),
  primary key (tenant_id, scope)
);
alter table model_budgets enable row level security;
alter table model_budgets force row level security;
create policy model_budgets_tenant on model_budgets
  using (tenant_id = nullif(current_setting('warden.tenant_id', true), '')::uuid)
  with check (tenant_id = nullif(current_setting('warden.tenant_id', true), '')::uuid);
grant select, insert, update, delete on model_budgets to ${app_role};

-- Counters per scope and period ('minute', 'day', 'month', each starting at its UTC boundary).
-- Requests are counted when a call is admitted, tokens and spend when it ends.
create table model_usage (
  tenant_id     uuid not null references tenants (id) on delete cascade,
  scope         text not null,
  period        text not null check (period in ('minute', 'day', 'month')),
  period_start  timestamptz not null,
  requests      bigint not null default 0,
  tokens        bigint not null default 0,
  spend_micros  bigint not null default 0,
  primary key (tenant_id, scope, period, period_start)
);
alter table model_usage enable row level security;
alter table model_usage force row level security;
create policy model_usage_tenant on model_usage
  using (tenant_id = nullif(current_setting('warden.tenant_id', true), '')::uuid)
  with check (tenant_id = nullif(current_setting('warden.tenant_id', true), '')::uuid);
grant select, insert, update, delete on model_usage to ${app_role};
