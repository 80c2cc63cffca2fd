CREATE TABLE "statements" (
	"id" uuid PRIMARY KEY NOT NULL,
	"owner" text NOT NULL,
	"sha256" text NOT NULL,
	"features" jsonb NOT NULL,
	"transactions" integer NOT NULL,
	"as_of" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"expires_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
ALTER TABLE "applications" ADD COLUMN "owner" text;--> statement-breakpoint
ALTER TABLE "applications" ADD COLUMN "idempotency_key" text;--> statement-breakpoint
ALTER TABLE "applications" ADD COLUMN "status" text DEFAULT 'live' NOT NULL;--> statement-breakpoint
ALTER TABLE "applications" ADD COLUMN "superseded_by" uuid;--> statement-breakpoint
ALTER TABLE "applications" ADD COLUMN "supersedes" uuid;--> statement-breakpoint
CREATE INDEX "statements_expires_idx" ON "statements" USING btree ("expires_at");--> statement-breakpoint
CREATE UNIQUE INDEX "applications_idempotency_idx" ON "applications" USING btree ("owner","idempotency_key");--> statement-breakpoint
CREATE UNIQUE INDEX "applications_supersedes_idx" ON "applications" USING btree ("supersedes");