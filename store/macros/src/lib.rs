//! dfbench-store-macros: the one place that spells what the store's generic SQL code needs of a
//! backend. `#[sql_backend]` on an `impl<DB: …> … for SqlStore<DB>` block adds the executor and
//! encode/decode bounds to its `where` clause, so every generic impl in `dfbench-store` (the
//! `Store` write side, the reads, history, bundles) states them once, here, and rustfmt still
//! formats their bodies (an attribute leaves the item as ordinary Rust).
//!
//! Owns only those bounds; must not know about queries, tables or either backend's types.

use proc_macro::TokenStream;
use quote::quote;
use syn::{GenericParam, ItemImpl, WherePredicate, parse_macro_input, parse_quote};

/// What the generic store code needs of backend `DB`: executors for its connections and pool,
/// columns by name and position, and the stored types (strings, integers, floats, booleans,
/// and their optional forms) as arguments and columns, from which sqlx derives each row
/// type's `FromRow`. Both backends (SQLite, PostgreSQL) meet every one of them.
fn bounds(db: &syn::Ident) -> Vec<WherePredicate> {
    vec![
        parse_quote!(for<'c> &'c mut #db::Connection: sqlx::Executor<'c, Database = #db>),
        parse_quote!(#db::Arguments: sqlx::IntoArguments<#db>),
        parse_quote!(for<'a> &'a str: sqlx::ColumnIndex<#db::Row>),
        parse_quote!(usize: sqlx::ColumnIndex<#db::Row>),
        parse_quote!(for<'q> &'q str: sqlx::Encode<'q, #db> + sqlx::Type<#db>),
        parse_quote!(for<'q> Option<&'q str>: sqlx::Encode<'q, #db> + sqlx::Type<#db>),
        parse_quote!(
            for<'q> String: sqlx::Encode<'q, #db> + sqlx::Decode<'q, #db> + sqlx::Type<#db>
        ),
        parse_quote!(
            for<'q> Option<String>:
                sqlx::Encode<'q, #db> + sqlx::Decode<'q, #db> + sqlx::Type<#db>
        ),
        parse_quote!(
            for<'q> i64: sqlx::Encode<'q, #db> + sqlx::Decode<'q, #db> + sqlx::Type<#db>
        ),
        parse_quote!(
            for<'q> Option<i64>: sqlx::Encode<'q, #db> + sqlx::Decode<'q, #db> + sqlx::Type<#db>
        ),
        parse_quote!(
            for<'q> Option<f64>: sqlx::Encode<'q, #db> + sqlx::Decode<'q, #db> + sqlx::Type<#db>
        ),
        parse_quote!(
            for<'q> bool: sqlx::Encode<'q, #db> + sqlx::Decode<'q, #db> + sqlx::Type<#db>
        ),
    ]
}

/// Adds the backend bounds ([`bounds`]) for the impl's first type parameter (the backend) to
/// the `where` clause of the `impl` block it is put on.
#[proc_macro_attribute]
pub fn sql_backend(args: TokenStream, item: TokenStream) -> TokenStream {
    if !args.is_empty() {
        let error = syn::Error::new(
            proc_macro2::Span::call_site(),
            "#[sql_backend] takes no arguments",
        );
        return error.to_compile_error().into();
    }
    let mut block = parse_macro_input!(item as ItemImpl);
    let Some(db) = block.generics.params.iter().find_map(|param| match param {
        GenericParam::Type(param) => Some(param.ident.clone()),
        _ => None,
    }) else {
        let error = syn::Error::new_spanned(
            &block.generics,
            "#[sql_backend] goes on an impl generic over the backend: impl<DB: Backend> …",
        );
        return error.to_compile_error().into();
    };
    let predicates = bounds(&db);
    block
        .generics
        .make_where_clause()
        .predicates
        .extend(predicates);
    quote!(#block).into()
}
