export { type BenchCommandOptions, runBenchCommand } from './command';
export { type MeasureOptions, type Measurement, measureInference, measurePlanning, measureTraining, type WorkloadName } from './measure';
export { checkQuickRun, markdownTable, svgChart, tableHeader, tableRows, textTable } from './report';
export { type BenchmarkEnvironment, type BenchmarkOptions, type BenchmarkRun, runBenchmarks } from './run';
export { makeWorkload, STANDARD_SHAPE, type Workload, type WorkloadShape } from './workload';
export { BROWSER_BACKENDS, describeInChromium, mergeRuns, runInChromium } from './chromium';
