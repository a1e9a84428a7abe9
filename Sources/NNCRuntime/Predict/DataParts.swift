import Foundation
import NNCIR
import NNCKernels
import NNCSpec

/// `nnc data SPEC --output DIR`: the spec's train and test parts as `nnc run`
/// builds them (same seed, same split and order), but before normalization
/// (the exported PyTorch model normalizes raw inputs itself), as .npy files:
///
///     train_inputs.npy   float32 [N, ...input shape]
///     train_targets.npy  int64 [N] class indices, or float32 [N, ...target shape];
///                        for `target: input`, the inputs; absent without targets
///     train_lengths.npy  int64 [N]: valid steps of each sequence (variable-length data only)
///     train_mask.npy     float32 [N, T]: 1 where a step has a target (sequence targets with padding only)
///     test_*.npy         the same for the test part, when there is one
public enum DataParts {
    /// The raw parts, drawn with the run's data stream.
    public static func prepare(_ checked: CheckResult, seed: UInt64? = nil) throws -> PreparedData {
        guard !checked.hasErrors, let spec = checked.spec, let model = spec.model else {
            throw RunError.bug("data needs a spec without errors")
        }
        guard var dataSpec = spec.data else { throw RunError.data("the spec has no 'data' section") }
        dataSpec.train.normalize = nil
        dataSpec.test?.normalize = nil
        var root = SeededRandom(seed: seed ?? spec.seed)
        var dataRNG = root.split(1)   // the stream Runner.run gives the data
        return try DataPipeline.prepare(dataSpec, modelInput: model.input, rng: &dataRNG)
    }

    /// Writes the .npy files; returns the paths written.
    public static func write(_ data: PreparedData, targetIsInput: Bool, to directory: String) throws -> [String] {
        try ensureDirectory(directory)
        var written: [String] = []
        for (name, part) in [("train", data.train)] + (data.test.map { [("test", $0)] } ?? []) {
            let inputs = directory + "/\(name)_inputs.npy"
            try writeAtomically(PredictionFiles.npy(part.inputs, shape: [part.count] + part.inputShape), to: inputs)
            written.append(inputs)
            if let lengths = part.lengths {
                let path = directory + "/\(name)_lengths.npy"
                try writeAtomically(PredictionFiles.npy(lengths.map(Int64.init), shape: [part.count]), to: path)
                written.append(path)
            }
            if let mask = part.targetMask {
                let path = directory + "/\(name)_mask.npy"
                try writeAtomically(PredictionFiles.npy(mask, shape: [part.count, mask.count / part.count]), to: path)
                written.append(path)
            }
            let targets = directory + "/\(name)_targets.npy"
            if targetIsInput {
                try writeAtomically(PredictionFiles.npy(part.inputs, shape: [part.count] + part.inputShape), to: targets)
                written.append(targets)
                continue
            }
            switch part.targets {
            case .none: continue
            case .classes(let labels, _):
                try writeAtomically(PredictionFiles.npy(labels.map(Int64.init), shape: [part.count]), to: targets)
            case .vectors(let values, let shape):
                try writeAtomically(PredictionFiles.npy(values, shape: [part.count] + shape), to: targets)
            }
            written.append(targets)
        }
        return written
    }
}
