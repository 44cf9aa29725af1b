#include "upload/shard_split.h"

#include <algorithm>
#include <charconv>
#include <numeric>
#include <optional>
#include <queue>
#include <string>
#include <tuple>

namespace ingest::upload {
namespace {

std::optional<uint64_t> Number(std::string_view text) {
  uint64_t v = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (text.empty() || ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return v;
}

// An environment variable as a number: nothing when unset; InvalidArgument when junk.
Result<std::optional<uint64_t>> EnvNumber(const EnvLookup& env, const char* name) {
  const char* v = env(name);
  if (v == nullptr) return std::optional<uint64_t>();
  std::optional<uint64_t> n = Number(v);
  if (!n || *n > UINT32_MAX) {
    return Status::InvalidArgument(std::string("--shard auto: ") + name + "='" + v +
                                   "' is not a number");
  }
  return n;
}

Result<Shard> FromSlurm(const EnvLookup& env, uint32_t shards_option) {
  INGEST_ASSIGN_OR_RETURN(std::optional<uint64_t> id, EnvNumber(env, "SLURM_ARRAY_TASK_ID"));
  INGEST_ASSIGN_OR_RETURN(std::optional<uint64_t> count, EnvNumber(env, "SLURM_ARRAY_TASK_COUNT"));
  INGEST_ASSIGN_OR_RETURN(std::optional<uint64_t> min, EnvNumber(env, "SLURM_ARRAY_TASK_MIN"));
  INGEST_ASSIGN_OR_RETURN(std::optional<uint64_t> max, EnvNumber(env, "SLURM_ARRAY_TASK_MAX"));
  if (min && max && *max < *min) {
    return Status::InvalidArgument("--shard auto: SLURM_ARRAY_TASK_MAX " + std::to_string(*max) +
                                   " is below SLURM_ARRAY_TASK_MIN " + std::to_string(*min));
  }
  if (!count && min && max) count = *max - *min + 1;
  // --shards N of another size than the array: an element resubmitted alone (`sbatch
  // --array=2` is an array of one) or a subset. Its id is then its shard of N, from 0.
  if (shards_option != 0 && count.value_or(0) != shards_option) {
    if (*id >= shards_option) {
      return Status::InvalidArgument("--shard auto: SLURM_ARRAY_TASK_ID " + std::to_string(*id) +
                                     " is not below --shards " + std::to_string(shards_option) +
                                     " (in an array of another size than --shards, the ids are "
                                     "the shards, from 0)");
    }
    return Shard{static_cast<uint32_t>(*id), shards_option};
  }
  if (!count) {
    return Status::InvalidArgument(
        "--shard auto: SLURM_ARRAY_TASK_ID is set but neither SLURM_ARRAY_TASK_COUNT nor "
        "SLURM_ARRAY_TASK_MIN and SLURM_ARRAY_TASK_MAX: give --shard K/N");
  }
  if (*count == 0) {
    return Status::InvalidArgument(
        "--shard auto: the Slurm array has no tasks "
        "(SLURM_ARRAY_TASK_COUNT=0)");
  }
  if (min && max && *max - *min + 1 != *count) {
    return Status::InvalidArgument(
        "--shard auto: the array " + std::to_string(*min) + "-" + std::to_string(*max) + " has " +
        std::to_string(*count) +
        " tasks (SLURM_ARRAY_TASK_COUNT): a stepped or sparse array cannot number the shards; "
        "use --array=0-" +
        std::to_string(*count - 1) + " or give --shard K/N");
  }
  uint64_t base = min.value_or(0);
  if (*id < base || *id - base >= *count) {
    return Status::InvalidArgument("--shard auto: SLURM_ARRAY_TASK_ID " + std::to_string(*id) +
                                   " is outside the array " + std::to_string(base) + "-" +
                                   std::to_string(base + *count - 1) +
                                   (min ? "" : " (SLURM_ARRAY_TASK_MIN is not set: 0 assumed)"));
  }
  return Shard{static_cast<uint32_t>(*id - base), static_cast<uint32_t>(*count)};
}

Result<Shard> FromIndexedJob(const EnvLookup& env, uint32_t shards_option) {
  INGEST_ASSIGN_OR_RETURN(std::optional<uint64_t> index, EnvNumber(env, "JOB_COMPLETION_INDEX"));
  if (shards_option == 0) {
    return Status::InvalidArgument(
        "--shard auto: JOB_COMPLETION_INDEX is set; give the Job's completions as --shards N");
  }
  if (*index >= shards_option) {
    return Status::InvalidArgument("--shard auto: JOB_COMPLETION_INDEX " + std::to_string(*index) +
                                   " is not below --shards " + std::to_string(shards_option));
  }
  return Shard{static_cast<uint32_t>(*index), shards_option};
}

}  // namespace

std::vector<uint32_t> AssignShards(const std::vector<uint64_t>& unit_bytes, uint32_t shards) {
  if (shards == 0) shards = 1;
  std::vector<uint32_t> order(unit_bytes.size());
  std::iota(order.begin(), order.end(), 0u);
  std::sort(order.begin(), order.end(), [&](uint32_t a, uint32_t b) {
    return unit_bytes[a] != unit_bytes[b] ? unit_bytes[a] > unit_bytes[b] : a < b;
  });
  // The lightest shard on top: fewest bytes, then fewest units, then the lowest index.
  using Load = std::tuple<uint64_t, uint64_t, uint32_t>;
  std::priority_queue<Load, std::vector<Load>, std::greater<Load>> lightest;
  for (uint32_t s = 0; s < shards; ++s) lightest.emplace(0, 0, s);
  std::vector<uint32_t> out(unit_bytes.size(), 0);
  for (uint32_t u : order) {
    auto [bytes, units, shard] = lightest.top();
    lightest.pop();
    out[u] = shard;
    lightest.emplace(bytes + unit_bytes[u], units + 1, shard);
  }
  return out;
}

std::vector<size_t> ShardUnits(const std::vector<TaskUnit>& units, Shard shard) {
  std::vector<uint64_t> bytes;
  bytes.reserve(units.size());
  for (const TaskUnit& u : units) bytes.push_back(u.bytes);
  std::vector<uint32_t> of = AssignShards(bytes, shard.count);
  std::vector<size_t> out;
  for (size_t i = 0; i < of.size(); ++i) {
    if (of[i] == shard.index) out.push_back(i);
  }
  return out;
}

Result<Shard> ResolveShard(std::string_view spec, uint32_t shards_option, const EnvLookup& env) {
  if (spec == "auto") {
    bool slurm = env("SLURM_ARRAY_TASK_ID") != nullptr;
    bool indexed = env("JOB_COMPLETION_INDEX") != nullptr;
    if (slurm && indexed) {
      return Status::InvalidArgument(
          "--shard auto: both SLURM_ARRAY_TASK_ID and JOB_COMPLETION_INDEX are set: give "
          "--shard K/N");
    }
    if (slurm) return FromSlurm(env, shards_option);
    if (indexed) return FromIndexedJob(env, shards_option);
    return Status::InvalidArgument(
        "--shard auto: neither SLURM_ARRAY_TASK_ID (a Slurm job array) nor JOB_COMPLETION_INDEX "
        "(a Kubernetes Indexed Job) is set: give --shard K/N");
  }
  size_t slash = spec.find('/');
  std::optional<uint64_t> k, n;
  if (slash != std::string_view::npos) {
    k = Number(spec.substr(0, slash));
    n = Number(spec.substr(slash + 1));
  }
  if (!k || !n || *n == 0 || *n > UINT32_MAX || *k == 0 || *k > *n) {
    return Status::InvalidArgument("--shard: K/N with 1 <= K <= N (e.g. 2/8), or auto; not '" +
                                   std::string(spec) + "'");
  }
  if (shards_option != 0 && shards_option != *n) {
    return Status::InvalidArgument("--shards " + std::to_string(shards_option) +
                                   " disagrees with --shard " + std::string(spec));
  }
  return Shard{static_cast<uint32_t>(*k - 1), static_cast<uint32_t>(*n)};
}

}  // namespace ingest::upload
