// Shards of a run: which units of a plan each of N hosts runs, and which shard this process
// is (--shard K/N, or --shard auto from the scheduler's environment).
//
// The split is a pure function of the units' bytes and N, so every host computes the same
// one without talking to the others. It balances bytes, not counts (one shard must not get
// all the videos): units are taken largest first (ties: lower plan index first) and each goes
// to the shard with the fewest bytes so far (ties: fewer units, then the lower shard). That
// is LPT scheduling: the largest shard is within 4/3 of the best possible, and within one
// unit's bytes of the mean. Each shard runs its units in plan order.
#ifndef INGEST_UPLOAD_SHARD_SPLIT_H_
#define INGEST_UPLOAD_SHARD_SPLIT_H_

#include <cstdint>
#include <functional>
#include <string_view>
#include <vector>

#include "engine/result.h"
#include "upload/task_units.h"

namespace ingest::upload {

// One shard of N: `index` from 0 (shown as index + 1 of count).
struct Shard {
  uint32_t index = 0;
  uint32_t count = 1;
  friend bool operator==(const Shard&, const Shard&) = default;
};

// The shard (0-based) of each of `unit_bytes`, for `shards` shards (>= 1).
std::vector<uint32_t> AssignShards(const std::vector<uint64_t>& unit_bytes, uint32_t shards);

// The plan indices of `shard`'s units, in plan order.
std::vector<size_t> ShardUnits(const std::vector<TaskUnit>& units, Shard shard);

// Reads the environment (`getenv` stands for ::getenv; tests pass their own).
using EnvLookup = std::function<const char*(const char* name)>;

// The shard that --shard `spec` names: "K/N" (1 <= K <= N), or "auto":
//   Slurm job arrays: SLURM_ARRAY_TASK_ID, less SLURM_ARRAY_TASK_MIN when set, of
//     SLURM_ARRAY_TASK_COUNT shards (or MAX - MIN + 1 when there is no count); with
//     --shards N and an array of another size, SLURM_ARRAY_TASK_ID (from 0) of N shards
//     (an element resubmitted alone, `sbatch --array=2`, still runs shard 3 of N);
//   Kubernetes Indexed Jobs: JOB_COMPLETION_INDEX (from 0) of `shards_option` shards.
// `shards_option` is --shards N (0 when not given); when given with K/N, it must agree. InvalidArgument (a usage error) naming the variable or value that is missing, not a
// number, or out of range, and for a stepped Slurm array (--array=0-15:4).
Result<Shard> ResolveShard(std::string_view spec, uint32_t shards_option, const EnvLookup& env);

}  // namespace ingest::upload

#endif  // INGEST_UPLOAD_SHARD_SPLIT_H_
