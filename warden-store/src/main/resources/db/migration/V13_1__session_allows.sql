-- Session allows (issue 7, `warden approvals watch` answer "a"): an approver allows one exact
-- tool + argument hash for one agent for the rest of one MCP session. The approval gate
-- consumes a matching, unrevoked allow instead of opening a new request; a different argument
-- hash or another session still needs approval. Rows are kept after revocation so the list
-- shows who allowed and who revoked what.

-- The MCP session a request came from, as the SHA-256 of its Mcp-Session-Id (the id itself
-- is not stored). Null for requests that did not come through /mcp.
alter table approvals add column session_sha256 text check (session_sha256 ~ '^[0-9a-f]{64}$');

create table session_allows (
  id                uuid primary key,
  tenant_id         uuid not null references tenants (id) on delete cascade,
  agent_id          uuid not null references agents (id) on delete cascade,
  agent             text not null,
  tool              text not null check (length(tool) between 1 and 300),
  arguments_sha256  text not null check (arguments_sha256 ~ '^[0-9a-f]{64}$'),
  session_sha256    text not null check (session_sha256 ~ '^[0-9a-f]{64}$'),
  approval_id       uuid not null references approvals (id) on delete cascade,
  created_by        uuid not null,
  created_at        timestamptz not null,
  revoked_at        timestamptz,
  revoked_by        uuid
);
create index session_allows_match on session_allows (tenant_id, agent_id, session_sha256, tool, arguments_sha256)
  where revoked_at is null;
alter table session_allows enable row level security;
alter table session_allows force row level security;
create policy session_allows_tenant on session_allows
  using (tenant_id = nullif(current_setting('warden.tenant_id', true), '')::uuid)
  with check (tenant_id = nullif(current_setting('warden.tenant_id', true), '')::uuid);
grant select, insert, update on session_allows to ${app_role};
