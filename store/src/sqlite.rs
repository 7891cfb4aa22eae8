//! SQLite store, the embedded default: one file, WAL, a busy timeout, and a single pooled
//! connection so the coordinator is the only writer and transactions never contend.

use crate::StoreError;
use crate::sql_impl::{Dialect, impl_sql_store};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use std::str::FromStr;
use std::time::Duration;

pub struct SqliteStore {
    pool: sqlx::SqlitePool,
    dialect: Dialect,
}

impl SqliteStore {
    /// Opens (creating if needed) the database at `url` (`sqlite:PATH`) and migrates it.
    pub async fn connect(url: &str) -> Result<SqliteStore, StoreError> {
        let options = SqliteConnectOptions::from_str(url)
            .map_err(|source| StoreError::Connect { source })?
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Normal)
            .busy_timeout(Duration::from_secs(10))
            .foreign_keys(true);
        let pool = SqlitePoolOptions::new()
            .max_connections(1)
            .connect_with(options)
            .await
            .map_err(|source| StoreError::Connect { source })?;
        sqlx::migrate!("../migrations/sqlite")
            .run(&pool)
            .await
            .map_err(|source| StoreError::Migrate { source })?;
        Ok(SqliteStore {
            pool,
            dialect: Dialect {
                acquire_lock: "",
                lease_check_lock: "",
            },
        })
    }
}

impl_sql_store!(SqliteStore, "sqlite");
