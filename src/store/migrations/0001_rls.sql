-- Row-level security for every user-owned table. Kept in src/store/rls.sql and copied verbatim into the
-- custom migration (npx drizzle-kit generate --custom --name rls). Idempotent, and safe when test schemas
-- migrate concurrently on one PostgreSQL cluster (roles are cluster-wide); works on PGlite too.
--
-- fillgate_app: the role every request runs as (SET LOCAL ROLE via set_config('role', ..., true)), with
--   app.user_id set per transaction. Not owner, not superuser, NOBYPASSRLS; sees only its user's rows.
-- fillgate_system: the explicit cross-user path (order tracker locating a venue report's order, restoring
--   the paper book, admin kill switch over all accounts, token/email lookups at sign-in).
DO $$ BEGIN
  CREATE ROLE fillgate_app NOLOGIN NOSUPERUSER NOBYPASSRLS NOINHERIT;
EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL;
END $$;
--> statement-breakpoint
DO $$ BEGIN
  CREATE ROLE fillgate_system NOLOGIN NOSUPERUSER NOBYPASSRLS NOINHERIT;
EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL;
END $$;
--> statement-breakpoint
-- The connecting (owner) user must be able to SET ROLE to both; a superuser already can.
DO $$ BEGIN
  IF NOT (SELECT rolsuper FROM pg_roles WHERE rolname = current_user) THEN
    EXECUTE format('GRANT fillgate_app, fillgate_system TO %I', current_user);
  END IF;
EXCEPTION WHEN duplicate_object OR unique_violation OR insufficient_privilege OR invalid_grant_operation THEN NULL;
END $$;
--> statement-breakpoint
DO $$
DECLARE
  t text;
  k text;
  s text;
  owned text[] := ARRAY[
    'users', 'api_tokens', 'refresh_tokens', 'exchange_accounts', 'balances', 'orders', 'fills', 'positions',
    'execution_audit', 'order_events', 'outbox', 'idempotency_keys', 'risk_limits', 'equity_snapshots',
    'signals', 'webhook_secrets', 'exchange_keys'
  ];
BEGIN
  EXECUTE format('GRANT USAGE ON SCHEMA %I TO fillgate_app, fillgate_system', current_schema());
  -- Only the listed tables and their sequences (not the migrations bookkeeping).
  FOR s IN
    SELECT seq.oid::regclass::text
    FROM pg_class seq
    JOIN pg_depend d ON d.objid = seq.oid AND d.deptype IN ('a', 'i')
    JOIN pg_class tbl ON tbl.oid = d.refobjid
    WHERE seq.relkind = 'S' AND tbl.relname = ANY (owned) AND tbl.relnamespace = current_schema()::regnamespace
  LOOP
    EXECUTE format('GRANT USAGE, SELECT ON SEQUENCE %s TO fillgate_app, fillgate_system', s);
  END LOOP;
  FOREACH t IN ARRAY owned LOOP
    k := CASE WHEN t = 'users' THEN 'id' ELSE 'user_id' END;
    EXECUTE format('GRANT SELECT, INSERT, UPDATE, DELETE ON TABLE %I TO fillgate_app, fillgate_system', t);
    EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
    EXECUTE format('ALTER TABLE %I FORCE ROW LEVEL SECURITY', t);
    EXECUTE format('DROP POLICY IF EXISTS user_isolation ON %I', t);
    EXECUTE format(
      'CREATE POLICY user_isolation ON %I TO fillgate_app '
      'USING (%I = nullif(current_setting(''app.user_id'', true), '''')::uuid) '
      'WITH CHECK (%I = nullif(current_setting(''app.user_id'', true), '''')::uuid)',
      t, k, k);
    EXECUTE format('DROP POLICY IF EXISTS system_access ON %I', t);
    EXECUTE format('CREATE POLICY system_access ON %I TO fillgate_system USING (true) WITH CHECK (true)', t);
  END LOOP;
END $$;
--> statement-breakpoint
-- Wakes stream gateways in every process (LISTEN fillgate_outbox) when a transaction commits outbox rows;
-- the payload is the user id. Polling remains the fallback, so a missed notification only delays.
CREATE OR REPLACE FUNCTION fillgate_outbox_notify() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('fillgate_outbox', d.user_id::text) FROM (SELECT DISTINCT user_id FROM new_rows) AS d;
  RETURN NULL;
END $$;
--> statement-breakpoint
DROP TRIGGER IF EXISTS outbox_notify ON outbox;
--> statement-breakpoint
CREATE TRIGGER outbox_notify AFTER INSERT ON outbox REFERENCING NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION fillgate_outbox_notify();
