-- Why an approval request was opened (issue 7), shown to approvers next to the payload: an
-- agent's approval rule ({"kind": "rule", "rule": {...}, "description": ...}) or the trust score
-- of the server or tool being below the tenant's threshold ({"kind": "low_trust", "subject": ...,
-- "score": ..., "threshold": ...}). JSON text; null for requests opened before this column.
alter table approvals add column reason text check (reason is null or length(reason) <= 8000);
