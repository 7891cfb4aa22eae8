//! The `Store` contract: each test is written once and run against both backends by
//! `store_contract!` (in `support`), as `TOPIC::sqlite::TEST` on a SQLite file in a temp folder
//! and `TOPIC::postgres::TEST` on a fresh database of the server `DATABASE_URL` names
//! (`scripts/test.sh` starts one; skipped visibly without it, a failure with
//! `DFBENCH_REQUIRE_POSTGRES=1`). One test binary, so one link.

mod support;

mod bulk;
mod contents;
mod errors;
mod history;
mod leases;
mod reuse_index;
mod runs;
