//! The served model: a checked manifest, its feature builder and the ONNX
//! graph optimised by tract for `[batch, width]` f32 input.

use std::path::Path;
use std::sync::Arc;

use tract_onnx::prelude::*;
use tract_onnx::tract_hir::infer::Factoid;
use tract_onnx::tract_hir::internal::DimLike;

use crate::error::{ModelError, Result};
use crate::features::{ExploitInput, FeatureBuilder};
use crate::manifest::Manifest;

/// File name of the manifest in a model directory.
pub const MANIFEST_FILE: &str = "manifest.json";

/// Rows per run: larger batches run in chunks of this many, which bounds
/// the memory of one run. (A second plan typed for exactly this batch was
/// faster in isolation but, after runs of small batches, an order of
/// magnitude slower; one plan with a symbolic batch is steady.)
pub const CHUNK_ROWS: usize = 1024;

/// A model ready to serve. Cheap to share behind an `Arc`; `predict` takes
/// `&self` and may run on many threads at once.
#[derive(Debug)]
pub struct Model {
    manifest: Manifest,
    features: FeatureBuilder,
    /// `[batch, width]`, any batch.
    plan: Arc<TypedRunnableModel>,
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
        let plan = Self::plan(&manifest, graph, batch, width)?;
        Ok(Self {
            manifest,
            features,
            plan,
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
            let mut tensor =
                Tensor::zero::<f32>(&[chunk.len(), width]).map_err(onnx_err("input tensor"))?;
            let mut view = tensor
                .to_plain_array_view_mut::<f32>()
                .map_err(onnx_err("input tensor"))?;
            let slots = view.as_slice_mut().ok_or_else(|| ModelError::Onnx {
                context: "input tensor".into(),
                message: "not contiguous".into(),
            })?;
            for (input, row) in chunk.iter().zip(slots.chunks_exact_mut(width.max(1))) {
                self.features.write_row(input, row);
            }
            out.extend(self.run(tensor, chunk.len())?);
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
            let n = chunk.len() / width;
            let tensor =
                Tensor::from_shape(&[n, width], chunk).map_err(onnx_err("input tensor"))?;
            out.extend(self.run(tensor, n)?);
        }
        Ok(out)
    }

    /// Runs `n` rows (at most `CHUNK_ROWS`) and reads the probability column.
    fn run(&self, input: Tensor, n: usize) -> Result<Vec<f32>> {
        if n == 0 {
            return Ok(Vec::new());
        }
        let outputs = self
            .plan
            .run(tvec![input.into()])
            .map_err(onnx_err("run"))?;
        let out = outputs.first().ok_or_else(|| ModelError::Onnx {
            context: "run".into(),
            message: "no output".into(),
        })?;
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
