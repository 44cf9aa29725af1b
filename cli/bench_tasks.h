// `cvat-ingest bench --tasks N` / `--profile videos`: the options of a run-of-many-tasks
// benchmark and its table (bench/harness/tasks_bench.h does the runs).
#ifndef INGEST_CLI_BENCH_TASKS_H_
#define INGEST_CLI_BENCH_TASKS_H_

#include <string>

#include "bench/harness/bench_output.h"
#include "bench/harness/corpus.h"
#include "bench/harness/local_receiver.h"
#include "bench/harness/tasks_bench.h"
#include "cli/options.h"
#include "engine/status.h"

namespace ingest::cli {

// True when the options ask for the run-of-many-tasks benchmark.
bool WantsTasksBench(const ParsedArgs& opt, const bench::CorpusSpec& corpus);

// Reads --tasks, --task-per, --parallel-tasks, --connections, --repeat, --build-delay and
// --build-workers into `tasks` and `receiver` (the local receiver's build delay), and sets the
// number of videos of a generated `videos` corpus. `corpus` is the spec before defaults;
// `real_corpus` when PATH... was given. InvalidArgument for what does not fit together.
Status ReadTasksBenchOptions(const ParsedArgs& opt, bool real_corpus, bench::CorpusSpec* corpus,
                             bench::TasksBenchOptions* tasks,
                             bench::LocalReceiverOptions* receiver);

// The options of `tasks` as the record keeps them.
void RecordTasksOptions(const bench::TasksBenchOptions& tasks,
                        const bench::LocalReceiverOptions& receiver, bench::BenchRecord* rec);

// Prints the per-K table of a tasks benchmark (after the record's header lines).
void PrintTasksTable(const bench::BenchRecord& rec);

}  // namespace ingest::cli

#endif  // INGEST_CLI_BENCH_TASKS_H_
