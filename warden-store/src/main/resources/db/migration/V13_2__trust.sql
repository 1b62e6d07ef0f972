-- Trust scores (issue 7): evidence against providers, MCP servers and tools, from which
-- dev.agentwarden.core.trust.TrustRule computes a 0-1000 score with exponential decay. Each row
-- also keeps the subject's score right after it was recorded, so the evidence and the score it
-- produced are stored together.
create table trust_evidence (
  id            uuid primary key,
  tenant_id     uuid not null references tenants (id) on delete cascade,
  subject_kind  text not null check (subject_kind in ('provider', 'mcp_server', 'tool')),
  subject       text not null check (length(subject) between 1 and 300),
  kind          text not null check (kind in ('error', 'timeout', 'policy_violation', 'output_finding', 'identity_change')),
  detail        text not null default '' check (length(detail) <= 500),
  at            timestamptz not null,
  score_after   integer not null check (score_after between 0 and 1000)
);
create index trust_evidence_subject on trust_evidence (tenant_id, subject_kind, subject, at);
alter table trust_evidence enable row level security;
alter table trust_evidence force row level security;
create policy trust_evidence_tenant on trust_evidence
  using (tenant_id = nullif(current_setting('warden.tenant_id', true), '')::uuid)
  with check (tenant_id = nullif(current_setting('warden.tenant_id', true), '')::uuid);
grant select, insert, delete on trust_evidence to ${app_role};

-- A tenant's threshold: calls to a subject scoring below it need approval. No row: the default.
create table trust_settings (
  tenant_id   uuid primary key references tenants (id) on delete cascade,
  threshold   integer not null check (threshold between 0 and 1000),
  updated_at  timestamptz not null,
  updated_by  text not null
);
alter table trust_settings enable row level security;
alter table trust_settings force row level security;
create policy trust_settings_tenant on trust_settings
  using (tenant_id = nullif(current_setting('warden.tenant_id', true), '')::uuid)
  with check (tenant_id = nullif(current_setting('warden.tenant_id', true), '')::uuid);
grant select, insert, update on trust_settings to ${app_role};
