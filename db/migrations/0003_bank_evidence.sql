ALTER TABLE "decisions" ADD COLUMN "behaviour" jsonb;--> statement-breakpoint
ALTER TABLE "decisions" ADD COLUMN "thin_file" boolean DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE "decisions" ADD COLUMN "notices" jsonb DEFAULT '[]'::jsonb NOT NULL;--> statement-breakpoint
ALTER TABLE "policies" ADD COLUMN "store_raw_transactions" boolean DEFAULT false NOT NULL;