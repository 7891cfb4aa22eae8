//! PostgreSQL store for shared deployments: ready shards are picked with
//! `FOR UPDATE SKIP LOCKED`, and worker writes lock their lease row (`FOR SHARE`) so a lease
//! cannot be re-granted between the fencing check and the commit.

use crate::StoreError;
use crate::sql_impl::{Dialect, impl_sql_store};
use sqlx::postgres::PgPoolOptions;
use std::time::Duration;

pub struct PostgresStore {
    pool: sqlx::PgPool,
    dialect: Dialect,
}

impl PostgresStore {
    /// Connects to `url` (`postgres://…`) and migrates the schema.
    pub async fn connect(url: &str) -> Result<PostgresStore, StoreError> {
        let pool = PgPoolOptions::new()
            .max_connections(8)
            .acquire_timeout(Duration::from_secs(10))
            .connect(url)
            .await
            .map_err(|source| StoreError::Connect { source })?;
        sqlx::migrate!("../migrations/postgres")
            .run(&pool)
            .await
            .map_err(|source| StoreError::Migrate { source })?;
        Ok(PostgresStore {
            pool,
            dialect: Dialect {
                acquire_lock: "FOR UPDATE OF s SKIP LOCKED",
                lease_check_lock: "FOR SHARE",
            },
        })
    }
}

impl_sql_store!(PostgresStore, "postgres");
