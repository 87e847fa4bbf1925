// Every example in the libraries' documentation comments, compiled: each function holds one
// example verbatim (DocExampleTests checks that they are the same), with what the example
// takes as given as its parameters. The functions are compiled, not called.
import ComplexModule
import Dispatch
import Foundation
@testable import KoopScope
import KoopScopeCUDA
@testable import KoopScopeTraining

// Example: Sources/KoopScope/Analysis/AnalysisShard.swift
func exampleAnalysisShard() throws {
    let shard = AnalysisShard(argument: "2/4")!      // the second of four parts
    print(shard.trajectories(of: 10))                 // 2..<5
}

// Example: Sources/KoopScope/Analysis/Analyzer.swift
func exampleAnalyzer(dump: Dump) throws {
    let analyzer = Analyzer(dictionary: .sigmoid(.kaimingUniform(dimension: dump.dimension)))
    let report = try analyzer.analyze(dump)
    print(report.summary.overall.dsd.mean)
}

// Example: Sources/KoopScope/Analysis/BatchLifter.swift
func exampleBatchLifter() throws {
    var settings = AnalysisSettings()
    settings.lifter = try CUDALifter()
}

// Example: Sources/KoopScope/Dump/Dump+Reading.swift
func exampleDumpReading(dump: Dump) throws {
    try dump.forEachBatch { batch in
        for trajectory in batch.trajectories { print(trajectory.states.rows) }
    }
}

// Example: Sources/KoopScope/Dump/Dump.swift
func exampleDump() throws {
    let dump = try Dump(path: "rollouts.h5")
    for range in dump.batchRanges() {
        let batch = try dump.read(range)
        for trajectory in batch.trajectories { print(trajectory.states.rows) }
    }
}

// Example: Sources/KoopScope/Dump/DumpWriter.swift
func exampleDumpWriter(statesOfFirst: Matrix<Float>, statesOfSecond: Matrix<Float>) throws {
    let writer = try DumpWriter(path: "rollouts.h5", count: 2, maxLength: 128, dimension: 896,
                                options: .init(elementType: .float16, gzipLevel: 4))
    try writer.write(statesOfFirst, at: 0)
    try writer.write(statesOfSecond, at: 1)
    writer.rewards = [1, 0]
    writer.attributes = [("format_version", .integer(1)), ("model", .string("toy"))]
    try writer.finish()
}

// Example: Sources/KoopScope/HDF5/ChunkPipeline.swift
func exampleChunkPipeline(dataset: HDF5Dataset) throws {
    let pipeline = ChunkPipeline(filters: try dataset.filterPipeline(), chunkBytes: 1 << 20)
}

// Example: Sources/KoopScope/Koopman/Convention.swift
func exampleConvention(x: Matrix<Float>, w: Matrix<Float>) throws {
    let g = try DSDGradient(states: x, weight: w, bias: nil, variant: .reference)
}

// Example: Sources/KoopScope/Koopman/DSD.swift
func exampleDSD(estimate: KoopmanEstimate) throws {
    let dsd = DSD.paper(estimate.eigenvalues)                          // Var |λ_j|
    let reference = DSD.reference(estimate.singularValues)             // Var √(s_j² + 10⁻³)
    let (filtered, kept) = DSD.filtered(estimate.eigenvalues, residuals: estimate.residuals, threshold: 0.5)
}

// Example: Sources/KoopScope/Koopman/DSD.swift
func exampleDSD1(x: Matrix<Float>, dictionary: KoopmanDictionary) throws {
    let d = try DSD.value(states: x, dictionary: dictionary, variant: .paper)
}

// Example: Sources/KoopScope/Koopman/DSDGradient.swift
func exampleDSDGradient(x: Matrix<Float>, w: Matrix<Float>) throws {
    let g = try DSDGradient(states: x, weight: w, bias: nil, variant: .paper)
    print(g.dsd, g.states /* ∂DSD/∂x, T×d */, g.weight /* ∂DSD/∂W, m×d */)
}

// Example: Sources/KoopScope/Koopman/DictionaryFitter.swift
func exampleDictionaryFitter(dump: Dump) throws {
    let fitter = DictionaryFitter(options: .init(epochs: 1))
    let result = try fitter.fit(dump, initial: .kaimingUniform(dimension: dump.dimension))
    try result.dictionary.write(to: "dict.h5", attributes: result.attributes)
}

// Example: Sources/KoopScope/Koopman/ExactDMD.swift
func exampleExactDMD(trajectory: Trajectory) throws {
    let dmd = try ExactDMD(states: trajectory.states.map(Double.init), rank: .optimal)
    print(dmd.rank, dmd.estimate.eigenvalues, try dmd.modes().modes.columns)
}

// Example: Sources/KoopScope/Koopman/KoopmanDictionary+HDF5.swift
func exampleKoopmanDictionaryHDF5() throws {
    let dictionary = try KoopmanDictionary(contentsOf: "dict.h5")
}

// Example: Sources/KoopScope/Koopman/KoopmanDictionary.swift
func exampleKoopmanDictionary(batch: TrajectoryBatch) throws {
    let dictionary = KoopmanDictionary.kaimingUniform(dimension: 896)       // m = 50, seed 42
    let psi = try dictionary.lift(batch.states)                             // (Σ T) × 50
}

// Example: Sources/KoopScope/Koopman/KoopmanEstimate.swift
func exampleKoopmanEstimate(dictionary: KoopmanDictionary, trajectory: Trajectory) throws {
    let psi = try dictionary.lift(trajectory.states)           // T×m, Float32
    let estimate = try KoopmanEstimate(lifted: psi.map(Double.init), estimator: .paperDefault)
    print(estimate.eigenvalues, estimate.residuals, estimate.singularValues)
}

// Example: Sources/KoopScope/Koopman/Pseudospectrum.swift
func examplePseudospectrum(x: Matrix<Double>, y: Matrix<Double>) throws {
    let p = try Pseudospectrum(psiX: x, psiY: y, grid: .init(real: -1.2...1.2, imaginary: -1.2...1.2, points: 64))
    print(p.value(row: 10, column: 20))
}

// Example: Sources/KoopScope/Koopman/ResKoopNetLoss.swift
func exampleResKoopNetLoss(batch: [Matrix<Float>], w: Matrix<Double>, b: [Double]) throws {
    let step = try ResKoopNetLoss.paper(trajectories: batch, weight: w, bias: b)
    print(step.loss, step.weight /* ∂J/∂W */, step.bias)
}

// Example: Sources/KoopScope/LinearAlgebra/BLASThreads.swift
func exampleBLASThreads(count: Int) throws {
    BLASThreads.singleThreaded {
        DispatchQueue.concurrentPerform(iterations: count) { k in /* one small GEMM each */ }
    }
}

// Example: Sources/KoopScope/LinearAlgebra/Matrix+BLAS.swift
func exampleMatrixBLAS(psiX: Matrix<Double>, m: Int) throws {
    var g = Matrix<Double>(rows: m, columns: m, repeating: 0)
    g.addProduct(psiX, psiX, transposingLeft: true)   // G = Ψ_Xᵀ Ψ_X
}

// Example: Sources/KoopScope/LinearAlgebra/Matrix+BLAS.swift
func exampleMatrixBLAS1(psiX: Matrix<Double>) throws {
    let g = psiX.gram(transposingSelf: true)   // G = Ψ_Xᵀ Ψ_X
}

// Example: Sources/KoopScope/LinearAlgebra/Matrix+Decompositions.swift
func exampleMatrixDecompositions(k: Matrix<Double>) throws {
    let svd = try k.singularValueDecomposition()
    let largest = svd.singularValues[0]
}

// Example: Sources/KoopScope/LinearAlgebra/Matrix+Decompositions.swift
func exampleMatrixDecompositions1(k: Matrix<Double>) throws {
    let eig = try k.eigenDecomposition()
    let magnitudes = eig.values.map { $0.length }
}

// Example: Sources/KoopScope/LinearAlgebra/Matrix+Decompositions.swift
func exampleMatrixDecompositions2(g: Matrix<Double>, delta: Double, m: Int, a: Matrix<Double>) throws {
    let k = try (g + delta * .identity(m)).solving(a)   // K = (G + δI)⁻¹ A
}

// Example: Sources/KoopScope/LinearAlgebra/Matrix.swift
func exampleMatrix() throws {
    var k = Matrix<Double>(rows: 2, columns: 2, elements: [0.9, -0.2, 0.2, 0.9])
    k[0, 1] = -0.3
    let kt = k.transposed()
}

// Example: Sources/KoopScope/LinearAlgebra/SymmetricEigen.swift
func exampleSymmetricEigen() throws {
    let g = Matrix<Double>(rows: 3, columns: 3) { i, j in i == j ? Double(i + 1) : 0.1 }
    let top = try SymmetricEigen(g) { values in 2 }
    print(top.values)    // all three eigenvalues, largest first
    print(top.vectors)   // 3×2: the eigenvectors of the two largest, as columns
}

// Example: Sources/KoopScope/Plots/Chart.swift
func exampleChart(re: [Double], im: [Double], colors: [String]) throws {
    var chart = Chart(title: "Eigenvalues", xLabel: "Re λ", yLabel: "Im λ")
    chart.equalAspect = true
    chart.layers.append(.circle(x: 0, y: 0, radius: 1, label: "unit circle"))
    chart.layers.append(.points(xs: re, ys: im, colors: colors, label: nil))
    let svg = chart.svg()
}

// Example: Sources/KoopScope/Reports/AnalysisMerge.swift
func exampleAnalysisMerge(paths: [String]) throws {
    let parts = try paths.map { (path: $0, text: try String(contentsOfFile: $0, encoding: .utf8)) }
    let report = try AnalysisMerge.merge(parts)   // the text `koopscope analyze --format json` writes
}

// Example: Sources/KoopScope/Reports/AnalysisWriter.swift
func exampleAnalysisWriter(analyzer: Analyzer, dump: Dump) throws {
    let writer = AnalysisWriter(format: .csv) { text in FileHandle.standardOutput.write(Data(text.utf8)) }
    let (header, summary) = try analyzer.analyze(dump) { try writer.add($0) }
    try writer.finish(summary)
}

// Example: Sources/KoopScope/Reports/ExperimentReport.swift
func exampleExperimentReport(grpoRuns: [TrainingRun], relaxRuns: [TrainingRun]) throws {
    let report = ExperimentReport(title: "countdown-trace", arms: [("grpo", grpoRuns), ("relax", relaxRuns)],
                                  tables: [])
    try report.html.write(toFile: "report.html", atomically: true, encoding: .utf8)
}

// Example: Sources/KoopScope/Reports/HTMLReport.swift
func exampleHTMLReport(before: AnalysisReport, after: AnalysisReport) throws {
    let page = HTMLReport(analyses: [("step 0", before), ("step 200", after)], runs: [], options: .init())
    try AtomicFile.write(Data(page.html.utf8), to: "report.html")
}

// Example: Sources/KoopScope/Statistics/PairedComparison.swift
func examplePairedComparison() throws {
    let c = PairedComparison(baseline: [0.31, 0.28, 0.35], method: [0.36, 0.30, 0.41])
    print(c.meanDifference, c.confidenceInterval, c.t.p, c.wilcoxon.p)
}

// Example: Sources/KoopScope/Statistics/PairedComparison.swift
func examplePairedComparison1() throws {
    let adjusted = PairedComparison.holm([0.01, 0.04, 0.03])   // [0.03, 0.06, 0.06]
}

// Example: Sources/KoopScope/Statistics/SignificanceTests.swift
func exampleSignificanceTests(before: [Double], after: [Double]) throws {
    let test = SampleComparison(before, after)
    print(test.mannWhitney.p, test.welch.p, test.differenceOfMeans)
}

// Example: Sources/KoopScope/Statistics/Statistics.swift
func exampleStatistics() throws {
    let s = Statistics([3, 1, 2])   // s.median == 2, s.standardDeviation == 1
}

// Example: Sources/KoopScope/Support/Adam.swift
func exampleAdam(w: inout [Double], g: [Double]) throws {
    var adam = Adam(count: w.count, learningRate: 1e-4)
    adam.step(&w, gradient: g)
}

// Example: Sources/KoopScope/Support/NumberText.swift
func exampleNumberText() throws {
    print(shortNumber(39.5))        // "39.5"
    print(shortNumber(0.0861234))   // "0.08612"
}

// Example: Sources/KoopScope/Support/SHA256.swift
func exampleSHA256() throws {
    let digest = sha256Hex(Array("abc".utf8))   // "ba7816bf…"
}

// Example: Sources/KoopScope/Support/SeededGenerator.swift
func exampleSeededGenerator() throws {
    var rng = SeededGenerator(seed: 42)
    let u = Double.random(in: -1...1, using: &rng)
}

// Example: Sources/KoopScopeCUDA/CUDADevice.swift
func exampleCUDADevice() throws {
    let device = try CUDADevice.open()
    print(device.name, device.architecture)      // "NVIDIA H100 80GB HBM3 sm_90"
}

// Example: Sources/KoopScopeCUDA/CUDALifter.swift
func exampleCUDALifter(settings: inout AnalysisSettings) throws {
    settings.lifter = try CUDALifter()
}

// Example: Sources/KoopScopeCUDA/CUDAKernelSource.swift
func exampleCUDAKernelSource() throws {
    let device = try CUDADevice.open()
    try device.load(.lift)
}

// Example: Sources/KoopScope/Support/DeviceChoice.swift
func exampleDeviceChoice() throws {
    let choice = DeviceChoice(rawValue: "auto")   // .auto
    let message = DeviceChoice.problem("tpu")     // "\"tpu\" is not one of cpu, cuda, auto"
}

// Example: Sources/KoopScopeCUDA/LibraryLoader.swift
func exampleLibraryLoader() throws {
    let driver = try LibraryLoader.open(["libcuda.so.1"], environment: ProcessInfo.processInfo.environment)
}

// Example: Sources/KoopScopeTraining/Configuration/TOMLFile.swift
func exampleTOMLFile() throws {
    let entries = try TOMLFile.parse(contentsOf: "run.toml")   // [("group-size", "16", line 3), …]
}

// Example: Sources/KoopScopeTraining/Configuration/TrainingConfiguration.swift
func exampleTrainingConfiguration() throws {
    var c = TrainingConfiguration()
    try c.set("group-size", to: "8", source: "--group-size")
}

// Example: Sources/KoopScopeTraining/Configuration/TrainingConfiguration.swift
func exampleTrainingConfigurationContentsOf() throws {
    let settings = try TrainingConfiguration(contentsOf: "runs/grpo/config.toml")
}

// Example: Sources/KoopScopeTraining/Experiment/ExperimentArm.swift
func exampleExperimentArm() throws {
    let arm = try ExperimentArm(parsing: "relax:alpha=0.3:relax-variant=reference")
    print(arm.settings)   // [("method", "relax"), ("relax-alpha", "0.3"), ("relax-variant", "reference")]
}

// Example: Sources/KoopScopeTraining/Experiment/ExperimentPlan.swift
func exampleExperimentPlan() throws {
    let plan = try ExperimentPlan(arms: ["grpo", "relax"], seeds: [1, 2], flags: [("task", "countdown-trace")])
    print(plan.runs.map(\.directory))   // ["grpo/seed-1", "relax/seed-1", "grpo/seed-2", "relax/seed-2"]
}

// Example: Sources/KoopScopeTraining/Experiment/ExperimentPlan+Reuse.swift
func exampleExperimentPlanReuse() throws {
    let plan = try ExperimentPlan(arms: ["relax", "relax:alpha=0.3"], seeds: [1], flags: [("task", "countdown-trace")])
    for run in try plan.reusableRuns(from: "exp-main") {
        _ = try plan.copy(run, from: "exp-main", into: "exp-alpha")
    }
}

// Example: Sources/KoopScopeTraining/Experiment/ExperimentSummary.swift
func exampleExperimentSummary(plan: ExperimentPlan) throws {
    let summary = try ExperimentSummary(plan: plan, directory: "exp")
    try summary.write(to: "exp")   // summary.json, summary.md
}

// Example: Sources/KoopScopeTraining/Objectives/GroupAdvantages.swift
func exampleGroupAdvantages() throws {
    let advantages = GroupAdvantages.compute(rewards: [1, 0, 0, 1], groups: [0, 0, 0, 0])   // ±0.866
}

// Example: Sources/KoopScopeTraining/Policy/PolicyConfiguration.swift
func examplePolicyConfiguration() throws {
    let small = PolicyConfiguration(vocabularySize: 50, dimension: 128, layers: 5, heads: 4)
    print(small.parameterCount)   // 1 012 658
}

// Example: Sources/KoopScopeTraining/Policy/Sampler.swift
func exampleSampler(policy: TransformerPolicy<Float>, prompts: [[Int32]], rng: inout SeededGenerator) throws {
    let responses = Sampler(policy: policy, endOfSequence: 2)
        .sample(prompts: prompts, settings: SamplingSettings(), using: &rng)
}

// Example: Sources/KoopScopeTraining/Policy/TransformerPolicy.swift
func exampleTransformerPolicy(shape: PolicyConfiguration, batch: [Int32]) throws {
    let policy = TransformerPolicy<Float>(configuration: shape, backend: CPUBackend(), seed: 1)
    let tape = Tape<Float>(backend: policy.backend)
    let out = policy.forward(tape, tokens: batch, length: 12)
}

// Example: Sources/KoopScopeTraining/Tokenizers/CharacterTokenizer.swift
func exampleCharacterTokenizer() throws {
    let tokens = try CharacterTokenizer.standard.encode("12+30=")
    print(CharacterTokenizer.standard.decode(tokens))   // "12+30="
}

// Example: Sources/KoopScopeTraining/Tensor/Backend.swift
func exampleBackend() throws {
    let backend: any Backend = CPUBackend()
    let x = backend.upload([1, 2, 3] as [Float])
}

// Example: Sources/KoopScopeTraining/Tensor/BackendParity.swift
func exampleBackendParity() throws {
    var parity = BackendParity(reference: CPUBackend(), candidate: try CUDABackend(), seed: 1)
    let rows = parity.run()
    print(BackendParity.table(rows, title: "CPU against CUDA"))
}

// Example: Sources/KoopScopeTraining/Tensor/BufferPool.swift
func exampleBufferPool() throws {
    let pool = BufferPool(capacity: 1 << 30)
    let block = pool.take(1 << 20)
    pool.give(block, 1 << 20)   // the next take(1 << 20) returns it
}

// Example: Sources/KoopScopeTraining/Tensor/CPUBackend+Strips.swift
func exampleCPUBackendStrips() throws {
    let backend = CPUBackend()
    let w = backend.upload([Float](repeating: 0.5, count: 384 * 1152))
    if let strips = backend.stripPacked(w, rows: 384, columns: 1152) {
        let x = backend.upload([Float](repeating: 1, count: 32 * 384)), y = backend.allocate(32 * 1152, of: Float.self)
        _ = backend.stripProduct(x, rows: 32, strips, k: 384, n: 1152, into: y)   // y = x·w
    }
}

// Example: Sources/KoopScopeTraining/Tensor/ActivationOps.swift
func exampleActivationOps(tape: Tape<Float>, normed: Tensor<Float>, w1: Parameter<Float>, b1: Parameter<Float>) throws {
    let hidden = tape.linearGELU(normed, tape.watch(w1), tape.watch(b1))
}

// Example: Sources/KoopScopeTraining/Tensor/CPUBackend.swift
func exampleCPUBackend() throws {
    let tape = Tape<Float>(backend: CPUBackend())
}

// Example: Sources/KoopScopeTraining/Tensor/CUDABackend.swift
func exampleCUDABackend() throws {
    let backend: any Backend = try CUDABackend()     // throws CUDAError naming what is missing
}

// Example: Sources/KoopScopeTraining/Tensor/DeviceSelection.swift
func exampleDeviceSelection() throws {
    let (backend, notice) = try DeviceSelection.backend(for: "auto")
}

// Example: Sources/KoopScopeTraining/Tensor/Tape.swift
func exampleTape(weight: Parameter<Float>, x: Tensor<Float>, gradientOfLossWithRespectToY: Buffer<Float>) throws {
    let tape = Tape<Float>(backend: CPUBackend())
    let w = tape.watch(weight)
    let y = tape.matmul(x, w)
    tape.backward(seeds: [(y, gradientOfLossWithRespectToY)])
    let dW = tape.gradient(of: w)
}

// Example: Sources/KoopScopeTraining/Tensor/Tensor.swift
func exampleTensor() throws {
    let tape = Tape<Float>(backend: CPUBackend())
    let x = tape.constant([1, 2, 3, 4], rows: 2, columns: 2)
}

// Example: Sources/KoopScopeTraining/Training/ActorLoss.swift
func exampleActorLoss(c: TrainingConfiguration, sequences: [ActorLoss.Sequence], rng: inout SeededGenerator) throws {
    let result = ActorLoss(configuration: c, maxResponseLength: 32).evaluate(sequences, using: &rng)
}

// Example: Sources/KoopScopeTraining/Training/AdamWOptimizer.swift
func exampleAdamWOptimizer(policy: TransformerPolicy<Float>, gradients: [Buffer<Float>]) throws {
    let optimizer = AdamWOptimizer(parameters: policy.parameters, settings: AdamWSettings(learningRate: 3e-4),
                                   backend: policy.backend)
    let norm = optimizer.step(gradients: gradients, clip: 1.0)
}

// Example: Sources/KoopScope/Support/ConcurrentMap.swift
func exampleConcurrentMap() throws {
    let squares = concurrentMap(4) { $0 * $0 }   // [0, 1, 4, 9]
}

// Example: Sources/KoopScopeTraining/Training/PartedPass.swift
func examplePartedPass(policy: TransformerPolicy<Float>, tokens: [Int32], targets: [Int32]) throws {
    let pass = PartedPass(policy: policy, parts: [(tokens, targets, 32)], temperature: 1)
    let seeds = pass.parts.map { [($0.logp, $0.logp.buffer)] }
    let gradients = pass.gradients(seeds: seeds)   // one buffer per parameter
}

// Example: Sources/KoopScopeTraining/Training/Trainer.swift
func exampleTrainer(c: TrainingConfiguration) throws {
    let trainer = try Trainer(configuration: c, runDirectory: "runs/grpo")
    try trainer.run { report in print(report.summary) }
}

// Example: Sources/KoopScopeTraining/Training/TrajectoryDSD.swift
func exampleTrajectoryDSD(states: [Matrix<Float>], d: KoopmanDictionary) throws {
    let outcomes = TrajectoryDSD.compute(states, dictionary: d, variant: .paper, variance: .sample, withGradient: true)
}

// Example: Sources/KoopScope/Analysis/Analyzer+Memory.swift
func exampleAnalyzerMemory() throws {
    let states = Matrix<Float>(rows: 8, columns: 3) { i, j in Float(i + j) / 10 }
    let batch = try TrajectoryBatch(trajectories: [Trajectory(index: 0, states: states)])
    let report = try Analyzer(dictionary: .identity(.fixed(2))).analyze(batch, source: "in memory")
}

// Example: Sources/KoopScope/Dump/StateElementType+Decoding.swift
func exampleStateElementTypeDecoding() throws {
    let halves: [UInt16] = [0x3C00, 0x7C00]          // 1.0 and +∞ in float16
    var out = [Float](repeating: 0, count: 2)
    let bad = halves.withUnsafeBytes { StateElementType.float16.decode($0.baseAddress!, count: 2, into: &out) }
}

// Example: Sources/KoopScope/Koopman/DSDGradient.swift
func exampleDSDGradientFeatures(psi: Matrix<Double>) throws {
    let (dsd, gradient, skipped) = try DSDGradient.withRespectToFeatures(psi, variant: .paper)
}

// Example: Sources/KoopScope/Koopman/DictionaryFitter.swift
func exampleDictionaryFitterMemory() throws {
    let x = Matrix<Float>(rows: 40, columns: 4) { t, j in Float(sin(0.3 * Double(t) + Double(j))) }
    let fitted = try DictionaryFitter(options: .init(steps: 5))
        .fit([x], source: "in memory", initial: .kaimingUniform(dimension: 4, koopmanDimension: 6))
}

// Example: Sources/KoopScope/Support/Version.swift
func exampleVersion() throws {
    print("koopscope", koopscopeVersion)
}

// Example: Sources/KoopScopeTraining/Training/WarmupSchedule.swift
func exampleWarmupSchedule() throws {
    let lr = WarmupSchedule.cosine.learningRate(step: 100, of: 1200, peak: 3e-3)
}

// Example: Sources/KoopScope/Support/Limits.swift
func exampleLimits() throws {
    try Limits.check(50, "--koopman-dim", within: Limits.koopmanDimension)   // passes
    print(Limits.koopmanDimension.upperBound)                                 // 4096
}

// Example: Sources/KoopScope/Settings/SettingsTable.swift
func exampleSettingsTable() throws {
    let c = try AnalysisConfiguration(values: [("koopman_dim", .number(64))], naming: .option)
    print(c.koopmanDimension)   // 64
}

// Example: Sources/KoopScope/Settings/AnalysisConfiguration.swift
func exampleAnalysisConfiguration() throws {
    var c = AnalysisConfiguration()
    try c.set("koopman_dim", to: .text("64"), naming: .flag)
    try c.validate(naming: .flag)
    let analyzer = try c.analyzer(dimension: 896)
}

// Example: Sources/KoopScope/Settings/DictionaryFitConfiguration.swift
func exampleDictionaryFitConfiguration() throws {
    let c = try DictionaryFitConfiguration(values: [("epochs", .text("3"))], naming: .flag)
    let fitter = DictionaryFitter(options: c.options)
}

// Example: Sources/KoopScopeTraining/Configuration/TrainingConfiguration+Resolution.swift
func exampleTrainingConfigurationResolution() throws {
    let c = try TrainingConfiguration.resolve(.init(flags: [("dual-clip", "4"), ("recipe", "relax-authors")]))
    print(c.dualClip)   // 4.0: the recipe's 10 is applied first
}

// Example: Sources/KoopScope/Reports/Metric.swift
func exampleMetric() throws {
    let run = try TrainingRun(directory: "runs/relax")
    print(run.series(Metric.actorDSDMean).last ?? (0, .nan))
}

// Example: Sources/KoopScope/Reports/DumpInspection.swift
func exampleDumpInspection() throws {
    let inspection = try DumpInspection(try Dump(path: "rollouts.h5"))
    print(inspection.text, terminator: "")
}

// Example: Sources/KoopScopeTraining/Experiment/ExperimentScheduler.swift
func exampleExperimentScheduler(jobs: [ExperimentJob]) throws {
    let launcher = ProcessLauncher(executable: URL(fileURLWithPath: "/usr/local/bin/koopscope"),
                                   workingDirectory: URL(fileURLWithPath: "exp"))
    try ExperimentScheduler(launcher: launcher, width: 2).run(jobs) { print($0) }
}

// Example: Sources/KoopScopeTraining/Experiment/ExperimentRunner.swift
func exampleExperimentRunner() throws {
    let plan = try ExperimentPlan(arms: ["grpo", "relax"], seeds: [1, 2], flags: [("steps", "50")])
    let runner = try ExperimentRunner(plan: plan, directory: "exp")
    let launcher = ProcessLauncher(executable: URL(fileURLWithPath: "/usr/local/bin/koopscope"),
                                   workingDirectory: URL(fileURLWithPath: "exp"))
    try runner.run(with: ExperimentScheduler(launcher: launcher, width: 2)) { print($0) }
}

// Example: Sources/KoopScopeTraining/HuggingFace/SafetensorsFile.swift
func exampleSafetensorsFile() throws {
    let file = try SafetensorsFile(path: "model.safetensors")
    let embedding = try file.floats("model.embed_tokens.weight")
}

// Example: Sources/KoopScopeTraining/HuggingFace/DecoderConfiguration.swift
func exampleDecoderConfiguration() throws {
    let configuration = try DecoderConfiguration(contentsOf: "Qwen2.5-0.5B/config.json")
    print(configuration.architecture, configuration.num_hidden_layers)
}

// Example: Sources/KoopScopeTraining/HuggingFace/CheckpointFolder.swift
func exampleCheckpointFolder() throws {
    let folder = try CheckpointFolder(path: "SmolLM2-135M")
    let decoder = try Decoder(folder)
}

// Example: Sources/KoopScopeTraining/Decoder/RotaryEmbedding.swift
func exampleRotaryEmbedding() throws {
    let rotary = RotaryEmbedding(headDimension: 64, theta: 10_000, scaling: .none)
}

// Example: Sources/KoopScopeTraining/Decoder/DecoderCache.swift
func exampleDecoderCache(decoder: Decoder) throws {
    let cache = try DecoderCache(decoder.configuration, sequences: 4, capacity: 256)
}

// Example: Sources/KoopScopeTraining/Decoder/Decoder.swift
func exampleDecoder() throws {
    let decoder = try Decoder(checkpoint: "Qwen2.5-0.5B")
    let output = try decoder.forward([9707, 11, 1879])
    print(output.logits.count, output.hidden.count)
}

// Example: Sources/KoopScopeTraining/Tokenizers/TextTokenizer.swift
func exampleTextTokenizer() throws {
    let tokenizer: any TextTokenizer = CharacterTokenizer.standard
    let ids = try tokenizer.encode("12+30=")
}

// Example: Sources/KoopScopeTraining/Tokenizers/ByteLevelBPETokenizer.swift
func exampleByteLevelBPETokenizer() throws {
    let tokenizer = try ByteLevelBPETokenizer(contentsOf: "Qwen2.5-0.5B/tokenizer.json")
    let ids = tokenizer.encode("What is 12 + 30?")
    print(tokenizer.decode(ids))
}

// Example: Sources/KoopScopeTraining/Rollout/PromptRecord.swift
func examplePromptRecord() throws {
    let records = try PromptRecord.read(jsonl: "prompts.jsonl")
    print(records[0].prompt, records[0].answer ?? "no answer")
}

// Example: Sources/KoopScopeTraining/Rollout/PromptTemplate.swift
func examplePromptTemplate() throws {
    let template = try PromptTemplate(text: "Question: {prompt}\nAnswer:")
    print(template.apply("What is 2 + 2?"))
}

// Example: Sources/KoopScopeTraining/Rollout/Verifier.swift
func exampleVerifier() throws {
    let reward = Verifier.gsm8k.score("… so she has 1,250 apples.", for: PromptRecord(prompt: "…", answer: "#### 1250"))
}

// Example: Sources/KoopScopeTraining/Rollout/TokenSampler.swift
func exampleTokenSampler() throws {
    let sampler = try TokenSampler(temperature: 0.7, topP: 0.95)
    var rng = SeededGenerator(seed: 1)
    let token = sampler.sample([2.0, 1.0, -1.0], using: &rng)
}

// Example: Sources/KoopScopeTraining/Rollout/RolloutRunner.swift
func exampleRolloutRunner(decoder: Decoder, tokens: [Int]) throws {
    let runner = RolloutRunner(decoder: decoder, stopTokens: [151645])
    try runner.run(prompts: [tokens], settings: .init()) { trajectory in print(trajectory.responseIDs) }
}

// Example: Sources/KoopScopeTraining/Rollout/RolloutDump.swift
func exampleRolloutDump(records: [PromptRecord]) throws {
    let summary = try RolloutDump.write(records: records, checkpoint: "Qwen2.5-0.5B", verifier: .gsm8k,
                                        settings: .init(samples: 4, maxNewTokens: 256), to: "dump.h5")
    print(summary.trajectories, summary.meanReward ?? .nan)
}

// Example: Sources/KoopScopeTraining/Tensor/DecoderBlockOps.swift
func exampleDecoderBlockOps(tape: Tape<Float>, x: Tensor<Float>, norm: Parameter<Float>) throws {
    let normed = tape.rmsNorm(x, weight: tape.watch(norm), epsilon: 1e-6)
}

// Example: Sources/KoopScopeTraining/Policy/Policy.swift
func examplePolicy() throws {
    func logits(of policy: some Policy<Float>, _ tokens: [Int32]) -> Tensor<Float> {
        let tape = Tape<Float>(backend: policy.backend, recording: false)
        return policy.forward(tape, tokens: tokens, length: tokens.count).logits
    }
}

// Example: Sources/KoopScopeTraining/Policy/DecoderPolicy.swift
func exampleDecoderPolicy(tokens: [Int32]) throws {
    let policy = try DecoderPolicy<Float>(CheckpointFolder(path: "Qwen2.5-0.5B"), backend: CPUBackend())
    let tape = Tape<Float>(backend: policy.backend)
    let out = policy.forward(tape, tokens: tokens, length: tokens.count)
}

// Example: Sources/KoopScopeTraining/HuggingFace/SafetensorsWriter.swift
func exampleSafetensorsWriter() throws {
    try SafetensorsWriter.write([("w", shape: [2, 2], values: [1, 2, 3, 4])], dtype: .bf16, to: "out.safetensors")
}

// Example: Sources/KoopScopeTraining/Policy/DecoderPolicy+Export.swift
func exampleDecoderPolicyExport(policy: DecoderPolicy<Float>) throws {
    try policy.export(to: "runs/relax/model", source: CheckpointFolder(path: "Qwen2.5-0.5B"))
}

// Example: Sources/KoopScopeTraining/Datasets/ProblemSet.swift
func exampleProblemSet() throws {
    let records = try ProblemSet.countdown(count: 100, seed: 1)
    try ProblemSet.write(records, to: "countdown.jsonl")
}

// Example: Sources/KoopScopeTraining/Training/TrainingText.swift
func exampleTrainingText() throws {
    let text = TrainingText.character
    let prompt = try text.prompt("12+30=")          // [bos, 2, 3, …]
    let answer = try text.demonstration("42")      // the answer and end-of-sequence
}

// Example: Sources/KoopScopeTraining/Datasets/DatasetTask.swift
func exampleDatasetTask() throws {
    let task = try DatasetTask(path: "gsm8k-train.jsonl", verifier: .gsm8k)
    var rng = SeededGenerator(seed: 0)
    let problem = task.sample(using: &rng)
    print(problem.prompt, task.reward("… #### 18", for: problem).correct)
}

// Example: Sources/KoopScopeTraining/Training/Trainer+Export.swift
func exampleTrainerExport() throws {
    let step = try Trainer.export(runDirectory: "runs/relax", to: "runs/relax/model")
}

// Example: Sources/KoopScope/Support/NumberText.swift
func examplePrintfText() throws {
    print(printfText(0.0861234, "%.3g"))   // "0.0861"
}

// Example: Sources/KoopScope/Support/JSONValue.swift
func exampleJSONValue() throws {
    let value = try JSONValue(parsing: Data(#"{"count": 3, "names": ["a"]}"#.utf8))
    print(value["count"]?.int ?? 0, value["names"]?[0]?.string ?? "")
}

// Example: Sources/KoopScope/Support/TextColumns.swift
func exampleTextColumns() throws {
    print("dsd".columnPadded(to: 6) + "|")   // "dsd   |"
}

// Example: Sources/KoopScopeTraining/Tensor/TensorScalar.swift
func exampleTensorScalarFloats() throws {
    let weights: [Float] = Double.floats([0.5, 1.25])
}

// Example: Sources/KoopScope/Analysis/EffectiveRank.swift
func exampleEffectiveRank() throws {
    let rank = EffectiveRank.of(singularValues: [3, 1])        // 1.7548…
    let states = Matrix<Double>(rows: 2, columns: 2, elements: [3, 0, 0, 1])
    let same = try EffectiveRank.of(states)                     // the same
}

// Example: Sources/KoopScope/Analysis/LayerProfile.swift
func exampleLayerProfile() throws {
    let dump = try Dump(path: "rollouts.h5")
    let analyzer = Analyzer(dictionary: .sigmoid(.kaimingUniform(dimension: dump.dimension)))
    let profile = try LayerProfile(dump, analyzer: analyzer)
    for layer in profile.layers { print(layer.name, layer.summary.dsd.mean, layer.spectralRadius.mean) }
}

// Example: Sources/KoopScope/Statistics/OptimalTransport.swift
func exampleOptimalTransport() throws {
    // Two sources of mass 1, two sinks of mass 1: moving 0→1 and 1→0 costs 1 + 2.
    let plan = try OptimalTransport(costs: [4, 1, 2, 8], sources: [1, 1], sinks: [1, 1])
    print(plan.cost)   // 3
}

// Example: Sources/KoopScope/Statistics/SpectralDistance.swift
func exampleSpectralDistance() throws {
    let a = [Complex(0.9, 0.1), Complex(0.9, -0.1)], b = [Complex(0.5, 0), Complex(0.9, 0.1)]
    let w = try SpectralDistance.wasserstein1(a, b)   // (0 + |0.9 − 0.1i − 0.5|) / 2
}

// Example: Sources/KoopScope/Reports/SpectralComparison.swift
func exampleSpectralComparison() throws {
    let a = try AnalysisReport(json: Data(contentsOf: URL(fileURLWithPath: "base.json")), path: "base.json")
    let b = try AnalysisReport(json: Data(contentsOf: URL(fileURLWithPath: "tuned.json")), path: "tuned.json")
    let c = try SpectralComparison(a, path: "base.json", b, path: "tuned.json")
    print(c.pooled.distance, c.dsd.meanDifference, c.dsd.wilcoxon.p)
}

// Example: Sources/KoopScope/Reports/ReportDocument.swift
func exampleReportDocument() throws {
    switch try ReportDocument(json: Data(contentsOf: URL(fileURLWithPath: "input.json")), path: "input.json") {
    case .analysis(let report): print(report.summary.overall.dsd.mean)
    case .layers(let profile): print(profile.layers.count)
    case .comparison(let comparison): print(comparison.pooled.distance)
    }
}
