-- Projects: an organization's websites, each with its own widget settings (seed 003's
-- projectId / project).

CREATE TABLE projects (
    id               TEXT PRIMARY KEY NOT NULL,
    organization_id  TEXT NOT NULL REFERENCES organizations (id),
    name             TEXT NOT NULL,
    created_at       INTEGER NOT NULL,
    updated_at       INTEGER NOT NULL
);
CREATE INDEX projects_by_org ON projects (organization_id, created_at);

-- A project's widget settings; absent → the organization's.
CREATE TABLE project_settings (
    project_id          TEXT PRIMARY KEY NOT NULL REFERENCES projects (id),
    display_name        TEXT,
    greeting            TEXT,
    suggested_messages  TEXT NOT NULL,
    accent_color        TEXT,
    allowed_origins     TEXT NOT NULL,
    updated_at          INTEGER NOT NULL
);

-- The website a conversation started on.
ALTER TABLE conversations ADD COLUMN project_id TEXT REFERENCES projects (id);
