//! Video frames through FFmpeg's libraries in this process (the `libav` feature): the first
//! video stream demuxed (libavformat) and decoded (libavcodec, one thread) in order, the
//! decoder's n-th output frame being original index n, as the CLI's `select` filter counts;
//! only the sampled frames are converted to RGB (libswscale, bicubic flags and the frame's own
//! YCbCr matrix and range, as the CLI's auto-inserted `scale` filter sets them), so both
//! decoders give the same bytes (`tests/prepare_video.rs` compares them).
//!
//! Like the CLI, a packet the decoder rejects is passed over (FFmpeg's error concealment); a
//! decode that ends before every sampled frame came out is [`VideoError::Undecodable`] with
//! the last error FFmpeg gave. FFmpeg's own log is silenced: its messages reach the record.
//!
//! Must not touch: sampling, faces or output files.

use super::video::{VideoError, VideoInfo, undecodable};
use ffmpeg::software::scaling;
use ffmpeg::util::format::Pixel;
use ffmpeg::util::frame::Video as Frame;
use ffmpeg_next as ffmpeg;
use image::RgbImage;
use std::path::Path;

/// libavcodec's version, for provenance: `libavcodec 59.37.100`.
pub fn version() -> String {
    let version = ffmpeg::codec::version();
    format!(
        "libavcodec {}.{}.{}",
        version >> 16,
        (version >> 8) & 0xff,
        version & 0xff
    )
}

fn init() {
    static INIT: std::sync::Once = std::sync::Once::new();
    INIT.call_once(|| {
        // Registration is a no-op since FFmpeg 4; the log would go to the worker's stderr.
        let _ = ffmpeg::init();
        ffmpeg::util::log::set_level(ffmpeg::util::log::Level::Quiet);
    });
}

/// The RGB conversion of frames of one format, size and colour description.
struct Converter {
    key: (Pixel, u32, u32, ffmpeg::color::Space, ffmpeg::color::Range),
    scaler: scaling::Context,
    rgb: Frame,
}

impl Converter {
    fn key(frame: &Frame) -> (Pixel, u32, u32, ffmpeg::color::Space, ffmpeg::color::Range) {
        (
            frame.format(),
            frame.width(),
            frame.height(),
            frame.color_space(),
            frame.color_range(),
        )
    }

    fn new(frame: &Frame) -> Result<Converter, ffmpeg::Error> {
        let key = Converter::key(frame);
        let (format, width, height, space, range) = key;
        let mut scaler = scaling::Context::get(
            format,
            width,
            height,
            Pixel::RGB24,
            width,
            height,
            scaling::Flags::BICUBIC,
        )?;
        // The CLI's scale filter reads the input's matrix from the frame ("auto"), BT.601 when
        // it names none of the seven swscale knows, and its range from the frame.
        let matrix = match ffmpeg::ffi::AVColorSpace::from(space) as i32 {
            known @ 1..=7 => known,
            _ => ffmpeg::ffi::SWS_CS_ITU601,
        };
        let full_range = i32::from(range == ffmpeg::color::Range::JPEG);
        // SAFETY: the context is valid (just created); the coefficient tables are static.
        unsafe {
            let input = ffmpeg::ffi::sws_getCoefficients(matrix);
            let output = ffmpeg::ffi::sws_getCoefficients(ffmpeg::ffi::SWS_CS_DEFAULT);
            ffmpeg::ffi::sws_setColorspaceDetails(
                scaler.as_mut_ptr(),
                input,
                full_range,
                output,
                0,
                0,
                1 << 16,
                1 << 16,
            );
        }
        Ok(Converter {
            key,
            scaler,
            rgb: Frame::empty(),
        })
    }

    fn convert(&mut self, frame: &Frame) -> Result<RgbImage, ffmpeg::Error> {
        self.scaler.run(frame, &mut self.rgb)?;
        let (width, height) = (self.rgb.width() as usize, self.rgb.height() as usize);
        let stride = self.rgb.stride(0);
        let data = self.rgb.data(0);
        let mut pixels = Vec::with_capacity(width * height * 3);
        for row in 0..height {
            pixels.extend_from_slice(&data[row * stride..row * stride + width * 3]);
        }
        RgbImage::from_raw(self.rgb.width(), self.rgb.height(), pixels)
            .ok_or(ffmpeg::Error::InvalidData)
    }
}

/// Where the decode stands: frames out of the decoder so far, the sampled ones visited.
struct Progress<'a> {
    indices: &'a [usize],
    decoded: usize,
    visited: usize,
    converter: Option<Converter>,
    frame: Frame,
}

impl Progress<'_> {
    fn done(&self) -> bool {
        self.visited == self.indices.len()
    }

    /// Takes every frame the decoder has ready; a sampled one is converted and visited.
    /// `Err` carries `visit`'s error.
    fn drain<E>(
        &mut self,
        decoder: &mut ffmpeg::decoder::Video,
        visit: &mut impl FnMut(usize, RgbImage) -> Result<(), E>,
        last_error: &mut Option<String>,
    ) -> Result<(), E> {
        while !self.done() {
            match decoder.receive_frame(&mut self.frame) {
                Ok(()) => {}
                Err(ffmpeg::Error::Eof) => break,
                Err(ffmpeg::Error::Other { errno }) if errno == ffmpeg::util::error::EAGAIN => {
                    break;
                }
                Err(error) => {
                    *last_error = Some(format!("decoding: {error}"));
                    break;
                }
            }
            let index = self.decoded;
            self.decoded += 1;
            if self.indices.get(self.visited) != Some(&index) {
                continue;
            }
            let key = Converter::key(&self.frame);
            if self.converter.as_ref().is_none_or(|c| c.key != key) {
                match Converter::new(&self.frame) {
                    Ok(converter) => self.converter = Some(converter),
                    Err(error) => {
                        *last_error = Some(format!("frame {index} to RGB: {error}"));
                        continue;
                    }
                }
            }
            let Some(converter) = self.converter.as_mut() else {
                continue;
            };
            match converter.convert(&self.frame) {
                Ok(image) => {
                    self.visited += 1;
                    visit(index, image)?;
                }
                Err(error) => *last_error = Some(format!("frame {index} to RGB: {error}")),
            }
        }
        Ok(())
    }
}

/// [`super::video::decode_frames`] through the libraries.
pub fn decode_frames<E>(
    path: &Path,
    info: &VideoInfo,
    indices: &[usize],
    mut visit: impl FnMut(usize, RgbImage) -> Result<(), E>,
) -> Result<Result<(), E>, VideoError> {
    init();
    if let Err(source) = std::fs::File::open(path) {
        return Err(VideoError::Unreadable {
            path: path.to_path_buf(),
            source,
        });
    }
    let mut input = ffmpeg::format::input(path)
        .map_err(|error| undecodable(path, format!("libavformat: {error}")))?;
    let stream = input
        .streams()
        .find(|stream| stream.parameters().medium() == ffmpeg::media::Type::Video)
        .ok_or_else(|| undecodable(path, "no video stream"))?;
    let stream_index = stream.index();
    let mut context = ffmpeg::codec::context::Context::from_parameters(stream.parameters())
        .map_err(|error| undecodable(path, format!("libavcodec: {error}")))?;
    // One thread: a worker decodes several videos at once, and CPU time is what counts.
    context.set_threading(ffmpeg::threading::Config {
        kind: ffmpeg::threading::Type::None,
        count: 1,
        ..Default::default()
    });
    let mut decoder = context
        .decoder()
        .video()
        .map_err(|error| undecodable(path, format!("libavcodec: {error}")))?;
    let mut progress = Progress {
        indices,
        decoded: 0,
        visited: 0,
        converter: None,
        frame: Frame::empty(),
    };
    let mut last_error = None;
    while !progress.done() {
        // A fresh packet each time: `read` does not release the one before. A read error ends
        // the input, as it does in the CLI (which then flushes the decoder).
        let mut packet = ffmpeg::Packet::empty();
        match packet.read(&mut input) {
            Ok(()) => {}
            Err(ffmpeg::Error::Eof) => break,
            Err(error) => {
                last_error = Some(format!("reading: {error}"));
                break;
            }
        }
        if packet.stream() != stream_index {
            continue;
        }
        if let Err(error) = decoder.send_packet(&packet) {
            last_error = Some(format!("decoding: {error}"));
        }
        if let Err(error) = progress.drain(&mut decoder, &mut visit, &mut last_error) {
            return Ok(Err(error));
        }
    }
    if !progress.done() {
        let _ = decoder.send_eof();
        if let Err(error) = progress.drain(&mut decoder, &mut visit, &mut last_error) {
            return Ok(Err(error));
        }
    }
    if !progress.done() {
        return Err(undecodable(
            path,
            format!(
                "decoded {} of the {} sampled frames (the container declares {}); {}",
                progress.visited,
                indices.len(),
                info.frames,
                last_error.as_deref().unwrap_or("the stream ended")
            ),
        ));
    }
    Ok(Ok(()))
}
