DROP INDEX "decisions_application_idx";--> statement-breakpoint
ALTER TABLE "decisions" ADD COLUMN "purpose" text;--> statement-breakpoint
ALTER TABLE "decisions" ADD COLUMN "amount" double precision;--> statement-breakpoint
ALTER TABLE "decisions" ADD COLUMN "term_months" integer;--> statement-breakpoint
ALTER TABLE "decisions" ADD COLUMN "apr" double precision;--> statement-breakpoint
ALTER TABLE "decisions" ADD COLUMN "live" boolean DEFAULT true NOT NULL;--> statement-breakpoint
-- Existing decisions get the book's columns from their offer and application (hand-written step).
UPDATE "decisions" d SET
  "purpose" = coalesce(a."applicant"->>'purpose', 'other'),
  "amount" = (d."offer"->>'amount')::float8,
  "term_months" = (d."offer"->>'termMonths')::int,
  "apr" = (d."offer"->>'apr')::float8,
  "live" = (a."status" = 'live')
FROM "applications" a WHERE a."id" = d."application_id";--> statement-breakpoint
CREATE INDEX "decisions_retired_idx" ON "decisions" USING btree ("live") WHERE not "decisions"."live";--> statement-breakpoint
CREATE UNIQUE INDEX "decisions_application_idx" ON "decisions" USING btree ("application_id");