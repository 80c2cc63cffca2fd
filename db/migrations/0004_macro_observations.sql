CREATE TABLE "macro_observations" (
	"series_id" text NOT NULL,
	"date" text NOT NULL,
	"value" double precision NOT NULL,
	"fetched_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "macro_observations_series_id_date_pk" PRIMARY KEY("series_id","date")
);
