// Package reports turns results into what people read: tables (terminal,
// Markdown and CSV), plots, scaling fits and a self-contained HTML report.
// It reads results only (package bench/results), never a live cluster, and
// is deterministic: the same results give byte-identical tables, plots and
// pages.
//
// The pieces, in the order a report shows them:
//
//   - WriteTable: one row per topology x scale with throughput and its 95%
//     confidence interval, latency percentiles, CPU per task, speedup,
//     parallel efficiency and the ratio to the best topology. Units are
//     chosen per magnitude and significant digits match the noise
//     (SigFigsForError).
//   - Findings: the headline in sentences: which topology is fastest at
//     each scale and by how much, and where each stops scaling.
//   - Figures: the plots that make sense for the data (throughput, speedup
//     and latency against workers, the latency percentile spectrum, CPU
//     cost bars, MB/s against payload), each rendered as PNG or SVG.
//     Latency axes spanning more than three decades label each tick with
//     its own unit (50µs, 2ms, 1s).
//   - Scalings and FitUSL: Universal Scalability Law fits to each
//     topology's workers sweep, with 95% parameter intervals and a peak
//     only where kappa is resolved; Growths: the doubling test where the task
//     count varies. WriteScalingTable and WriteGrowthTable print them.
//   - Load testing (open loop and capacity search): WriteLoadTable gives
//     offered against achieved rate, corrected and uncorrected latency and
//     generator lag per cell, with cells the generator could not drive
//     marked unreliable; WriteCapacityTable gives each search's maximum
//     sustainable rate and every step with its SLO verdict. The figures
//     add latency (p50, p99, p99.9) against the offered rate with
//     unreliable cells or failed steps ringed, one repetition's latency
//     second by second (warm-up, stalls, queues), and the maximum
//     sustainable rate against workers.
//   - Report.WriteHTML: one page with all of the above, plots inline as
//     SVG, nothing fetched; Report.WriteFiles and Write put it in a
//     directory beside the tables and plot files.
//
// Merge combines several results files into one report when their cells
// compare.
//
// Note: log axes are drawn as linear axes over log10 of the data, with
// ticks labelled in data units. gonum's LogScale panics on values ≤ 0 and
// sizes the plot as if the axis label sat at the linear midpoint, which
// squeezed the data area; values a log axis cannot show are left out and
// the notes or captions say so.
package reports
