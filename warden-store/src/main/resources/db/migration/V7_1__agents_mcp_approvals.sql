-- Agents, MCP upstreams with pinned tool identities, and hash-pinned approvals (issue 7).

-- An agent: what it may use is listed explicitly (tools as server/tool names, collections).
-- The system prompt's SHA-256 is stored with it so a changed prompt is visible. key_id links
-- the agent-role API key that acts as this agent.
create table agents (
  id                    uuid primary key,
  tenant_id             uuid not null references tenants (id) on delete cascade,
  name                  text not null check (name ~ '^[a-z0-9][a-z0-9._-]{0,63}$'),
  provider              text,
  model                 text,
  system_prompt         text not null default '' check (length(system_prompt) <= 100000),
  system_prompt_sha256  text not null check (system_prompt_sha256 ~ '^[0-9a-f]{64}$'),
  tools                 text[] not null default '{}',
  collections           text[] not null default '{}',
  policy                text,
  approvals             text not null default '[]',
  budgets               text not null default '{}',
  enabled               boolean not null default true,
  key_id                uuid references api_keys (id),
  created_at            timestamptz not null default now(),
  updated_at            timestamptz not null default now(),
  unique (tenant_id, name)
);
create unique index agents_key on agents (key_id) where key_id is not null;
alter table agents enable row level security;
alter table agents force row level security;
create policy agents_tenant on agents
  using (tenant_id = nullif(current_setting('warden.tenant_id', true), '')::uuid)
  with check (tenant_id = nullif(current_setting('warden.tenant_id', true), '')::uuid);
grant select, insert, update, delete on agents to ${app_role};

-- An upstream MCP server (Streamable HTTP). auth_ref names a vault secret; the token itself
-- never leaves the vault except into the upstream request.
create table mcp_servers (
  id              uuid primary key,
  tenant_id       uuid not null references tenants (id) on delete cascade,
  name            text not null check (name ~ '^[a-z0-9][a-z0-9-]{0,39}$'),
  url             text not null check (length(url) between 1 and 2000),
  auth_ref        text,
  enabled         boolean not null default true,
  instructions    text not null default '',
  last_synced_at  timestamptz,
  last_error      text,
  created_at      timestamptz not null default now(),
  updated_at      timestamptz not null default now(),
  unique (tenant_id, name)
);
alter table mcp_servers enable row level security;
alter table mcp_servers force row level security;
create policy mcp_servers_tenant on mcp_servers
  using (tenant_id = nullif(current_setting('warden.tenant_id', true), '')::uuid)
  with check (tenant_id = nullif(current_setting('warden.tenant_id', true), '')::uuid);
grant select, insert, update, delete on mcp_servers to ${app_role};

-- One tool of an upstream: the identity an admin approved (pinned) and the one last seen.
-- They differ exactly when the tool is quarantined.
create table mcp_tools (
  tenant_id        uuid not null references tenants (id) on delete cascade,
  server_id        uuid not null references mcp_servers (id) on delete cascade,
  name             text not null check (length(name) between 1 and 128),
  pinned_identity  text not null,
  pinned_sha256    text not null check (pinned_sha256 ~ '^[0-9a-f]{64}$'),
  current_identity text not null,
  current_sha256   text not null check (current_sha256 ~ '^[0-9a-f]{64}$'),
  removed          boolean not null default false,
  findings         text not null default '[]',
  acknowledged     boolean not null default false,
  first_seen_at    timestamptz not null default now(),
  changed_at       timestamptz not null default now(),
  primary key (server_id, name)
);
create index mcp_tools_tenant on mcp_tools (tenant_id);
alter table mcp_tools enable row level security;
alter table mcp_tools force row level security;
create policy mcp_tools_tenant on mcp_tools
  using (tenant_id = nullif(current_setting('warden.tenant_id', true), '')::uuid)
  with check (tenant_id = nullif(current_setting('warden.tenant_id', true), '')::uuid);
grant select, insert, update, delete on mcp_tools to ${app_role};

-- An approval request: the exact canonical payload, its hash, who asked, the rule and status.
create table approvals (
  id               uuid primary key,
  tenant_id        uuid not null references tenants (id) on delete cascade,
  agent_id         uuid references agents (id) on delete set null,
  action           text not null check (length(action) between 1 and 300),
  payload          text not null,
  payload_sha256   text not null check (payload_sha256 ~ '^[0-9a-f]{64}$'),
  requester_key    uuid not null,
  requester_agent  text,
  approvers        integer not null check (approvers between 1 and 10),
  expiry_seconds   bigint not null check (expiry_seconds > 0),
  status           text not null check (status in ('pending', 'approved', 'denied', 'executed', 'expired')),
  created_at       timestamptz not null,
  expires_at       timestamptz not null,
  executed_at      timestamptz
);
create index approvals_status on approvals (tenant_id, status, created_at);
create index approvals_payload on approvals (tenant_id, payload_sha256);
alter table approvals enable row level security;
alter table approvals force row level security;
create policy approvals_tenant on approvals
  using (tenant_id = nullif(current_setting('warden.tenant_id', true), '')::uuid)
  with check (tenant_id = nullif(current_setting('warden.tenant_id', true), '')::uuid);
grant select, insert, update on approvals to ${app_role};

-- One vote per approver key per request (the primary key makes "counts once" a constraint too).
create table approval_votes (
  tenant_id      uuid not null references tenants (id) on delete cascade,
  approval_id    uuid not null references approvals (id) on delete cascade,
  approver_key   uuid not null,
  approver_agent text,
  approve        boolean not null,
  comment        text check (length(comment) <= 2000),
  decided_at     timestamptz not null,
  primary key (approval_id, approver_key)
);
alter table approval_votes enable row level security;
alter table approval_votes force row level security;
create policy approval_votes_tenant on approval_votes
  using (tenant_id = nullif(current_setting('warden.tenant_id', true), '')::uuid)
  with check (tenant_id = nullif(current_setting('warden.tenant_id', true), '')::uuid);
grant select, insert on approval_votes to ${app_role};
