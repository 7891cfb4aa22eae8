//! What every model runtime (TorchScript, ONNX) shares once a model is loaded: cutting a chunk
//! of decoded images (or of clips, for a clip or thumbnail card) into batches of the card's
//! `batch_size`, preparing batch k+1 on CPU threads while batch k runs forward, and turning a raw
//! output tensor into P(fake) per item after checking its shape (card `output`:
//! `logit | probability | two-class`) and its values.
//!
//! A runtime only implements [`BatchModel::run`] (one prepared batch of
//! `Preprocessing::item_shape()` items in, one score or typed failure per item out);
//! [`score_in_batches`] and [`score_clips_in_batches`] do the rest. Not behind any feature, so it
//! is compiled and tested in every build.

use crate::detector::{ClipFrames, Detector, DetectorFailure};
use crate::model_file::LoadError;
use crate::preprocess::Preprocessing;
use crate::scoring::LoadedDetector;
use dfbench_benchmarks::FailureKind;
use dfbench_benchmarks::card::OutputKind;
use dfbench_benchmarks::card::clip::InputKind;
use dfbench_benchmarks::image_io::RgbImage;
use std::sync::Arc;

/// Why one forward pass gave no usable score for the images of its batch.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ForwardError {
    #[error(
        "forward pass failed: {0}; check the card's input_size (and, for a clip card, clip_size, layout or grid) and that the model takes one float tensor of that shape (NCHW for images)"
    )]
    Failed(String),
    #[error(
        "model returned shape {shape:?} for a batch of {batch}; card output `{output}` needs {expected}"
    )]
    BadShape {
        shape: Vec<i64>,
        batch: usize,
        output: &'static str,
        expected: &'static str,
    },
}

impl ForwardError {
    pub fn kind(&self) -> FailureKind {
        match self {
            ForwardError::Failed(_) => FailureKind::ForwardError,
            ForwardError::BadShape { .. } => FailureKind::BadOutputShape,
        }
    }
}

/// Per image of a batch: P(fake), or the typed reason its output is unusable.
pub type BatchScores = Vec<Result<f64, FailureKind>>;

/// The card's spelling of an output kind, for messages.
pub fn output_name(output: OutputKind) -> &'static str {
    match output {
        OutputKind::Logit => "logit",
        OutputKind::Probability => "probability",
        OutputKind::TwoClass => "two-class",
    }
}

/// The output shape an output kind requires (for messages) and its row width.
pub fn expected_shape(output: OutputKind) -> (&'static str, usize) {
    match output {
        OutputKind::Logit | OutputKind::Probability => ("[batch] or [batch, 1]", 1),
        OutputKind::TwoClass => ("[batch, 2]", 2),
    }
}

/// Checks a raw output (row-major `values` of `shape`) against the card's output kind for a
/// batch of `batch` images and maps each row to P(fake): logit → sigmoid, probability as is,
/// two-class → softmax index 1. An image whose outputs are not finite fails alone.
pub fn decode_output(
    output: OutputKind,
    shape: &[i64],
    values: &[f32],
    batch: usize,
) -> Result<BatchScores, ForwardError> {
    let (expected, width) = expected_shape(output);
    let rows = i64::try_from(batch).unwrap_or(i64::MAX);
    let fits = match shape {
        [n] => width == 1 && *n == rows,
        [n, columns] => *n == rows && *columns == width as i64,
        _ => false,
    };
    if !fits || values.len() != batch * width {
        return Err(ForwardError::BadShape {
            shape: shape.to_vec(),
            batch,
            output: output_name(output),
            expected,
        });
    }
    Ok(values
        .chunks(width)
        .map(|row| {
            let row: Vec<f64> = row.iter().map(|&v| f64::from(v)).collect();
            if row.iter().any(|v| !v.is_finite()) {
                return Err(FailureKind::NonFiniteOutput);
            }
            Ok(match (output, row.as_slice()) {
                (OutputKind::TwoClass, [real, fake]) => 1.0 / (1.0 + (real - fake).exp()),
                (OutputKind::Logit, [logit]) => 1.0 / (1.0 + (-logit).exp()),
                (_, [value, ..]) => *value,
                (_, []) => f64::NAN,
            })
        })
        .collect())
}

/// A resident model that scores prepared batches.
pub trait BatchModel: Sync {
    /// The name the suite gave the detector, for messages.
    fn detector_name(&self) -> &str;
    fn preprocessing(&self) -> &Preprocessing;
    /// The card's `batch_size` (at least 1).
    fn batch_size(&self) -> usize;
    /// Scores one batch: `input` holds `batch` items of `Preprocessing::item_shape()` floats.
    fn run(&self, input: Vec<f32>, batch: usize) -> Result<BatchScores, ForwardError>;
}

/// One result per image of a prepared batch, failures named after the detector.
fn score_prepared<M: BatchModel + ?Sized>(
    model: &M,
    input: Vec<f32>,
    batch: usize,
) -> Vec<Result<f64, DetectorFailure>> {
    let name = model.detector_name();
    match model.run(input, batch) {
        Ok(scores) => scores
            .into_iter()
            .map(|score| {
                score.map_err(|kind| {
                    DetectorFailure::new(kind, format!("{name}: model output is NaN or infinite"))
                })
            })
            .collect(),
        Err(error) => {
            let failure = DetectorFailure::new(error.kind(), format!("{name}: {error}"));
            vec![Err(failure); batch]
        }
    }
}

/// Scores `images` in batches of the model's `batch_size`, exactly one result per image in
/// order; batch k+1 is prepared on a scoped thread (which fans out on the rayon pool) while
/// batch k runs forward on this thread.
pub fn score_in_batches<M: BatchModel + ?Sized>(
    model: &M,
    images: &[&RgbImage],
) -> Vec<Result<f64, DetectorFailure>> {
    score_items(model, images, Preprocessing::prepare_batch)
}

/// Scores `clips` (each its frames in order) in batches of the model's `batch_size` clips, the
/// same way; a clip without exactly the card's `clip_size` frames fails alone.
pub fn score_clips_in_batches<M: BatchModel + ?Sized>(
    model: &M,
    clips: &[ClipFrames<'_>],
) -> Vec<Result<f64, DetectorFailure>> {
    let name = model.detector_name();
    let Some(frames) = model.preprocessing().clip_frames() else {
        let failure = DetectorFailure::new(
            FailureKind::WorkerError,
            format!("{name}: its card reads images (input = \"image\"), not clips"),
        );
        return vec![Err(failure); clips.len()];
    };
    let (fitting, odd): (Vec<usize>, Vec<usize>) =
        (0..clips.len()).partition(|index| clips[*index].len() == frames);
    let batch: Vec<ClipFrames> = fitting.iter().map(|index| clips[*index].clone()).collect();
    let mut results: Vec<Option<Result<f64, DetectorFailure>>> = vec![None; clips.len()];
    for (index, result) in fitting.into_iter().zip(score_items(
        model,
        &batch,
        Preprocessing::prepare_clip_batch,
    )) {
        results[index] = Some(result);
    }
    for index in odd {
        results[index] = Some(Err(DetectorFailure::new(
            FailureKind::WorkerError,
            format!(
                "{name}: a clip of {} frame(s) was planned, the card's clip_size is {frames}",
                clips[index].len()
            ),
        )));
    }
    results.into_iter().flatten().collect()
}

/// The batching loop behind both: items cut into batches of `batch_size`, each prepared by
/// `prepare` (the next while the current one runs forward), one result per item in order.
fn score_items<M: BatchModel + ?Sized, T: Sync>(
    model: &M,
    items: &[T],
    prepare: impl Fn(&Preprocessing, &[T]) -> Vec<f32> + Sync,
) -> Vec<Result<f64, DetectorFailure>> {
    let preprocessing = model.preprocessing();
    let mut batches = items.chunks(model.batch_size().max(1));
    let mut results = Vec::with_capacity(items.len());
    let Some(first) = batches.next() else {
        return results;
    };
    let mut current = (prepare(preprocessing, first), first.len());
    loop {
        let next_batch = batches.next();
        let (scores, next) = std::thread::scope(|scope| {
            let prepare = &prepare;
            let preparing = next_batch
                .map(|batch| scope.spawn(move || (prepare(preprocessing, batch), batch.len())));
            let scores = score_prepared(model, std::mem::take(&mut current.0), current.1);
            (scores, preparing.map(|handle| handle.join()))
        });
        results.extend(scores);
        match next {
            None => return results,
            Some(Ok(prepared)) => current = prepared,
            Some(Err(_)) => {
                let failure =
                    DetectorFailure::new(FailureKind::DetectorPanic, "preprocessing panicked");
                results.resize(items.len(), Err(failure));
                return results;
            }
        }
    }
}

/// A model a runtime keeps resident (a TorchScript module, an ONNX Runtime session).
pub trait ResidentModel: Send + Sync + 'static {
    fn preprocessing(&self) -> &Preprocessing;
    /// The card's `batch_size` (at least 1).
    fn batch_size(&self) -> usize;
    /// `sha256:<weights>:<preprocessing>` as planned.
    fn fingerprint(&self) -> &str;
    /// Scores one prepared batch (`batch` items of `Preprocessing::item_shape()` in `input`).
    fn run(model: &Arc<Self>, input: Vec<f32>, batch: usize) -> Result<BatchScores, ForwardError>;
}

/// A resident model under the name one suite gave it: the detector every runtime hands out.
pub struct ModelDetector<M> {
    pub name: String,
    pub model: Arc<M>,
}

impl<M: ResidentModel> BatchModel for ModelDetector<M> {
    fn detector_name(&self) -> &str {
        &self.name
    }

    fn preprocessing(&self) -> &Preprocessing {
        self.model.preprocessing()
    }

    fn batch_size(&self) -> usize {
        self.model.batch_size()
    }

    fn run(&self, input: Vec<f32>, batch: usize) -> Result<BatchScores, ForwardError> {
        M::run(&self.model, input, batch)
    }
}

impl<M: ResidentModel> Detector for ModelDetector<M> {
    fn name(&self) -> &str {
        &self.name
    }

    fn fingerprint(&self) -> String {
        self.model.fingerprint().to_string()
    }

    fn score(&self, image: &RgbImage) -> Result<f64, DetectorFailure> {
        self.score_batch(&[image]).pop().unwrap_or_else(|| {
            Err(DetectorFailure::new(
                FailureKind::DetectorError,
                "empty batch",
            ))
        })
    }

    /// `clip` or `thumbnail` for a clip card.
    fn input(&self) -> InputKind {
        self.model
            .preprocessing()
            .clip
            .map_or(InputKind::Image, |spec| spec.input)
    }

    /// Batches of the card's `batch_size`, the next one prepared while this one runs.
    fn score_batch(&self, images: &[&RgbImage]) -> Vec<Result<f64, DetectorFailure>> {
        if self.input().is_image() {
            return score_in_batches(self, images);
        }
        let failure = DetectorFailure::new(
            FailureKind::WorkerError,
            format!(
                "{}: its card reads clips (input = \"{}\"), not single images",
                self.name,
                self.input()
            ),
        );
        vec![Err(failure); images.len()]
    }

    /// Batches of `batch_size` clips, each frame preprocessed like an image, stacked per the card.
    fn score_clips(&self, clips: &[ClipFrames<'_>]) -> Vec<Result<f64, DetectorFailure>> {
        score_clips_in_batches(self, clips)
    }

    fn score_clip(&self, frames: &[&RgbImage]) -> Result<f64, DetectorFailure> {
        self.score_clips(&[frames.to_vec()])
            .pop()
            .unwrap_or_else(|| {
                Err(DetectorFailure::new(
                    FailureKind::DetectorError,
                    "empty batch",
                ))
            })
    }
}

/// A lease's model detector named `name`: ready, or with the typed reason it cannot run.
pub fn loaded_detector<M: ResidentModel>(
    name: &str,
    model: Result<Arc<M>, LoadError>,
) -> LoadedDetector {
    match model {
        Ok(model) => LoadedDetector::Ready(Arc::new(ModelDetector {
            name: name.to_string(),
            model,
        })),
        // `runtime::load_detector` sets `input` from the spec.
        Err(error) => LoadedDetector::Unavailable {
            name: name.to_string(),
            input: dfbench_benchmarks::card::clip::InputKind::Image,
            kind: error.kind(),
            reason: error.to_string(),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_each_output_kind() {
        let logit = decode_output(OutputKind::Logit, &[2, 1], &[0.0, 2.0], 2).expect("logit");
        assert_eq!(logit[0], Ok(0.5));
        assert!((logit[1].clone().expect("finite") - 0.880_797).abs() < 1e-6);
        let prob = decode_output(OutputKind::Probability, &[2], &[0.25, 0.75], 2).expect("prob");
        assert_eq!(prob, vec![Ok(0.25), Ok(0.75)]);
        let two = decode_output(OutputKind::TwoClass, &[1, 2], &[1.0, 1.0], 1).expect("two");
        assert_eq!(two, vec![Ok(0.5)]);
    }

    #[test]
    fn bad_shape_and_non_finite_are_typed() {
        let error = decode_output(OutputKind::Logit, &[2, 3], &[0.0; 6], 2).expect_err("shape");
        assert_eq!(error.kind(), FailureKind::BadOutputShape);
        assert!(error.to_string().contains("[2, 3]"), "{error}");
        let error = decode_output(OutputKind::TwoClass, &[2], &[0.0; 2], 2).expect_err("1-d");
        assert_eq!(error.kind(), FailureKind::BadOutputShape);
        let scores = decode_output(OutputKind::Logit, &[2], &[f32::NAN, 0.0], 2).expect("ok");
        assert_eq!(scores, vec![Err(FailureKind::NonFiniteOutput), Ok(0.5)]);
    }

    /// Scores each image by its batch position; fails batches of 3 to check failure fan-out.
    struct Echo(Preprocessing);

    impl BatchModel for Echo {
        fn detector_name(&self) -> &str {
            "echo"
        }
        fn preprocessing(&self) -> &Preprocessing {
            &self.0
        }
        fn batch_size(&self) -> usize {
            3
        }
        fn run(&self, input: Vec<f32>, batch: usize) -> Result<BatchScores, ForwardError> {
            assert_eq!(input.len(), batch * self.0.item_len());
            if batch == 3 {
                return Err(ForwardError::Failed("three".to_string()));
            }
            Ok((0..batch).map(|i| Ok(i as f64)).collect())
        }
    }

    #[test]
    fn batches_keep_order_and_fail_only_their_images() {
        let card = dfbench_benchmarks::card::DetectorCard::parse(
            "model = \"m\"\ninput_size = 2\nresize = \"resize\"\nnormalize = \"half\"\noutput = \"logit\"\n",
            "test card",
        )
        .expect("card");
        let model = Echo(Preprocessing::from_card(&card));
        let images: Vec<RgbImage> = (0..4).map(|_| RgbImage::new(3, 3)).collect();
        let refs: Vec<&RgbImage> = images.iter().collect();
        let results = score_in_batches(&model, &refs);
        assert_eq!(results.len(), 4);
        for failed in &results[..3] {
            let failure = failed.clone().expect_err("batch of three fails");
            assert_eq!(failure.kind, FailureKind::ForwardError);
            assert!(failure.message.starts_with("echo: "), "{}", failure.message);
        }
        assert_eq!(results[3], Ok(0.0));
    }

    #[test]
    fn clips_are_batched_by_clip_and_odd_clips_fail_alone() {
        let card = dfbench_benchmarks::card::DetectorCard::parse(
            "model = \"m\"\ninput_size = 2\nresize = \"resize\"\nnormalize = \"half\"\n\
             output = \"logit\"\ninput = \"clip\"\nclip_size = 2\nlayout = \"btchw\"\n",
            "test card",
        )
        .expect("card");
        let model = Echo(Preprocessing::from_card(&card));
        assert_eq!(model.0.item_shape(), [2, 3, 2, 2]);
        let frame = RgbImage::new(5, 4);
        let clips: Vec<ClipFrames> = vec![
            vec![&frame, &frame],
            vec![&frame],
            vec![&frame, &frame],
            vec![&frame, &frame],
            vec![&frame, &frame],
        ];
        let results = score_clips_in_batches(&model, &clips);
        assert_eq!(results.len(), 5);
        // Four fitting clips: a batch of 3 (fails) and a batch of 1 (position 0).
        for index in [0, 2, 3] {
            let failure = results[index].clone().expect_err("batch of three fails");
            assert_eq!(failure.kind, FailureKind::ForwardError);
        }
        let odd = results[1].clone().expect_err("one frame");
        assert_eq!(odd.kind, FailureKind::WorkerError);
        assert!(odd.message.contains("clip_size is 2"), "{}", odd.message);
        assert_eq!(results[4], Ok(0.0));
    }
}
