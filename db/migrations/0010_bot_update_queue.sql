CREATE TABLE "telegram_updates" (
	"bot_id" bigint NOT NULL,
	"update_id" bigint NOT NULL,
	"chat_id" bigint,
	"payload" text,
	"status" text DEFAULT 'queued' NOT NULL,
	"attempts" integer DEFAULT 0 NOT NULL,
	"claimed_by" text,
	"claimed_at" timestamp with time zone,
	"not_before" timestamp with time zone,
	"received_at" timestamp with time zone DEFAULT now() NOT NULL,
	"finished_at" timestamp with time zone,
	CONSTRAINT "telegram_updates_bot_id_update_id_pk" PRIMARY KEY("bot_id","update_id")
);
--> statement-breakpoint
CREATE INDEX "telegram_updates_open_idx" ON "telegram_updates" USING btree ("bot_id","update_id") WHERE "telegram_updates"."status" in ('queued', 'working');--> statement-breakpoint
CREATE INDEX "telegram_updates_finished_idx" ON "telegram_updates" USING btree ("finished_at");
--> statement-breakpoint
-- The update ids remembered so far were only dedupe memory, without the bot they came from: dropped,
-- not copied (telegram_updates keys on bot and update id).
DROP TABLE "processed_updates" CASCADE;