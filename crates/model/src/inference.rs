//! The served model: a checked manifest, its feature builder and the ONNX
//! graph optimised by tract for `[batch, width]` f32 input.

use std::path::Path;
use std::sync::{Arc, Mutex};

use tract_onnx::prelude::*;
use tract_onnx::tract_hir::infer::Factoid;
use tract_onnx::tract_hir::internal::DimLike;

use crate::error::{ModelError, Result};
use crate::features::{ExploitInput, FeatureBuilder};
use crate::manifest::Manifest;

/// File name of the manifest in a model directory.
pub const MANIFEST_FILE: &str = "manifest.json";

/// Rows per run: larger batches run in chunks of this many, which bounds
/// the memory of one run.
pub const CHUNK_ROWS: usize = 1024;

/// A model ready to serve. Cheap to share behind an `Arc`; `predict` takes
/// `&self` and may run on many threads at once.
#[derive(Debug)]
pub struct Model {
    manifest: Manifest,
    features: FeatureBuilder,
    /// `[batch, width]`, any batch.
    any: Plan,
    /// `[CHUNK_ROWS, width]`: every full chunk of a large batch.
    full: Plan,
}

/// One optimised plan and the run states kept between runs.
///
/// Each idle [`Runner`] keeps its tract state and its last input tensor:
/// a run of as many rows writes into that tensor instead of allocating a
/// new one. Allocating and freeing a fresh input of `CHUNK_ROWS` rows per
/// run let glibc return the heap top to the system after every run and
/// fault the pages in again on the next, which made large batches several
/// times slower, depending on what ran before.
#[derive(Debug)]
struct Plan {
    plan: Arc<TypedRunnableModel>,
    idle: Mutex<Vec<Runner>>,
}

#[derive(Debug)]
struct Runner {
    state: TypedSimpleState,
    input: Option<Arc<Tensor>>,
}

impl Plan {
    fn new(plan: Arc<TypedRunnableModel>) -> Self {
        Self {
            plan,
            idle: Mutex::new(Vec::new()),
        }
    }

    /// Runs `n` rows of `width` features that `fill` writes (row-major)
    /// and returns the output tensor.
    fn run(&self, n: usize, width: usize, fill: impl FnOnce(&mut [f32])) -> Result<TValue> {
        let idle = self.idle.lock().ok().and_then(|mut idle| idle.pop());
        let mut runner = match idle {
            Some(r) => r,
            None => Runner {
                state: self.plan.spawn().map_err(onnx_err("state"))?,
                input: None,
            },
        };
        let mut input = runner
            .input
            .take()
            .filter(|t| t.shape() == [n, width])
            .map_or_else(|| Tensor::zero::<f32>(&[n, width]).map(Arc::new), Ok)
            .map_err(onnx_err("input tensor"))?;
        let Some(tensor) = Arc::get_mut(&mut input) else {
            return Err(ModelError::Onnx {
                context: "input tensor".into(),
                message: "still shared after the last run".into(),
            });
        };
        let mut view = tensor
            .to_plain_array_view_mut::<f32>()
            .map_err(onnx_err("input tensor"))?;
        let slots = view.as_slice_mut().ok_or_else(|| ModelError::Onnx {
            context: "input tensor".into(),
            message: "not contiguous".into(),
        })?;
        fill(slots);
        let outputs = runner
            .state
            .run(tvec![TValue::from_const(input.clone())])
            .map_err(onnx_err("run"))?;
        let out = outputs.into_iter().next().ok_or_else(|| ModelError::Onnx {
            context: "run".into(),
            message: "no output".into(),
        })?;
        // The state let go of the input: the next run of n rows reuses it.
        if Arc::strong_count(&input) == 1 {
            runner.input = Some(input);
        }
        if let Ok(mut idle) = self.idle.lock() {
            idle.push(runner);
        }
        Ok(out)
    }
}

fn onnx_err(context: &str) -> impl Fn(TractError) -> ModelError + '_ {
    move |e| ModelError::Onnx {
        context: context.to_owned(),
        message: format!("{e:#}"),
    }
}

/// Reads `path` whole.
pub(crate) fn read(path: &Path) -> Result<Vec<u8>> {
    std::fs::read(path).map_err(|e| ModelError::io(path, e))
}

impl Model {
    /// Loads the model directory `dir` (`manifest.json` and the model file
    /// it names), refusing it when anything disagrees.
    pub fn load(dir: &Path) -> Result<Self> {
        let manifest_path = dir.join(MANIFEST_FILE);
        let manifest =
            Manifest::from_json(&read(&manifest_path)?, &manifest_path.display().to_string())?;
        manifest.check()?;
        let bytes = read(&dir.join(&manifest.model_file))?;
        Self::from_parts(manifest, &bytes)
    }

    /// Builds a model from a manifest and the bytes of its ONNX file.
    pub fn from_parts(manifest: Manifest, model_bytes: &[u8]) -> Result<Self> {
        manifest.check()?;
        manifest.verify_model_bytes(model_bytes)?;
        let features = FeatureBuilder::compile(&manifest)?;
        let graph = Self::graph(&manifest, model_bytes)?;
        let width = TDim::from(manifest.input.width as i64);
        let batch = TDim::from(graph.sym("batch"));
        let any = Self::plan(&manifest, graph.clone(), batch, width.clone())?;
        let full = Self::plan(&manifest, graph, TDim::from(CHUNK_ROWS as i64), width)?;
        Ok(Self {
            manifest,
            features,
            any: Plan::new(any),
            full: Plan::new(full),
        })
    }

    /// The parsed graph after checking it against the manifest, reduced to
    /// the probability output.
    fn graph(manifest: &Manifest, bytes: &[u8]) -> Result<InferenceModel> {
        let width = manifest.input.width;
        let column = manifest.output.column;
        let mut model = tract_onnx::onnx()
            .model_for_read(&mut &bytes[..])
            .map_err(onnx_err("parse"))?;

        // The declared input: one, named as the manifest says, [batch, width] f32.
        let inputs = model.input_outlets().map_err(onnx_err("inputs"))?.to_vec();
        let [input] = inputs.as_slice() else {
            return Err(ModelError::Refused(format!(
                "the graph has {} inputs, the manifest describes one",
                inputs.len()
            )));
        };
        let input_name = &model.node(input.node).name;
        if *input_name != manifest.input.name {
            return Err(ModelError::Refused(format!(
                "input.name is {:?} but the graph's input is {input_name:?}",
                manifest.input.name
            )));
        }
        let declared = model.input_fact(0).map_err(onnx_err("input fact"))?;
        if let Some(dt) = declared.datum_type.concretize() {
            if dt != f32::datum_type() {
                return Err(ModelError::Refused(format!(
                    "the graph's input {input_name:?} is {dt:?}, not float32"
                )));
            }
        }
        check_declared_shape(
            &declared.shape,
            "input",
            input_name,
            |w| w == width,
            || format!("width {width}"),
        )?;

        // The declared output: found by name among the graph outputs.
        let outputs = model
            .output_outlets()
            .map_err(onnx_err("outputs"))?
            .to_vec();
        let label_of = |o: &OutletId| {
            model
                .outlet_label(*o)
                .map_or_else(|| model.node(o.node).name.clone(), str::to_owned)
        };
        let Some(output) = outputs
            .iter()
            .find(|o| label_of(o) == manifest.output.name)
            .copied()
        else {
            return Err(ModelError::Refused(format!(
                "output.name {:?} is not among the graph's outputs {:?}",
                manifest.output.name,
                outputs.iter().map(label_of).collect::<Vec<_>>()
            )));
        };
        let declared = model.outlet_fact(output).map_err(onnx_err("output fact"))?;
        check_declared_shape(
            &declared.shape,
            "output",
            &manifest.output.name,
            |classes| column < classes,
            || format!("more than column {column}"),
        )?;
        // Only the probabilities are computed: labels are never read.
        model
            .select_output_outlets(&[output])
            .map_err(onnx_err("select output"))?;
        Ok(model)
    }

    /// The graph typed for `[batch, width]` f32 input and optimised.
    fn plan(
        manifest: &Manifest,
        model: InferenceModel,
        batch: TDim,
        width: TDim,
    ) -> Result<Arc<TypedRunnableModel>> {
        let column = manifest.output.column;
        let fact = f32::fact(&[batch, width.clone()]);
        let typed = model
            .with_input_fact(0, fact.into())
            .map_err(onnx_err("input fact"))?
            .into_optimized()
            .map_err(onnx_err("optimise"))?;
        let out = typed.output_fact(0).map_err(onnx_err("output fact"))?;
        let classes = out.shape.get(1).and_then(|d| d.to_usize().ok());
        if out.datum_type != f32::datum_type()
            || out.shape.rank() != 2
            || classes.is_none_or(|c| column >= c)
        {
            return Err(ModelError::Refused(format!(
                "output {:?} is {:?} {:?} for input [batch, {width}]; expected float32 [batch, classes] with column {column} < classes",
                manifest.output.name, out.datum_type, out.shape
            )));
        }
        typed.into_runnable().map_err(onnx_err("plan"))
    }

    /// The manifest the model was loaded with.
    pub fn manifest(&self) -> &Manifest {
        &self.manifest
    }

    /// The model version (`<YYYY.MM.DD>-<n>`).
    pub fn version(&self) -> &str {
        &self.manifest.version
    }

    /// The feature builder compiled from the manifest.
    pub fn features(&self) -> &FeatureBuilder {
        &self.features
    }

    /// Probability of exploitation for each input, in order.
    pub fn predict(&self, inputs: &[ExploitInput]) -> Result<Vec<f32>> {
        let width = self.features.width();
        let mut out = Vec::with_capacity(inputs.len());
        for chunk in inputs.chunks(CHUNK_ROWS) {
            // Features are written straight into the input tensor.
            out.extend(self.run(chunk.len(), |slots| {
                for (input, row) in chunk.iter().zip(slots.chunks_exact_mut(width.max(1))) {
                    self.features.write_row(input, row);
                }
            })?);
        }
        Ok(out)
    }

    /// Probabilities for ready-made feature rows, concatenated row-major
    /// (`rows.len()` a multiple of the width).
    pub fn predict_rows(&self, rows: &[f32]) -> Result<Vec<f32>> {
        let width = self.features.width();
        if width == 0 || !rows.len().is_multiple_of(width) {
            return Err(ModelError::Refused(format!(
                "{} values are not whole rows of width {width}",
                rows.len()
            )));
        }
        let mut out = Vec::with_capacity(rows.len() / width);
        for chunk in rows.chunks(CHUNK_ROWS * width) {
            out.extend(self.run(chunk.len() / width, |slots| {
                slots.copy_from_slice(chunk);
            })?);
        }
        Ok(out)
    }

    /// Runs `n` rows (at most `CHUNK_ROWS`) that `fill` writes and reads
    /// the probability column.
    fn run(&self, n: usize, fill: impl FnOnce(&mut [f32])) -> Result<Vec<f32>> {
        if n == 0 {
            return Ok(Vec::new());
        }
        // A plan typed for one row picks another kernel, whose rounding
        // differs in the last bits: one row runs on the symbolic plan, so a
        // row's probability does not depend on its batch.
        let plan = if n == CHUNK_ROWS {
            &self.full
        } else {
            &self.any
        };
        let out = plan.run(n, self.features.width(), fill)?;
        let view = out
            .to_plain_array_view::<f32>()
            .map_err(onnx_err("output"))?
            .into_dimensionality::<tract_ndarray::Ix2>()
            .map_err(|e| ModelError::Onnx {
                context: "output".into(),
                message: e.to_string(),
            })?;
        let column = self.manifest.output.column;
        (0..n)
            .map(|i| {
                view.get((i, column))
                    .copied()
                    .ok_or_else(|| ModelError::Onnx {
                        context: "output".into(),
                        message: format!("no value at row {i}, column {column}"),
                    })
            })
            .collect()
    }
}

/// Checks the graph's own `[batch, n]` declaration where it is concrete.
fn check_declared_shape(
    shape: &tract_onnx::tract_hir::infer::ShapeFactoid,
    what: &str,
    name: &str,
    ok: impl Fn(usize) -> bool,
    want: impl Fn() -> String,
) -> Result<()> {
    if !shape.is_open() && shape.dims().count() != 2 {
        return Err(ModelError::Refused(format!(
            "the graph declares {what} {name:?} with rank {}, expected [batch, n]",
            shape.dims().count()
        )));
    }
    if let Some(n) = shape
        .dim(1)
        .and_then(|d| d.concretize())
        .and_then(|d| d.to_usize().ok())
    {
        if !ok(n) {
            return Err(ModelError::Refused(format!(
                "the graph declares {what} {name:?} as [batch, {n}], the manifest needs {}",
                want()
            )));
        }
    }
    Ok(())
}
