-- Projects: an organization's websites, each with its own widget settings (seed 003's
-- projectId / project).

CREATE TABLE projects (
    id               TEXT COLLATE "C" PRIMARY KEY,
    organization_id  TEXT COLLATE "C" NOT NULL REFERENCES organizations (id),
    name             TEXT NOT NULL,
    created_at       BIGINT NOT NULL,
    updated_at       BIGINT NOT NULL
);
CREATE INDEX projects_by_org ON projects (organization_id, created_at);

-- A project's widget settings; absent → the organization's.
CREATE TABLE project_settings (
    project_id          TEXT COLLATE "C" PRIMARY KEY REFERENCES projects (id),
    display_name        TEXT,
    greeting            TEXT,
    suggested_messages  TEXT NOT NULL,
    accent_color        TEXT,
    allowed_origins     TEXT NOT NULL,
    updated_at          BIGINT NOT NULL
);

-- The website a conversation started on.
ALTER TABLE conversations ADD COLUMN project_id TEXT COLLATE "C" REFERENCES projects (id);
