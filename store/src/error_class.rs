//! What a caller should do about a database error: the one mapping from Postgres SQLSTATEs and
//! SQLite result codes (and sqlx's own error variants) to retry / do not retry / fatal.
//!
//! - **Retry**: the same statement may succeed if repeated — a serialization failure or deadlock,
//!   a lost or refused connection, a busy or locked SQLite file.
//! - **NotRetried**: repeating cannot help, but the store is healthy — a constraint violation,
//!   bad data, a statement dfbench got wrong. The request fails; others go on.
//! - **Fatal**: nothing will succeed until an operator acts — the disk is full, the database is
//!   read-only or corrupt. Reported loudly, never retried in a loop.

use sqlx::error::DatabaseError;

/// What to do about a failed database call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorClass {
    Retry,
    NotRetried,
    Fatal,
}

/// Classifies a sqlx error.
pub fn classify(error: &sqlx::Error) -> ErrorClass {
    match error {
        sqlx::Error::Database(database) => classify_database(database.as_ref()),
        sqlx::Error::Io(_)
        | sqlx::Error::Tls(_)
        | sqlx::Error::Protocol(_)
        | sqlx::Error::PoolTimedOut
        | sqlx::Error::PoolClosed
        | sqlx::Error::WorkerCrashed => ErrorClass::Retry,
        sqlx::Error::Migrate(migrate) => match migrate.as_ref() {
            sqlx::migrate::MigrateError::Execute(inner)
            | sqlx::migrate::MigrateError::ExecuteMigration(inner, _) => classify(inner),
            _ => ErrorClass::Fatal,
        },
        _ => ErrorClass::NotRetried,
    }
}

/// For a fatal error, what is wrong in a user's words ("the database is full", "the database
/// is read-only", "the database is corrupt", "the database cannot be read or written").
pub fn fatal_kind(error: &sqlx::Error) -> &'static str {
    const FULL: &str = "the database is full";
    const READ_ONLY: &str = "the database is read-only";
    const CORRUPT: &str = "the database is corrupt";
    const IO: &str = "the database cannot be read or written";
    let sqlx::Error::Database(database) = error else {
        return IO;
    };
    let Some(code) = database.code() else {
        return IO;
    };
    if database
        .try_downcast_ref::<sqlx::sqlite::SqliteError>()
        .is_some()
    {
        return match code.parse::<i32>().map(|code| code & 0xff) {
            Ok(13) => FULL,
            Ok(8) => READ_ONLY,
            Ok(11) | Ok(26) => CORRUPT,
            _ => IO,
        };
    }
    match code.as_ref() {
        "53100" => FULL,
        "25006" => READ_ONLY,
        "XX001" | "XX002" => CORRUPT,
        _ => IO,
    }
}

/// Classifies an error the database itself reported.
pub fn classify_database(error: &dyn DatabaseError) -> ErrorClass {
    let Some(code) = error.code() else {
        return ErrorClass::NotRetried;
    };
    if error
        .try_downcast_ref::<sqlx::sqlite::SqliteError>()
        .is_some()
    {
        return code
            .parse::<i32>()
            .map_or(ErrorClass::NotRetried, classify_sqlite_code);
    }
    classify_sqlstate(&code)
}

/// Postgres SQLSTATE (five characters; the first two are the class).
pub fn classify_sqlstate(sqlstate: &str) -> ErrorClass {
    match sqlstate {
        // serialization_failure, deadlock_detected
        "40001" | "40P01" => ErrorClass::Retry,
        // admin_shutdown, crash_shutdown, cannot_connect_now, too_many_connections
        "57P01" | "57P02" | "57P03" | "53300" => ErrorClass::Retry,
        // disk_full, read_only_sql_transaction, data_corrupted, index_corrupted
        "53100" | "25006" | "XX001" | "XX002" => ErrorClass::Fatal,
        _ => match sqlstate.get(..2) {
            // connection_exception
            Some("08") => ErrorClass::Retry,
            // system_error (I/O errors of the server)
            Some("58") => ErrorClass::Fatal,
            // integrity_constraint_violation (23), data_exception (22) and everything else
            _ => ErrorClass::NotRetried,
        },
    }
}

/// SQLite (extended) result code; the primary code is its low byte.
pub fn classify_sqlite_code(code: i32) -> ErrorClass {
    const BUSY: i32 = 5;
    const LOCKED: i32 = 6;
    const READONLY: i32 = 8;
    const IOERR: i32 = 10;
    const CORRUPT: i32 = 11;
    const FULL: i32 = 13;
    const CANTOPEN: i32 = 14;
    const NOTADB: i32 = 26;
    match code & 0xff {
        BUSY | LOCKED => ErrorClass::Retry,
        READONLY | IOERR | CORRUPT | FULL | CANTOPEN | NOTADB => ErrorClass::Fatal,
        // CONSTRAINT (19), MISMATCH, RANGE, … : the statement or its data
        _ => ErrorClass::NotRetried,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sqlstates_map_as_documented() {
        for (sqlstate, class) in [
            ("40001", ErrorClass::Retry),
            ("40P01", ErrorClass::Retry),
            ("08006", ErrorClass::Retry),
            ("57P01", ErrorClass::Retry),
            ("23505", ErrorClass::NotRetried),
            ("23503", ErrorClass::NotRetried),
            ("22P02", ErrorClass::NotRetried),
            ("42P01", ErrorClass::NotRetried),
            ("53100", ErrorClass::Fatal),
            ("25006", ErrorClass::Fatal),
        ] {
            assert_eq!(classify_sqlstate(sqlstate), class, "{sqlstate}");
        }
    }

    #[test]
    fn sqlite_codes_map_on_their_primary_code() {
        assert_eq!(classify_sqlite_code(5), ErrorClass::Retry);
        assert_eq!(classify_sqlite_code(517), ErrorClass::Retry); // BUSY_SNAPSHOT
        assert_eq!(classify_sqlite_code(6), ErrorClass::Retry);
        assert_eq!(classify_sqlite_code(2067), ErrorClass::NotRetried); // CONSTRAINT_UNIQUE
        assert_eq!(classify_sqlite_code(13), ErrorClass::Fatal);
        assert_eq!(classify_sqlite_code(8), ErrorClass::Fatal);
        assert_eq!(classify_sqlite_code(11), ErrorClass::Fatal);
        assert_eq!(classify_sqlite_code(26), ErrorClass::Fatal);
    }

    /// A real SQLITE_FULL (a connection capped by `max_page_count`, as the chaos test does) is
    /// fatal, and its cause says the database is full.
    #[tokio::test]
    async fn a_full_sqlite_database_is_fatal() {
        use sqlx::ConnectOptions;
        use std::str::FromStr;
        let mut connection = sqlx::sqlite::SqliteConnectOptions::from_str("sqlite::memory:")
            .expect("memory url")
            .pragma("max_page_count", "8")
            .connect()
            .await
            .expect("connect");
        sqlx::query("CREATE TABLE t (b BLOB)")
            .execute(&mut connection)
            .await
            .expect("create");
        let mut full = None;
        for _ in 0..64 {
            if let Err(error) = sqlx::query("INSERT INTO t VALUES (zeroblob(4000))")
                .execute(&mut connection)
                .await
            {
                full = Some(error);
                break;
            }
        }
        let error = full.expect("8 pages fill up");
        assert_eq!(classify(&error), ErrorClass::Fatal, "{error}");
        let store_error = crate::StoreError::Query {
            action: "insert",
            source: error,
        };
        assert!(store_error.is_fatal());
        let cause = store_error.fatal_cause().expect("a fatal cause");
        assert_eq!(
            cause,
            "the database is full (SQLite: database or disk is full)"
        );
        assert_eq!(
            classify_sqlstate("53100"),
            ErrorClass::Fatal,
            "Postgres disk_full"
        );
    }
}
