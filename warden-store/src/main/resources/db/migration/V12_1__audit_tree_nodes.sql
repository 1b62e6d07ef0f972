-- Audit (issue 3): the hashes of the aligned perfect Merkle subtrees of 256 leaves and more, so
-- inclusion and consistency proofs read O(log n) stored nodes and at most two blocks of 256 event
-- hashes instead of every event hash up to the tree size.
--
-- Row (level, idx) is the RFC 9162 hash of leaves [idx * 2^level, (idx + 1) * 2^level), leaf i
-- being the event with seq = i + 1. Appends write the subtrees they complete in the same
-- transaction as the events, so a node exists exactly when its last event does. Events appended
-- before this migration have no nodes; proofs over them fall back to reading the event hashes.
create table audit_tree_nodes (
  tenant_id  uuid not null references tenants (id),
  level      smallint not null check (level between 8 and 62),
  idx        bigint not null check (idx >= 0),
  hash       bytea not null check (length(hash) = 32),
  primary key (tenant_id, level, idx)
);
alter table audit_tree_nodes enable row level security;
alter table audit_tree_nodes force row level security;
create policy audit_tree_nodes_tenant on audit_tree_nodes
  using (tenant_id = nullif(current_setting('warden.tenant_id', true), '')::uuid)
  with check (tenant_id = nullif(current_setting('warden.tenant_id', true), '')::uuid);
grant select, insert on audit_tree_nodes to ${app_role};

create trigger audit_tree_nodes_append_only before update or delete on audit_tree_nodes
  for each row execute function audit_append_only();
create trigger audit_tree_nodes_no_truncate before truncate on audit_tree_nodes
  for each statement execute function audit_refuse_truncate();

-- The purge path also removes the tenant's tree nodes.
create or replace function audit_purge(p_tenant uuid) returns bigint language plpgsql security definer
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
  delete from audit_tree_nodes where tenant_id = p_tenant;
  delete from audit_heads where tenant_id = p_tenant;
  delete from audit_events where tenant_id = p_tenant;
  get diagnostics removed = row_count;
  perform set_config('warden.audit_purge', '', true);
  perform set_config('warden.tenant_id', '00000000-0000-0000-0000-000000000000', true);
  return removed;
end $$;
revoke all on function audit_purge(uuid) from public;
grant execute on function audit_purge(uuid) to ${app_role};
