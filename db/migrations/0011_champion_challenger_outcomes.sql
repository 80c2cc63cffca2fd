CREATE TABLE "model_role_changes" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"action" text NOT NULL,
	"version" text NOT NULL,
	"champion" text NOT NULL,
	"challenger" text,
	"previous_champion" text,
	"previous_challenger" text,
	"actor" text NOT NULL,
	"at" timestamp with time zone DEFAULT now() NOT NULL,
	"undone_by" bigint
);
--> statement-breakpoint
CREATE TABLE "outcomes" (
	"application_id" uuid PRIMARY KEY NOT NULL,
	"outcome" text NOT NULL,
	"at" date NOT NULL,
	"recorded_by" text NOT NULL,
	"recorded_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "shadow_scores" (
	"application_id" uuid NOT NULL,
	"model_version" text NOT NULL,
	"pd" double precision NOT NULL,
	"score" integer NOT NULL,
	"decision" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "shadow_scores_application_id_model_version_pk" PRIMARY KEY("application_id","model_version")
);
--> statement-breakpoint
ALTER TABLE "model_versions" ADD COLUMN "role" text DEFAULT 'retired' NOT NULL;--> statement-breakpoint
ALTER TABLE "model_versions" ADD COLUMN "role_since" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "model_role_changes" ADD CONSTRAINT "model_role_changes_version_model_versions_version_fk" FOREIGN KEY ("version") REFERENCES "public"."model_versions"("version") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "outcomes" ADD CONSTRAINT "outcomes_application_id_applications_id_fk" FOREIGN KEY ("application_id") REFERENCES "public"."applications"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "shadow_scores" ADD CONSTRAINT "shadow_scores_application_id_applications_id_fk" FOREIGN KEY ("application_id") REFERENCES "public"."applications"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "shadow_scores" ADD CONSTRAINT "shadow_scores_model_version_model_versions_version_fk" FOREIGN KEY ("model_version") REFERENCES "public"."model_versions"("version") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "outcomes_at_idx" ON "outcomes" USING btree ("at");--> statement-breakpoint
CREATE INDEX "shadow_scores_version_idx" ON "shadow_scores" USING btree ("model_version");--> statement-breakpoint
CREATE UNIQUE INDEX "model_versions_champion_idx" ON "model_versions" USING btree ("role") WHERE "model_versions"."role" = 'champion';--> statement-breakpoint
CREATE UNIQUE INDEX "model_versions_challenger_idx" ON "model_versions" USING btree ("role") WHERE "model_versions"."role" = 'challenger';