ALTER TABLE "policies" ADD COLUMN "drift_watch_psi" double precision DEFAULT 0.1 NOT NULL;--> statement-breakpoint
ALTER TABLE "policies" ADD COLUMN "drift_act_psi" double precision DEFAULT 0.25 NOT NULL;--> statement-breakpoint
ALTER TABLE "policies" ADD COLUMN "drift_min_applications" integer DEFAULT 300 NOT NULL;