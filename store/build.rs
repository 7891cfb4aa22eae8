//! Rebuilds the store when a migration is added or edited: `sqlx::migrate!` embeds the
//! `migrations/` folders at compile time, and cargo does not otherwise know to expand it again
//! when a file appears there (a new migration would silently be missing from the binary).

fn main() {
    println!("cargo:rerun-if-changed=../migrations");
}
