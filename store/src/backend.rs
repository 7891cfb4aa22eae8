//! What differs between the two backends, behind one trait: [`Backend`] is implemented for
//! sqlx's `Sqlite` and `Postgres` (in `sqlite.rs` and `postgres.rs`, with their pool setup and
//! bulk prediction ingest). [`SqlStore`] is the one store type both share; `SqliteStore` and
//! `PostgresStore` name it per backend. Every generic impl over the backend (`sql_impl`, `sql_reads`,
//! `history`, `bundle_sql`, `bundle_insert`) gets the sqlx bounds it needs from one place, the
//! `#[sql_backend]` attribute (`dfbench-store-macros`); the SQL is in `queries`.

use crate::StoreError;
use crate::cache::StoreCache;
use crate::model::{LeaseRef, NewPrediction};
use crate::sql_parts::IngestContext;
use sqlx::migrate::{Migrate, Migrator};

/// Backend-specific SQL fragments (a backend's [`Backend::DIALECT`]).
pub struct Dialect {
    /// Appended to the ready-shard pick inside the acquire UPDATE.
    pub acquire_lock: &'static str,
    /// Appended to the lease check of worker writes.
    pub lease_check_lock: &'static str,
    /// Run after a run's rows are committed.
    pub after_plan: Option<&'static str>,
    /// A shard's samples, for shard `$1`, as one JSON array of `[id, rel_path, clip_only]`
    /// (`clip_only` 0 or 1) by id.
    pub shard_refs: &'static str,
    /// The stored contents of the paths in `$1` (a JSON array), as one JSON array of
    /// `[position, size, mtime_ns, content_hash]` (`queries::KNOWN_CONTENTS_SQLITE`).
    pub known_contents: &'static str,
    /// The completion statement, with its `open_left` probe (`queries::COMPLETE_SHARD_SQLITE`
    /// or `COMPLETE_SHARD_POSTGRES`).
    pub complete_shard: &'static str,
}

/// Rows a statement changed: an inherent method of each driver's `QueryResult`, as a trait so
/// generic code can call it.
pub trait RowsAffected {
    fn rows_affected(&self) -> u64;
}

impl RowsAffected for sqlx::sqlite::SqliteQueryResult {
    fn rows_affected(&self) -> u64 {
        sqlx::sqlite::SqliteQueryResult::rows_affected(self)
    }
}

impl RowsAffected for sqlx::postgres::PgQueryResult {
    fn rows_affected(&self) -> u64 {
        sqlx::postgres::PgQueryResult::rows_affected(self)
    }
}

/// A database the store runs on: its name, SQL fragments and migrations.
pub trait Backend: sqlx::Database<QueryResult: RowsAffected> {
    /// `sqlite` or `postgres`, for logs and for `bulk::parameters`.
    const BACKEND: &'static str;
    /// Its SQL fragments.
    const DIALECT: Dialect;
    /// Its schema (`migrations/<name>`), embedded.
    const MIGRATOR: Migrator;
}

/// The store on one backend: a pool, the backend's dialect and the caches of what never
/// changes once a run is created.
pub struct SqlStore<DB: Backend> {
    pub(crate) pool: sqlx::Pool<DB>,
    pub(crate) dialect: Dialect,
    pub(crate) cache: StoreCache,
}

/// Tries at migrating before a failure is reported (see [`SqlStore::open`]).
const MIGRATE_ATTEMPTS: u64 = 4;

impl<DB: Backend> SqlStore<DB>
where
    DB::Connection: Migrate,
{
    /// Migrates the database behind `pool` and wraps it: the tail of both backends' `connect`.
    /// A database whose schema is already current is not written to at all, so a read-only
    /// one (a replica, a file without write permission, a read-only transaction default)
    /// still serves `runs`, `report`, `export` and the other reading commands.
    pub(crate) async fn open(pool: sqlx::Pool<DB>) -> Result<SqlStore<DB>, StoreError> {
        let mut attempt: u64 = 0;
        while !Self::schema_is_current(&pool).await {
            let Err(source) = DB::MIGRATOR.run(&pool).await else {
                break;
            };
            // Two processes opening a new database at once (`dfbench runs` polling beside the
            // `dfbench run` that creates it) both migrate it, and SQLite's migrator takes no
            // lock: the slower one fails on what the other created. Once the other has
            // committed, the schema is current; any other failure stays after a few tries.
            attempt += 1;
            if attempt >= MIGRATE_ATTEMPTS && !Self::schema_is_current(&pool).await {
                return Err(StoreError::Migrate { source });
            }
            tokio::time::sleep(std::time::Duration::from_millis(100 * attempt)).await;
        }
        Ok(SqlStore {
            pool,
            dialect: DB::DIALECT,
            cache: StoreCache::default(),
        })
    }

    /// Whether every migration this build embeds is applied, with the same checksum, and
    /// none is left half-applied: read only. Any doubt (no migrations table yet, a read
    /// error) answers no, and the migrator then decides and reports.
    async fn schema_is_current(pool: &sqlx::Pool<DB>) -> bool {
        let Ok(mut connection) = pool.acquire().await else {
            return false;
        };
        let table = &DB::MIGRATOR.table_name;
        if !matches!(connection.dirty_version(table).await, Ok(None)) {
            return false;
        }
        let Ok(applied) = connection.list_applied_migrations(table).await else {
            return false;
        };
        DB::MIGRATOR
            .iter()
            .filter(|migration| !migration.migration_type.is_down_migration())
            .all(|migration| {
                applied.iter().any(|done| {
                    done.version == migration.version && done.checksum == migration.checksum
                })
            })
    }
}

/// One batch of a worker's predictions for a shard, written only while `lease` is current.
pub(crate) struct FencedBatch<'a> {
    pub lease: &'a LeaseRef,
    pub context: IngestContext<'a>,
    pub predictions: &'a [NewPrediction],
}

/// A backend's fenced bulk insert of one batch of predictions: SQLite's multi-row `INSERT`
/// (`sqlite.rs`), PostgreSQL's `UNNEST` or `COPY` (`postgres.rs`). Returns how many rows were
/// new; `StaleLease` (writing nothing) when the lease is not current.
pub(crate) trait BulkIngest: Backend {
    fn insert_fenced<'a>(
        store: &'a SqlStore<Self>,
        batch: &'a FencedBatch<'a>,
    ) -> impl Future<Output = Ingested> + Send + 'a;
}

/// What a fenced insert returns: how many rows were new.
pub(crate) type Ingested = Result<u64, StoreError>;
