-- Tenant purge (DELETE /v1/tenants/{id}) and the operator's own audit chain.
-- Runs as ${owner_role}.

-- The operator scope (the nil UUID) gets a row in tenants so that it can keep an audit chain of
-- its own (audit_events references tenants): a purge destroys the tenant's chain, and its
-- tenant.purged record lives on there. The row is never listed, found or changed as a tenant,
-- and its name cannot be chosen through the API (parentheses are not allowed in tenant names).
select set_config('warden.tenant_id', '00000000-0000-0000-0000-000000000000', true);
insert into tenants (id, name) values ('00000000-0000-0000-0000-000000000000', '(operator)')
  on conflict (id) do nothing;

-- Deletes a tenant's row; every tenant table references it ON DELETE CASCADE (tested from the
-- catalogue), so the tenant's rows go with it. The runtime role has no DELETE on tenants: this is
-- the only way, callable only from the operator scope, never for the operator's own row, and only
-- after audit_purge removed the tenant's chain (audit_events does not cascade: it refuses).
create function tenant_purge(p_tenant uuid) returns boolean language plpgsql security definer
  set search_path = ${flyway:defaultSchema}, pg_temp as $$
declare
  removed bigint;
begin
  if nullif(current_setting('warden.tenant_id', true), '')::uuid is distinct from '00000000-0000-0000-0000-000000000000'::uuid then
    raise exception 'tenant_purge runs only in the operator scope' using errcode = '42501';
  end if;
  if p_tenant = '00000000-0000-0000-0000-000000000000'::uuid then
    raise exception 'the operator scope is not a tenant and cannot be purged' using errcode = '42501';
  end if;
  delete from tenants where id = p_tenant;
  get diagnostics removed = row_count;
  return removed = 1;
end $$;
revoke all on function tenant_purge(uuid) from public;
grant execute on function tenant_purge(uuid) to ${app_role};
