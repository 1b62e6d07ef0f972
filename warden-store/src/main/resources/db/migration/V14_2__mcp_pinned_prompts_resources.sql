-- Prompts, resources and resource templates of an upstream are pinned like its tools (issue 7):
-- the identity an admin approved and the one last seen, quarantined while they differ. They
-- live beside the tools, told apart by kind; a prompt is named by its name, a resource by its
-- URI, a template by its URI template (which may be longer than a tool name).
alter table mcp_tools add column kind text not null default 'tool'
  check (kind in ('tool', 'prompt', 'resource', 'resource_template'));
alter table mcp_tools drop constraint mcp_tools_pkey;
alter table mcp_tools add primary key (server_id, kind, name);
alter table mcp_tools drop constraint mcp_tools_name_check;
alter table mcp_tools add constraint mcp_tools_name_length
  check (length(name) between 1 and (case when kind = 'tool' then 128 else 2000 end));
