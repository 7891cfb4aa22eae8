//! PostgreSQL's fast ingest path: a batch of predictions goes in with `COPY … FROM STDIN`
//! (text format) inside the ingest transaction, after the fencing check. COPY is the server's
//! cheapest way in (no per-row statement, no speculative insertion), but it has no
//! `ON CONFLICT`: a re-delivered batch, or a shard re-leased after some of its predictions were
//! stored, hits the primary key. The COPY therefore runs under a savepoint; on a unique
//! violation the savepoint is rolled back and the caller inserts the batch row by row with
//! `ON CONFLICT DO NOTHING`, so duplicates are still ignored and nothing is lost.

use crate::StoreError;
use crate::error::QueryContext;
use crate::model::NewPrediction;
use crate::sql_impl::IngestContext;
use sqlx::Acquire;
use std::fmt::Write;

/// PostgreSQL's SQLSTATE for a unique violation.
const UNIQUE_VIOLATION: &str = "23505";

/// Copies `predictions` in; `Ok(None)` when some row already existed (nothing was written,
/// the caller falls back to the conflict-tolerant insert), else how many rows went in.
pub(crate) async fn copy_predictions(
    tx: &mut sqlx::Transaction<'_, sqlx::Postgres>,
    context: &IngestContext<'_>,
    predictions: &[NewPrediction],
) -> Result<Option<u64>, StoreError> {
    let text = encode(context, predictions);
    let mut savepoint = tx.begin().await.during("start the copy savepoint")?;
    let copied = async {
        let mut copy = savepoint
            .copy_in_raw(crate::queries::COPY_PREDICTIONS_POSTGRES)
            .await?;
        copy.send(text.as_bytes()).await?;
        copy.finish().await
    }
    .await;
    match copied {
        Ok(rows) => {
            savepoint
                .commit()
                .await
                .during("release the copy savepoint")?;
            Ok(Some(rows))
        }
        Err(sqlx::Error::Database(error)) if error.code().as_deref() == Some(UNIQUE_VIOLATION) => {
            savepoint
                .rollback()
                .await
                .during("roll back the copy savepoint")?;
            Ok(None)
        }
        Err(source) => Err(StoreError::Query {
            action: "copy predictions",
            source,
        }),
    }
}

/// The batch in COPY's text format: tab-separated, `\N` for NULL, text escaped.
fn encode(context: &IngestContext<'_>, predictions: &[NewPrediction]) -> String {
    let mut text = String::with_capacity(predictions.len() * 96);
    let mut fixed = String::new();
    escape_into(&mut fixed, context.perturbation);
    let perturbation = fixed.clone();
    fixed.clear();
    escape_into(&mut fixed, context.run_id);
    let run_id = fixed.clone();
    fixed.clear();
    escape_into(&mut fixed, context.worker_id);
    let worker_id = fixed;
    for prediction in predictions {
        let (score, kind, message) = prediction.outcome.columns();
        text.push_str(&run_id);
        text.push('\t');
        escape_into(&mut text, &prediction.detector);
        let _ = write!(text, "\t{}\t{perturbation}\t", prediction.sample_id.0);
        match score {
            // `{}` prints the shortest text that parses back to the same f64.
            Some(score) => {
                let _ = write!(text, "{score}");
            }
            None => text.push_str("\\N"),
        }
        for field in [kind, message] {
            text.push('\t');
            match field {
                Some(value) => escape_into(&mut text, value),
                None => text.push_str("\\N"),
            }
        }
        text.push('\t');
        escape_into(&mut text, &prediction.detector_fingerprint);
        let _ = writeln!(
            text,
            "\t{worker_id}\t{}\t{}\t{}",
            context.shard_id, context.epoch, prediction.latency_us
        );
    }
    text
}

/// Appends `value` escaped for COPY's text format.
fn escape_into(text: &mut String, value: &str) {
    for character in value.chars() {
        match character {
            '\\' => text.push_str("\\\\"),
            '\t' => text.push_str("\\t"),
            '\n' => text.push_str("\\n"),
            '\r' => text.push_str("\\r"),
            other => text.push(other),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Outcome, SampleId};

    #[test]
    fn rows_are_tab_separated_with_nulls_and_escapes() {
        let context = IngestContext {
            run_id: "r1",
            perturbation: "jpeg:q=75",
            worker_id: "w\t1",
            shard_id: 7,
            epoch: 3,
        };
        let predictions = vec![
            NewPrediction {
                sample_id: SampleId(11),
                detector: "npr".into(),
                outcome: Outcome::Score(0.1),
                latency_us: 5,
                detector_fingerprint: "fp".into(),
            },
            NewPrediction {
                sample_id: SampleId(12),
                detector: "npr".into(),
                outcome: Outcome::Failure {
                    kind: dfbench_benchmarks::FailureKind::DecodeError,
                    message: "bad\\file\nline 2\r".into(),
                },
                latency_us: 0,
                detector_fingerprint: "fp".into(),
            },
        ];
        assert_eq!(
            encode(&context, &predictions),
            "r1\tnpr\t11\tjpeg:q=75\t0.1\t\\N\t\\N\tfp\tw\\t1\t7\t3\t5\n\
             r1\tnpr\t12\tjpeg:q=75\t\\N\tdecode_error\tbad\\\\file\\nline 2\\r\tfp\tw\\t1\t7\t3\t0\n"
        );
    }

    #[test]
    fn scores_print_exactly() {
        for score in [0.1, 1.0 / 3.0, 1e-300, 0.999_999_999_999_999_9, 0.0, 1.0] {
            let text = format!("{score}");
            assert_eq!(text.parse::<f64>().ok(), Some(score), "{text}");
        }
    }
}
