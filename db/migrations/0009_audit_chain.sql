ALTER TABLE "audit_log" ADD COLUMN "seq" bigint;--> statement-breakpoint
ALTER TABLE "audit_log" ADD COLUMN "prev_hash" text;--> statement-breakpoint
ALTER TABLE "audit_log" ADD COLUMN "hash" text;
--> statement-breakpoint
-- Hand-written: the hash chain and the TRUNCATE guard. The row's content as hashed (the same
-- expression verifies it: db/audit-chain.ts).
CREATE OR REPLACE FUNCTION audit_log_content(r audit_log) RETURNS text AS $$
  SELECT concat_ws('|', r.prev_hash, r.seq::text, r.id::text, to_char(r.at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'),
    r.actor, r.action, coalesce(r.subject, ''), r.detail::text)
$$ LANGUAGE sql IMMUTABLE;
--> statement-breakpoint
CREATE OR REPLACE FUNCTION audit_log_chain() RETURNS trigger AS $$
BEGIN
  -- One writer at a time until commit, so each row chains to the one committed before it.
  PERFORM pg_advisory_xact_lock(7240917);
  SELECT coalesce(max(seq), 0) + 1 INTO NEW.seq FROM audit_log;
  SELECT coalesce((SELECT hash FROM audit_log WHERE seq = NEW.seq - 1), '') INTO NEW.prev_hash;
  NEW.hash := encode(sha256(convert_to(audit_log_content(NEW), 'UTF8')), 'hex');
  RETURN NEW;
END;
$$ LANGUAGE plpgsql;
--> statement-breakpoint
-- The rows written before this migration join the chain in id order.
DO $$
DECLARE r audit_log;
DECLARE previous text := '';
DECLARE n bigint := 0;
BEGIN
  ALTER TABLE audit_log DISABLE TRIGGER audit_log_no_update_or_delete;
  FOR r IN SELECT * FROM audit_log ORDER BY id LOOP
    n := n + 1;
    r.seq := n;
    r.prev_hash := previous;
    previous := encode(sha256(convert_to(audit_log_content(r), 'UTF8')), 'hex');
    UPDATE audit_log SET seq = n, prev_hash = r.prev_hash, hash = previous WHERE id = r.id;
  END LOOP;
  ALTER TABLE audit_log ENABLE TRIGGER audit_log_no_update_or_delete;
END $$;
--> statement-breakpoint
CREATE TRIGGER audit_log_chain BEFORE INSERT ON audit_log FOR EACH ROW EXECUTE FUNCTION audit_log_chain();
--> statement-breakpoint
CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log FOR EACH STATEMENT EXECUTE FUNCTION audit_log_append_only();
