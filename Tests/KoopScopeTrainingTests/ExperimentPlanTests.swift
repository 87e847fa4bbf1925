import Testing
@testable import KoopScopeTraining

@Suite("Experiment plans")
struct ExperimentPlanTests {
    @Test func armsReadMethodsAblationsAndSettings() throws {
        let arm = try ExperimentArm(parsing: "relax:alpha=0.3:relax-variant=reference")
        #expect(arm.settings.map(\.key) == ["method", "relax-alpha", "relax-variant"])
        #expect(arm.settings.map(\.value) == ["relax", "0.3", "reference"])
        #expect(arm.directoryName == "relax_alpha-0.3_relax-variant-reference")
        let ablation = try ExperimentArm(parsing: "relax-random-dictionary")
        #expect(ablation.settings.map(\.key) == ["method", "random-dictionary"])
        #expect(try ExperimentArm(parsing: "relax-no-advantage-shaping").settings.last?.value == "none")
        #expect(try ExperimentArm(parsing: "relax-uniform-kl").settings.last?.value == "uniform")
    }

    @Test func badArmsAreNamed() {
        #expect(throws: ExperimentError.invalidArm(arm: "ppo", detail:
            "\"ppo\" is not a method or ablation (one of grpo, relax, entropy-reg, clip-higher, kl-cov, clip-cov, relax-random-dictionary, relax-no-advantage-shaping, relax-uniform-kl)")) {
            try ExperimentArm(parsing: "ppo")
        }
        for bad in ["relax:alpha", "relax:gamma=1", "relax:alpha=-1", "grpo:seed=3", "grpo:method=relax", "relax:variant=neither"] {
            #expect(throws: ExperimentError.self, "\(bad)") { try ExperimentArm(parsing: bad) }
        }
    }

    @Test func plansPairArmsBySeedFromOneWarmUp() throws {
        let plan = try ExperimentPlan(arms: ["grpo", "relax"], seeds: [1, 2], flags: [("task", "countdown-trace"), ("sft-steps", "40")])
        #expect(plan.runs.map(\.directory) == ["grpo/seed-1", "relax/seed-1", "grpo/seed-2", "relax/seed-2"])
        let warm = plan.warmUp(seed: 2)
        #expect(warm.settings.contains { $0.key == "sft-steps" && $0.value == "40" })
        #expect(warm.settings.last == .init(key: "steps", value: "0"))
        let relax = plan.runs[3]
        #expect(relax.settings.contains(.init(key: "init-checkpoint", value: "warmup/seed-2/checkpoints/step-000000")))
        #expect(relax.settings.contains(.init(key: "sft-steps", value: "0")))
        #expect(!relax.settings.contains(.init(key: "sft-steps", value: "40")))
        #expect(throws: ExperimentError.invalidFlag(flag: "--seeds", detail: "seeds repeat (1,2,1)")) {
            try ExperimentPlan(arms: ["grpo"], seeds: [1, 2, 1], flags: [])
        }
        #expect(throws: ExperimentError.invalidArm(arm: "grpo", detail: "given twice")) {
            try ExperimentPlan(arms: ["grpo", "relax", "grpo"], seeds: [1], flags: [])
        }
        #expect(throws: ExperimentError.self) { try ExperimentPlan(arms: ["grpo"], seeds: [1], flags: [("seed", "4")]) }
        #expect(throws: ExperimentError.self) { try ExperimentPlan(arms: ["grpo"], seeds: [1], flags: [("group-size", "zero")]) }
    }
}
