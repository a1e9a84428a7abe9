/// Whether a repeated step — one training batch, one inference call — shares
/// its jobs with the pool's workers or runs them all on the caller, chosen by
/// timing whole steps both ways (`ThreadPool.beginStep` / `endStep`).
///
/// `ContentionBackOff` judges one job at a time: it sees a worker that comes
/// back milliseconds late, not a step whose dozen small jobs each lose a few
/// microseconds to a worker on a busy core (batch-1 inference with another
/// process on one core ran at 0.91× the 1-thread speed at 6779f64). Whole
/// steps show it: the step is the unit that repeats, and the same step run
/// inline is the 1-thread speed it must not fall below.
///
/// A run of steps in the chosen mode, then a short probe of the other mode;
/// the mode with the lower time per unit of work (per example) wins. Means,
/// not best steps: under contention shared steps are fast while the worker's
/// core is given back and slow while it is not, and only the mean is the
/// speed (the best shared step beat inline while the mean was 0.75× of it).
/// Runs and probes are long enough in time (25 ms and up, 1 ms) that a
/// batch-1 call's interrupts do not decide; the first step after each change
/// of mode is not counted (a worker that slept through an inline run takes
/// ~50 µs to wake, more than a whole batch-1 step). Runs double while probes
/// keep the choice, to a second. Steps of 2 ms or more always share. Either
/// mode computes the same bits (jobs give the same results whichever thread
/// runs them); only the speed depends on the choice.
public struct StepGovernor: Sendable {
    /// Steps at least this long (ns) always share: their jobs are long enough
    /// for `ContentionBackOff` to judge one by one, and probing them inline
    /// would cost whole steps.
    static let governedStepTime: Int64 = 2_000_000
    /// A probe times at least this many steps of the other mode and at least
    /// `probeTime` of them (after its untimed first step): 2 steps of a 6 µs
    /// batch-1 call are too few to weigh against a run with its interrupts.
    static let probeSteps = 2
    static let probeTime: Int64 = 1_000_000
    /// A run is at least this many steps and `runTime` long: `runTime` starts at
    /// `minimumRunTime` (25 probes' time: a probe costs at most a few %), doubles
    /// while probes keep the choice, to `maximumRunTime` (a change of load is
    /// seen within about a second).
    static let runSteps = 32
    static let minimumRunTime: Int64 = 25_000_000
    static let maximumRunTime: Int64 = 1_000_000_000

    /// The chosen mode: true shares the jobs, false runs them on the caller.
    private var shares = true
    private var probing = false
    /// The next step is the first after a change of mode: not counted.
    private var warmingUp = true
    private var runTime = StepGovernor.minimumRunTime
    /// Time (ns), work and steps counted in the current run or probe.
    private var time: Int64 = 0, work = 0, steps = 0
    /// The run's time per unit of work, while its probe runs.
    private var runTimePerWork = 0.0

    public init() {}

    /// Whether the next step shares its jobs.
    public var sharesNextStep: Bool { probing ? !shares : shares }

    /// Records a step of `work` units (examples) that took `nanoseconds` in
    /// the mode `sharesNextStep` gave.
    public mutating func record(nanoseconds: Int64, work: Int) {
        let nanoseconds = max(0, nanoseconds)
        if warmingUp {
            warmingUp = false
            return
        }
        time += nanoseconds
        self.work += max(1, work)
        steps += 1
        if probing {
            guard steps >= StepGovernor.probeSteps && time >= StepGovernor.probeTime else { return }
            let switches = Double(time) / Double(self.work) < runTimePerWork
            shares = switches ? !shares : shares
            runTime = switches ? StepGovernor.minimumRunTime : min(2 * runTime, StepGovernor.maximumRunTime)
            probing = false
            warmingUp = true   // back in the run's mode, or switched: a change of mode either way
            (time, self.work, steps) = (0, 0, 0)
            return
        }
        if shares && time >= StepGovernor.governedStepTime * Int64(steps) {
            // Long steps: shared, no probes (the counts restart, so a later run of short steps is judged alone).
            (time, self.work, steps) = (0, 0, 0)
            return
        }
        if steps >= StepGovernor.runSteps && time >= runTime {
            runTimePerWork = Double(time) / Double(self.work)
            probing = true
            warmingUp = true
            (time, self.work, steps) = (0, 0, 0)
        }
    }
}
