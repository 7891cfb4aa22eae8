//! One module per subcommand.

pub mod bench;
pub mod bundle;
pub mod bundle_format;
pub mod cancel;
pub mod cards;
pub mod compare;
pub mod coordinator;
pub mod datasets;
pub mod demo;
pub mod export;
pub mod faces;
pub mod history;
pub mod import;
pub mod prepare;
pub mod prepare_run;
pub mod promote;
pub mod report;
pub mod run;
pub mod runs;
pub mod site;
pub mod status;
pub mod synth;
pub mod verify;
pub mod worker;
