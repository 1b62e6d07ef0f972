-- A session allow ends with its MCP session (DELETE /mcp): it then no longer matches and is
-- listed as ended rather than active. (Sessions dropped without a DELETE never see another call,
-- as session ids are never reused, so their allows are inert either way.)
alter table session_allows add column ended_at timestamptz;
