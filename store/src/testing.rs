//! Support for tests that need a real database: a fresh PostgreSQL database per test on the
//! server named by `DATABASE_URL` (started by `scripts/test.sh`), or a SQLite file in a folder.
//!
//! Without `DATABASE_URL` the Postgres helpers say so visibly and the test skips, unless
//! `DFBENCH_REQUIRE_POSTGRES=1` (set by `scripts/test.sh`), where a missing server is a failure.

use sqlx::Connection;

/// Why a fresh test database could not be made.
#[derive(Debug, thiserror::Error)]
pub enum TestDatabaseError {
    #[error(
        "DFBENCH_REQUIRE_POSTGRES=1 but DATABASE_URL is not set; run the tests through scripts/test.sh"
    )]
    Required,
    #[error("cannot create a test database on {url}: {source}")]
    Create { url: String, source: sqlx::Error },
}

/// URL of a new, empty Postgres database, or `Ok(None)` when no server is configured.
pub async fn fresh_postgres_url(test_name: &str) -> Result<Option<String>, TestDatabaseError> {
    let Ok(server_url) = std::env::var("DATABASE_URL") else {
        if std::env::var("DFBENCH_REQUIRE_POSTGRES").as_deref() == Ok("1") {
            return Err(TestDatabaseError::Required);
        }
        eprintln!(
            "SKIPPED {test_name}: DATABASE_URL is not set (scripts/test.sh starts a PostgreSQL server)"
        );
        return Ok(None);
    };
    let name = format!("dfbench_test_{}", uuid_like_suffix());
    let create = |source| TestDatabaseError::Create {
        url: server_url.clone(),
        source,
    };
    let mut connection = sqlx::PgConnection::connect(&server_url)
        .await
        .map_err(create)?;
    sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
        .execute(&mut connection)
        .await
        .map_err(create)?;
    connection.close().await.map_err(create)?;
    Ok(Some(replace_database(&server_url, &name)))
}

/// Replaces the database name (the last path segment) of a postgres URL.
fn replace_database(url: &str, database: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((base, query)) => (base, format!("?{query}")),
        None => (url, String::new()),
    };
    let scheme_end = base.find("://").map(|index| index + 3).unwrap_or(0);
    let host_part = match base[scheme_end..].find('/') {
        Some(slash) => &base[..scheme_end + slash],
        None => base,
    };
    format!("{host_part}/{database}{query}")
}

fn uuid_like_suffix() -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|elapsed| elapsed.as_nanos())
        .unwrap_or(0);
    format!("{}_{:x}", std::process::id(), nanos)
}

#[cfg(test)]
mod tests {
    #[test]
    fn replaces_the_database_name() {
        assert_eq!(
            super::replace_database("postgres://u@127.0.0.1:5432/postgres", "x"),
            "postgres://u@127.0.0.1:5432/x"
        );
        assert_eq!(
            super::replace_database("postgres://u@h:1/db?sslmode=disable", "x"),
            "postgres://u@h:1/x?sslmode=disable"
        );
        assert_eq!(
            super::replace_database("postgres://u@h:1", "x"),
            "postgres://u@h:1/x"
        );
    }
}
