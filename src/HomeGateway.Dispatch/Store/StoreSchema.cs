using System.Data.Common;

namespace HomeGateway.Dispatch.Store;

/// <summary>
/// The schema, as numbered migrations. A migration is never edited once released: add the next one.
/// Enum columns (kind, type, priority) hold the persisted enum numbers, which never change.
/// </summary>
internal static class StoreSchema
{
    private static readonly string[] Migrations =
    [
        // 1: gateways, the alert history and queue, sensor evidence, console users, API tokens.
        """
        CREATE TABLE gateways(
            gateway_id TEXT PRIMARY KEY,
            home_id TEXT NOT NULL,
            token_hash BLOB NOT NULL,
            created_at TEXT NOT NULL,
            last_seen_at TEXT,
            stored_through_seq INTEGER NOT NULL DEFAULT 0,
            software_version TEXT);
        CREATE UNIQUE INDEX gateways_token_hash ON gateways(token_hash);

        CREATE TABLE alert_events(
            gateway_id TEXT NOT NULL,
            seq INTEGER NOT NULL,
            alert_id TEXT NOT NULL,
            kind INTEGER NOT NULL,
            type INTEGER NOT NULL,
            priority INTEGER NOT NULL,
            home_id TEXT NOT NULL,
            sensor_id TEXT NOT NULL,
            at TEXT NOT NULL,
            evidence_at TEXT NOT NULL,
            count INTEGER NOT NULL,
            summary TEXT NOT NULL,
            recorded_at TEXT NOT NULL,
            received_at TEXT NOT NULL,
            PRIMARY KEY(gateway_id, seq));
        CREATE INDEX alert_events_alert ON alert_events(gateway_id, alert_id);

        CREATE TABLE alerts(
            gateway_id TEXT NOT NULL,
            alert_id TEXT NOT NULL,
            home_id TEXT NOT NULL,
            type INTEGER NOT NULL,
            priority INTEGER NOT NULL,
            status TEXT NOT NULL CHECK(status IN ('open', 'cleared')),
            sensor_id TEXT NOT NULL,
            summary TEXT NOT NULL,
            count INTEGER NOT NULL,
            raised_at TEXT NOT NULL,
            evidence_at TEXT NOT NULL,
            first_received_at TEXT NOT NULL,
            last_event_at TEXT NOT NULL,
            last_seq INTEGER NOT NULL,
            PRIMARY KEY(gateway_id, alert_id));
        CREATE INDEX alerts_queue ON alerts(status, priority, raised_at);

        CREATE TABLE sensor_events(
            gateway_id TEXT NOT NULL,
            seq INTEGER NOT NULL,
            home_id TEXT NOT NULL,
            sensor_id TEXT NOT NULL,
            kind INTEGER NOT NULL,
            state TEXT NOT NULL,
            at TEXT NOT NULL,
            source TEXT NOT NULL,
            value REAL,
            battery_percent INTEGER,
            link_quality INTEGER,
            received_at TEXT NOT NULL,
            PRIMARY KEY(gateway_id, seq));
        CREATE INDEX sensor_events_sensor ON sensor_events(gateway_id, sensor_id, at);

        CREATE TABLE users(
            name TEXT PRIMARY KEY,
            password_hash TEXT NOT NULL,
            role TEXT NOT NULL CHECK(role IN ('admin', 'dispatcher', 'technician')),
            created_at TEXT NOT NULL);

        CREATE TABLE api_tokens(
            name TEXT PRIMARY KEY,
            token_hash BLOB NOT NULL UNIQUE,
            created_at TEXT NOT NULL);
        """,

        // 2: acknowledgements, the audit trail, gateway outages (supervision) and where a queue row came from.
        """
        ALTER TABLE alerts ADD COLUMN origin TEXT NOT NULL DEFAULT 'gateway' CHECK(origin IN ('gateway', 'dispatch'));

        -- One per alert: the first person to take it. ack_seq numbers a gateway's acknowledgements (1, 2, 3, ...)
        -- for delivery to it; NULL for an alert dispatch raised itself (the gateway has nothing to stop).
        CREATE TABLE alert_acknowledgements(
            gateway_id TEXT NOT NULL,
            alert_id TEXT NOT NULL,
            ack_seq INTEGER,
            acknowledged_by TEXT NOT NULL,
            by_role TEXT NOT NULL,
            acknowledged_at TEXT NOT NULL,
            PRIMARY KEY(gateway_id, alert_id));
        CREATE UNIQUE INDEX alert_acknowledgements_seq ON alert_acknowledgements(gateway_id, ack_seq) WHERE ack_seq IS NOT NULL;

        -- Who did what with a client's alert, and when: append-only, one row per action, also for a no-op repeat.
        CREATE TABLE audit_log(
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            at TEXT NOT NULL,
            actor TEXT NOT NULL,
            action TEXT NOT NULL,
            gateway_id TEXT,
            alert_id TEXT,
            detail TEXT NOT NULL DEFAULT '');
        CREATE INDEX audit_log_alert ON audit_log(gateway_id, alert_id);

        -- A gateway that missed its reporting time: open until it makes contact again. At most one open per gateway.
        CREATE TABLE gateway_outages(
            gateway_id TEXT NOT NULL,
            alert_id TEXT NOT NULL,
            last_contact_at TEXT NOT NULL,
            offline_at TEXT NOT NULL,
            restored_at TEXT,
            PRIMARY KEY(gateway_id, alert_id));
        CREATE UNIQUE INDEX gateway_outages_open ON gateway_outages(gateway_id) WHERE restored_at IS NULL;
        """,

        // 3: gateways authenticate with certificates from dispatch's CA, obtained with a one-time enrolment
        // token; the bearer token column goes (gateways enrolled before this must be enrolled again).
        """
        DROP INDEX gateways_token_hash;
        ALTER TABLE gateways DROP COLUMN token_hash;

        CREATE TABLE enrolment_tokens(
            token_hash BLOB PRIMARY KEY,
            gateway_id TEXT NOT NULL REFERENCES gateways(gateway_id),
            created_at TEXT NOT NULL,
            expires_at TEXT NOT NULL,
            used_at TEXT);
        CREATE INDEX enrolment_tokens_gateway ON enrolment_tokens(gateway_id);

        CREATE TABLE gateway_certificates(
            serial TEXT PRIMARY KEY,
            gateway_id TEXT NOT NULL REFERENCES gateways(gateway_id),
            issued_at TEXT NOT NULL,
            not_after TEXT NOT NULL,
            revoked_at TEXT);
        CREATE INDEX gateway_certificates_gateway ON gateway_certificates(gateway_id);

        CREATE TABLE certificate_revocations(
            position INTEGER PRIMARY KEY AUTOINCREMENT,
            serial TEXT NOT NULL UNIQUE REFERENCES gateway_certificates(serial),
            gateway_id TEXT NOT NULL,
            revoked_at TEXT NOT NULL,
            reason TEXT NOT NULL CHECK(reason IN ('revoked', 'superseded')));
        """,

        // 4: telemetry a gateway dropped unsent under its disk budget; the row's seq is the gap record's own (= its last dropped seq).
        """
        CREATE TABLE telemetry_gaps(
            gateway_id TEXT NOT NULL,
            seq INTEGER NOT NULL,
            from_seq INTEGER NOT NULL,
            count INTEGER NOT NULL,
            first_recorded_at TEXT NOT NULL,
            last_recorded_at TEXT NOT NULL,
            received_at TEXT NOT NULL,
            PRIMARY KEY(gateway_id, seq));
        """,

        // 5: each console user's language; the fleet page's "latest report per sensor" (availability, battery).
        """
        ALTER TABLE users ADD COLUMN language TEXT NOT NULL DEFAULT 'en' CHECK(language IN ('en', 'fi', 'sv'));
        CREATE INDEX sensor_events_kind_latest ON sensor_events(kind, gateway_id, sensor_id, seq);
        CREATE INDEX sensor_events_battery_latest ON sensor_events(gateway_id, sensor_id, seq) WHERE battery_percent IS NOT NULL;
        """,

        // 6: homes (contracted response time and the minimal notes a dispatcher needs), the alert lifecycle after
        // acknowledgement (assignment, escalation, resolution with a frozen outcome), alert notes, and audit rows
        // about a home. Existing homes come from the gateways that serve them.
        """
        CREATE TABLE homes(
            home_id TEXT PRIMARY KEY,
            response_minutes INTEGER NOT NULL DEFAULT 60 CHECK(response_minutes BETWEEN 5 AND 1440),
            key_safe TEXT NOT NULL DEFAULT '',
            contacts TEXT NOT NULL DEFAULT '',
            notes TEXT NOT NULL DEFAULT '',
            created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL);
        INSERT INTO homes(home_id, created_at, updated_at)
            SELECT home_id, MIN(created_at), MIN(created_at) FROM gateways GROUP BY home_id;

        ALTER TABLE alerts ADD COLUMN assigned_to TEXT;
        ALTER TABLE alerts ADD COLUMN escalated_at TEXT;
        ALTER TABLE alerts ADD COLUMN escalated_by TEXT;
        ALTER TABLE alerts ADD COLUMN escalation_reason TEXT;
        ALTER TABLE alerts ADD COLUMN resolved_at TEXT;
        ALTER TABLE alerts ADD COLUMN resolved_by TEXT;
        -- The persisted ResolutionOutcome number (1 visited_no_injury ... 7 other): the numbers never change.
        ALTER TABLE alerts ADD COLUMN outcome INTEGER CHECK(outcome BETWEEN 1 AND 7);
        ALTER TABLE alerts ADD COLUMN resolution_note TEXT;
        CREATE INDEX alerts_raised ON alerts(raised_at);

        -- Appended, never edited: what a dispatcher wrote about an alert.
        CREATE TABLE alert_notes(
            gateway_id TEXT NOT NULL,
            alert_id TEXT NOT NULL,
            at TEXT NOT NULL,
            author TEXT NOT NULL,
            text TEXT NOT NULL);
        CREATE INDEX alert_notes_alert ON alert_notes(gateway_id, alert_id);

        ALTER TABLE audit_log ADD COLUMN home_id TEXT;
        CREATE INDEX audit_log_home ON audit_log(home_id);
        """,

        // 7: console sessions kept on the server, so logout, a password change or idleness ends them everywhere
        // (a copied cookie is worthless afterwards). Only the SHA-256 of the random session id is stored.
        """
        CREATE TABLE console_sessions(
            id_hash BLOB PRIMARY KEY,
            user_name TEXT NOT NULL,
            created_at TEXT NOT NULL,
            last_seen_at TEXT NOT NULL,
            ended_at TEXT,
            ended_reason TEXT CHECK(ended_reason IN ('logout', 'expired', 'password_changed', 'user_removed')));
        CREATE INDEX console_sessions_open ON console_sessions(user_name) WHERE ended_at IS NULL;
        """,

        // 8: the alert's life shared with the gateway. One per-gateway number (dispatch_seq) for everything dispatch
        // tells a gateway about its alerts, acknowledgements and resolutions alike, so Hello's applied_ack_seq covers
        // both and a number is never given twice (an acknowledgement is forgotten when its alert is reopened).
        // A resolution to send: the gateway closes the alert unless it has evidence newer than evidence_through_seq.
        // reopened_at: new evidence arrived after a resolution and the alert went back into the live queue.
        """
        ALTER TABLE gateways ADD COLUMN dispatch_seq INTEGER NOT NULL DEFAULT 0;
        UPDATE gateways SET dispatch_seq = COALESCE(
            (SELECT MAX(k.ack_seq) FROM alert_acknowledgements k WHERE k.gateway_id = gateways.gateway_id), 0);

        CREATE TABLE alert_resolution_messages(
            gateway_id TEXT NOT NULL,
            ack_seq INTEGER NOT NULL,
            alert_id TEXT NOT NULL,
            outcome INTEGER NOT NULL,
            by_role TEXT NOT NULL,
            resolved_at TEXT NOT NULL,
            evidence_through_seq INTEGER NOT NULL,
            PRIMARY KEY(gateway_id, ack_seq));

        ALTER TABLE alerts ADD COLUMN reopened_at TEXT;
        """,

        // 9: each gateway's home profile (Hello / HomeProfile): the home's IANA time zone (NULL: unknown, shown as UTC) and
        // its sensors with the technician's display names and places, replaced whole by each profile. A home's time zone
        // is its most recently seen gateway's, hence the index.
        """
        ALTER TABLE gateways ADD COLUMN time_zone TEXT;
        CREATE INDEX gateways_home_seen ON gateways(home_id, last_seen_at);

        CREATE TABLE gateway_sensors(
            gateway_id TEXT NOT NULL REFERENCES gateways(gateway_id),
            sensor_id TEXT NOT NULL,
            kind INTEGER NOT NULL,
            name TEXT,
            location TEXT,
            updated_at TEXT NOT NULL,
            PRIMARY KEY(gateway_id, sensor_id));
        """,

        // 10: API tokens expire, can be revoked and rotated, and say who made them and when they were last used; users can
        // be disabled (their sessions end, reason 'user_disabled'). Tokens made before this have no expiry (expires_at NULL)
        // until rotated. console_sessions is rebuilt for its wider CHECK (SQLite cannot alter a constraint).
        """
        ALTER TABLE api_tokens ADD COLUMN created_by TEXT NOT NULL DEFAULT '';
        ALTER TABLE api_tokens ADD COLUMN expires_at TEXT;
        ALTER TABLE api_tokens ADD COLUMN last_used_at TEXT;
        ALTER TABLE api_tokens ADD COLUMN rotated_at TEXT;
        ALTER TABLE api_tokens ADD COLUMN revoked_at TEXT;
        ALTER TABLE api_tokens ADD COLUMN revoked_by TEXT;

        ALTER TABLE users ADD COLUMN disabled_at TEXT;
        ALTER TABLE users ADD COLUMN disabled_by TEXT;

        CREATE TABLE console_sessions_v10(
            id_hash BLOB PRIMARY KEY,
            user_name TEXT NOT NULL,
            created_at TEXT NOT NULL,
            last_seen_at TEXT NOT NULL,
            ended_at TEXT,
            ended_reason TEXT CHECK(ended_reason IN ('logout', 'expired', 'password_changed', 'user_removed', 'user_disabled')));
        INSERT INTO console_sessions_v10(id_hash, user_name, created_at, last_seen_at, ended_at, ended_reason)
            SELECT id_hash, user_name, created_at, last_seen_at, ended_at, ended_reason FROM console_sessions;
        DROP TABLE console_sessions;
        ALTER TABLE console_sessions_v10 RENAME TO console_sessions;
        CREATE INDEX console_sessions_open ON console_sessions(user_name) WHERE ended_at IS NULL;
        """,

        // 11: the read-only role care_manager; an admin's password reset and a new role end the user's sessions (reasons
        // 'password_reset', 'role_changed'). Both tables are rebuilt for their wider CHECKs (SQLite cannot alter one).
        """
        CREATE TABLE users_v11(
            name TEXT PRIMARY KEY,
            password_hash TEXT NOT NULL,
            role TEXT NOT NULL CHECK(role IN ('admin', 'dispatcher', 'technician', 'care_manager')),
            created_at TEXT NOT NULL,
            language TEXT NOT NULL DEFAULT 'en' CHECK(language IN ('en', 'fi', 'sv')),
            disabled_at TEXT,
            disabled_by TEXT);
        INSERT INTO users_v11(name, password_hash, role, created_at, language, disabled_at, disabled_by)
            SELECT name, password_hash, role, created_at, language, disabled_at, disabled_by FROM users;
        DROP TABLE users;
        ALTER TABLE users_v11 RENAME TO users;

        CREATE TABLE console_sessions_v11(
            id_hash BLOB PRIMARY KEY,
            user_name TEXT NOT NULL,
            created_at TEXT NOT NULL,
            last_seen_at TEXT NOT NULL,
            ended_at TEXT,
            ended_reason TEXT CHECK(ended_reason IN (
                'logout', 'expired', 'password_changed', 'user_removed', 'user_disabled', 'password_reset', 'role_changed')));
        INSERT INTO console_sessions_v11(id_hash, user_name, created_at, last_seen_at, ended_at, ended_reason)
            SELECT id_hash, user_name, created_at, last_seen_at, ended_at, ended_reason FROM console_sessions;
        DROP TABLE console_sessions;
        ALTER TABLE console_sessions_v11 RENAME TO console_sessions;
        CREATE INDEX console_sessions_open ON console_sessions(user_name) WHERE ended_at IS NULL;
        """,

        // 12: responders. The role 'responder' (home-care night patrol, a guard company's staff), teams of them, each
        // home's cascade (who is asked first, then next when nobody accepts in time), and every request to go to an
        // alert with its time-stamped steps: asked, accepted, on the way, arrived, done (with the responder's proposed
        // outcome, which a dispatcher confirms by resolving). A cascade step names a team or one user, never both.
        """
        CREATE TABLE users_v12(
            name TEXT PRIMARY KEY,
            password_hash TEXT NOT NULL,
            role TEXT NOT NULL CHECK(role IN ('admin', 'dispatcher', 'technician', 'care_manager', 'responder')),
            created_at TEXT NOT NULL,
            language TEXT NOT NULL DEFAULT 'en' CHECK(language IN ('en', 'fi', 'sv')),
            disabled_at TEXT,
            disabled_by TEXT);
        INSERT INTO users_v12(name, password_hash, role, created_at, language, disabled_at, disabled_by)
            SELECT name, password_hash, role, created_at, language, disabled_at, disabled_by FROM users;
        DROP TABLE users;
        ALTER TABLE users_v12 RENAME TO users;

        CREATE TABLE teams(
            team_id TEXT PRIMARY KEY,
            name TEXT NOT NULL,
            created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL);

        CREATE TABLE team_members(
            team_id TEXT NOT NULL,
            user_name TEXT NOT NULL,
            added_at TEXT NOT NULL,
            PRIMARY KEY(team_id, user_name));
        CREATE INDEX team_members_user ON team_members(user_name);

        CREATE TABLE home_cascade(
            home_id TEXT NOT NULL,
            position INTEGER NOT NULL CHECK(position >= 1),
            team_id TEXT,
            user_name TEXT,
            accept_minutes INTEGER NOT NULL DEFAULT 10 CHECK(accept_minutes BETWEEN 1 AND 120),
            PRIMARY KEY(home_id, position),
            CHECK((team_id IS NULL) <> (user_name IS NULL)));

        CREATE TABLE alert_dispatches(
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            gateway_id TEXT NOT NULL,
            alert_id TEXT NOT NULL,
            cascade_position INTEGER,
            team_id TEXT,
            user_name TEXT,
            asked_at TEXT NOT NULL,
            asked_by TEXT NOT NULL,
            accept_deadline TEXT NOT NULL,
            accepted_at TEXT,
            accepted_by TEXT,
            on_the_way_at TEXT,
            arrived_at TEXT,
            done_at TEXT,
            proposed_outcome INTEGER CHECK(proposed_outcome BETWEEN 1 AND 7),
            done_note TEXT,
            ended_at TEXT,
            ended_reason TEXT CHECK(ended_reason IN ('not_accepted', 'withdrawn', 'declined', 'done', 'alert_resolved')),
            CHECK((team_id IS NULL) <> (user_name IS NULL)));
        CREATE INDEX alert_dispatches_alert ON alert_dispatches(gateway_id, alert_id);
        CREATE INDEX alert_dispatches_open ON alert_dispatches(accept_deadline) WHERE ended_at IS NULL;
        -- One open request per alert: the cascade's next step cannot be asked twice, even by two nodes.
        CREATE UNIQUE INDEX alert_dispatches_one_open ON alert_dispatches(gateway_id, alert_id) WHERE ended_at IS NULL;
        """,

        // 13: the client record (issue 17). key_safe keeps its name and now holds the access instructions (key safe and
        // code, door code, dog, stairs). Key holders and contacts become rows the form edits one by one. The old free-text
        // contacts move whole into one contact row with the text as its name: it stays where dispatchers look for whom
        // to call, nothing is guessed by splitting it, and the admin splits it into rows with phone numbers; the column
        // is dropped so no copy outlives the retention rule. client_left_on (a day) and anonymised_at carry that rule.
        """
        ALTER TABLE homes ADD COLUMN address TEXT NOT NULL DEFAULT '';
        ALTER TABLE homes ADD COLUMN client_left_on TEXT;
        ALTER TABLE homes ADD COLUMN anonymised_at TEXT;

        CREATE TABLE home_key_holders(
            home_id TEXT NOT NULL,
            position INTEGER NOT NULL CHECK(position BETWEEN 1 AND 10),
            name TEXT NOT NULL,
            phone TEXT NOT NULL DEFAULT '',
            relation TEXT NOT NULL DEFAULT '',
            PRIMARY KEY(home_id, position));

        CREATE TABLE home_contacts(
            home_id TEXT NOT NULL,
            position INTEGER NOT NULL CHECK(position BETWEEN 1 AND 10),
            name TEXT NOT NULL,
            phone TEXT NOT NULL DEFAULT '',
            relation TEXT NOT NULL DEFAULT '',
            PRIMARY KEY(home_id, position));

        INSERT INTO home_contacts(home_id, position, name, phone, relation)
            SELECT home_id, 1, TRIM(contacts), '', '' FROM homes WHERE TRIM(contacts) <> '';
        ALTER TABLE homes DROP COLUMN contacts;
        CREATE INDEX homes_client_left ON homes(client_left_on) WHERE anonymised_at IS NULL;
        """,
    ];

    public static int LatestVersion => Migrations.Length;

    /// <param name="upTo">The version to stop at (tests: a database as an older release left it); the latest when null.</param>
    public static async Task MigrateAsync(DbConnection connection, StoreDialect dialect, CancellationToken ct, int? upTo = null)
    {
        await dialect.BeforeMigrationAsync(connection, ct);
        await using var tx = await connection.BeginTransactionAsync(ct);
        // Two nodes starting at once on one database: the second waits here and then finds the schema current.
        await dialect.LockMigrationAsync(connection, ct);
        await DispatchStore.Execute(connection, "CREATE TABLE IF NOT EXISTS schema_version(version INTEGER NOT NULL)", ct);
        await using var read = DispatchStore.Command(connection, "SELECT COALESCE(MAX(version), 0) FROM schema_version");
        var current = Convert.ToInt32(await read.ExecuteScalarAsync(ct), System.Globalization.CultureInfo.InvariantCulture);
        if (current > LatestVersion)
        {
            throw new InvalidOperationException(
                $"The dispatch database ({dialect.Description}) has schema version {current}, newer than this program knows ({LatestVersion}); use a newer dispatch.");
        }

        for (var version = current + 1; version <= (upTo ?? LatestVersion); version++)
        {
            await DispatchStore.Execute(connection, dialect.Ddl(Migrations[version - 1]), ct);
            await DispatchStore.Execute(connection, "INSERT INTO schema_version(version) VALUES (@v)", ct, ("@v", version));
        }

        await tx.CommitAsync(ct);
    }
}
