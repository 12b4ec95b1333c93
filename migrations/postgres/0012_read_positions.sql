-- "Seen" both ways (issue 14): the highest message seq the visitor has seen, and the highest
-- any operator has seen (per-operator positions stay in conversation_reads for unread
-- counts). The visitor's unread count is the replies after contact_read_seq.
ALTER TABLE conversations ADD COLUMN contact_read_seq BIGINT NOT NULL DEFAULT 0;
ALTER TABLE conversations ADD COLUMN staff_read_seq BIGINT NOT NULL DEFAULT 0;

-- Widget settings: the usual reply time the widget states after "Talk to a person"
-- (minutes; NULL: say nothing about time), and whether the launcher shows a preview of an
-- unread reply beside its badge.
ALTER TABLE widget_settings ADD COLUMN reply_time_minutes BIGINT;
ALTER TABLE widget_settings ADD COLUMN unread_preview BIGINT NOT NULL DEFAULT 1;
ALTER TABLE project_settings ADD COLUMN reply_time_minutes BIGINT;
ALTER TABLE project_settings ADD COLUMN unread_preview BIGINT NOT NULL DEFAULT 1;
