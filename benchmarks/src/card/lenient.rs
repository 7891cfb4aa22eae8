//! Reading a detector card past the problem serde stops at (issue 20), as suites are read: the
//! card is read as a TOML table, unknown fields (top level and `[source]`) become problems
//! naming the accepted names and are dropped, the rest is deserialized and validated, and every
//! problem is reported at once. No message quotes a line of the file: a card's error may go to
//! a remote client, which must not learn what the coordinator's files hold.

use super::{CardError, DetectorCard};
use crate::suite::lenient::drop_unknown;

/// Fields of a card (the fields of [`DetectorCard`]).
const CARD_FIELDS: &[&str] = &[
    "model",
    "input_size",
    "resize",
    "resize_shorter",
    "interpolation",
    "normalize",
    "mean",
    "std",
    "channel_order",
    "output",
    "batch_size",
    "input",
    "clip_size",
    "clip_stride",
    "clips_per_video",
    "layout",
    "grid",
    "source",
];

/// Fields of a card's `[source]` table (the fields of [`super::CardSource`]).
const SOURCE_FIELDS: &[&str] = &[
    "family",
    "checkpoint",
    "checkpoint_sha256",
    "encoder",
    "encoder_sha256",
];

/// Every problem of the card in `text`, whose strict parse failed with `strict`.
pub(super) fn every_problem(text: &str, origin: &str, strict: &toml::de::Error) -> CardError {
    let parse_error = || CardError::Parse {
        origin: origin.to_string(),
        message: toml_problem(text, strict),
    };
    let Ok(mut table) = text.parse::<toml::Table>() else {
        return parse_error();
    };
    let mut problems = Vec::new();
    drop_unknown(&mut table, CARD_FIELDS, "in the card", &mut problems);
    if let Some(toml::Value::Table(source)) = table.get_mut("source") {
        drop_unknown(source, SOURCE_FIELDS, "in [source]", &mut problems);
    }
    match toml::Value::Table(table).try_into::<DetectorCard>() {
        Ok(card) => problems.extend(card.problems()),
        Err(_) if problems.is_empty() => return parse_error(),
        Err(error) => problems.push(format!("not valid for a card: {}", error.message().trim())),
    }
    CardError::Invalid {
        origin: origin.to_string(),
        problems,
    }
}

/// A TOML error as its line number, the card field that line sets (only when it is one: a name
/// of the schema, never other text of the file) and the parser's message, without the line of
/// the file the parser's own rendering quotes.
fn toml_problem(text: &str, error: &toml::de::Error) -> String {
    let message = error.message().trim();
    let Some(span) = error.span() else {
        return message.to_string();
    };
    let start = span.start.min(text.len());
    let line = text.as_bytes()[..start]
        .iter()
        .filter(|byte| **byte == b'\n')
        .count()
        + 1;
    let field = text
        .lines()
        .nth(line - 1)
        .and_then(|content| content.split_once('='))
        .map(|(key, _)| key.trim())
        .filter(|key| CARD_FIELDS.contains(key) || SOURCE_FIELDS.contains(key));
    match field {
        Some(field) => format!("line {line}, field `{field}`: {message}"),
        None => format!("line {line}: {message}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const GOOD: &str = "model = \"m.pt\"\ninput_size = 224\nresize = \"resize\"\n\
                        normalize = \"imagenet\"\noutput = \"logit\"\n";

    #[test]
    fn every_unknown_field_and_bad_value_is_reported_at_once() {
        let text = format!(
            "{}\ninput_sise = 3\nbatch_size = 0\n[source]\nfamily = \"x\"\ncheckpoint = \"c\"\n\
             checkpoint_sha256 = \"00\"\nencodr = \"e\"\n",
            GOOD.replace("input_size = 224", "input_size = 0")
        );
        let message = DetectorCard::parse(&text, "card.toml")
            .expect_err("invalid")
            .to_string();
        for expected in [
            "4 problem(s)",
            "unknown field `input_sise` in the card: did you mean `input_size`?",
            "unknown field `encodr` in [source]: did you mean `encoder`?",
            "`input_size` 0 must be between 1 and 4096",
            "`batch_size` must be at least 1",
        ] {
            assert!(message.contains(expected), "{expected}: {message}");
        }
        DetectorCard::parse(GOOD, "card.toml").expect("the good card parses");
    }

    #[test]
    fn a_syntax_error_names_the_line_without_quoting_it() {
        let text = format!("{GOOD}secret-password hunter2\n");
        let message = DetectorCard::parse(&text, "card.toml")
            .expect_err("not TOML")
            .to_string();
        assert!(message.contains("line 6"), "{message}");
        assert!(!message.contains("hunter2"), "{message}");
    }
}
