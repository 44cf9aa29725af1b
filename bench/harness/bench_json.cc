// BenchJson / WriteBenchJson (bench_output.h).
#include <cstdio>

#include "bench/harness/bench_output.h"
#include "bench/harness/json_writer.h"

namespace ingest::bench {
namespace {

void WriteSpread(JsonWriter& j, std::string_view key, const Spread& s, int decimals = 6) {
  j.Key(key).BeginObject();
  if (s.count == 0) {
    j.Key("median").Null().Key("min").Null().Key("max").Null();
  } else {
    j.Key("median").Number(s.median, decimals);
    j.Key("min").Number(s.min, decimals);
    j.Key("max").Number(s.max, decimals);
  }
  j.Key("n").Uint(s.count).EndObject();
}

void WriteLatency(JsonWriter& j, std::string_view key, const LatencyStats& l) {
  j.Key(key).BeginObject();
  j.Key("count").Uint(l.count);
  j.Key("p50").Number(l.p50).Key("p90").Number(l.p90).Key("p99").Number(l.p99);
  j.Key("max").Number(l.max);
  j.EndObject();
}

void WriteSettings(JsonWriter& j, const PointSettings& s) {
  j.Key("connections").Int(s.connections);
  j.Key("tus_chunk").Uint(s.tus_chunk);
  j.Key("batch").Uint(s.batch_bytes);
}

std::string_view RunStatus(const RunResult& r) {
  if (r.status.ok()) return "ok";
  return r.status.code() == Status::Code::kCancelled ? "interrupted" : "failed";
}

void WriteRun(JsonWriter& j, size_t index, const RunResult& r) {
  j.BeginObject();
  j.Key("run").Uint(index + 1).Key("point").Int(r.point).Key("repeat").Int(r.repeat);
  WriteSettings(j, r.settings);
  j.Key("status").String(RunStatus(r));
  if (!r.status.ok()) j.Key("error").String(r.status.message());
  j.Key("stages").BeginObject();
  j.Key("scan_probe").Number(r.scan_seconds);
  j.Key("hashing").Number(r.hash_seconds);
  j.Key("manifest").Number(r.manifest_seconds);
  j.Key("upload").Number(r.upload_seconds);
  j.Key("finish_to_ready").Number(r.finish_seconds);
  j.EndObject();
  j.Key("corpus").BeginObject().Key("files").Uint(r.files).Key("bytes").Uint(r.corpus_bytes);
  j.EndObject();
  j.Key("upload").BeginObject();
  j.Key("files").Uint(r.planned_files).Key("bytes").Uint(r.planned_bytes);
  j.Key("manifest_bytes").Uint(r.manifest_bytes);
  j.Key("batches").Uint(r.batches).Key("tus_uploads").Uint(r.tus_uploads);
  j.Key("files_done").Uint(r.files_done).Key("bytes_done").Uint(r.bytes_done);
  j.Key("bytes_sent").Uint(r.bytes_sent);
  j.Key("bytes_per_second").Number(r.UploadBytesPerSecond(), 0);
  j.Key("files_per_second").Number(r.UploadFilesPerSecond(), 1);
  j.Key("requests").Uint(r.requests).Key("retries").Uint(r.retries);
  j.Key("failed_requests").Uint(r.failed_requests);
  j.EndObject();
  j.Key("latency").BeginObject();
  j.Key("count").Uint(r.latency.count);
  j.Key("p50").Number(r.latency.p50).Key("p90").Number(r.latency.p90);
  j.Key("p99").Number(r.latency.p99).Key("max").Number(r.latency.max);
  j.Key("by_kind").BeginObject();
  for (size_t k = 0; k < kRequestKinds; ++k) {
    if (r.latency_by_kind[k].count > 0) WriteLatency(j, RequestKindName(k), r.latency_by_kind[k]);
  }
  j.EndObject().EndObject();
  j.Key("cpu_seconds").BeginObject();
  j.Key("user").Number(r.cpu_user, 3).Key("system").Number(r.cpu_system, 3);
  j.Key("upload_stage").Number(r.upload_cpu, 3).EndObject();
  j.Key("peak_rss_mib").Number(r.peak_rss_mib, 1);
  j.Key("server_cpu_seconds").Number(r.server_cpu, 3);
  j.Key("task_id").Int(r.task_id).Key("frames").Int(r.frames);
  j.Key("timeline").BeginArray();
  for (const Sample& s : r.timeline) {
    j.BeginArray().Number(s.seconds, 3).Uint(s.bytes).Uint(s.files).EndArray();
  }
  j.EndArray();
  j.EndObject();
}

void WritePoint(JsonWriter& j, const PointSummary& s) {
  j.BeginObject();
  j.Key("point").Int(s.point);
  WriteSettings(j, s.settings);
  j.Key("runs").Uint(s.runs).Key("completed").Uint(s.completed);
  WriteSpread(j, "upload_bytes_per_second", s.upload_bytes_per_second, 0);
  WriteSpread(j, "upload_files_per_second", s.upload_files_per_second, 1);
  j.Key("stages").BeginObject();
  WriteSpread(j, "scan_probe", s.scan_seconds);
  WriteSpread(j, "hashing", s.hash_seconds);
  WriteSpread(j, "manifest", s.manifest_seconds);
  WriteSpread(j, "upload", s.upload_seconds);
  WriteSpread(j, "finish_to_ready", s.finish_seconds);
  j.EndObject();
  j.Key("latency").BeginObject();
  WriteSpread(j, "p50", s.p50);
  WriteSpread(j, "p90", s.p90);
  WriteSpread(j, "p99", s.p99);
  j.EndObject();
  WriteSpread(j, "retries", s.retries, 0);
  WriteSpread(j, "cpu_seconds", s.cpu_seconds, 3);
  WriteSpread(j, "peak_rss_mib", s.peak_rss_mib, 1);
  WriteSpread(j, "server_cpu_seconds", s.server_cpu_seconds, 3);
  j.EndObject();
}

std::string_view TasksRunStatus(const TasksRunResult& r) {
  if (r.status.ok()) return "done";
  return r.status.code() == Status::Code::kCancelled ? "interrupted" : "failed";
}

void WriteTasksRun(JsonWriter& j, size_t index, const TasksRunResult& r) {
  j.BeginObject();
  j.Key("index").Uint(index).Key("parallel_tasks").Int(r.parallel_tasks);
  j.Key("repeat").Int(r.repeat).Key("status").String(TasksRunStatus(r));
  if (!r.status.ok()) j.Key("error").String(r.status.message());
  j.Key("tasks").Uint(r.tasks).Key("done").Uint(r.done).Key("failed").Uint(r.failed);
  j.Key("bytes").Uint(r.bytes).Key("frames").Uint(r.frames);
  j.Key("seconds").Number(r.seconds, 4);
  j.Key("tasks_per_second").Number(r.TasksPerSecond(), 4);
  j.Key("bytes_per_second").Number(r.BytesPerSecond(), 0);
  j.Key("build_seconds").Number(r.build_seconds, 4);
  j.Key("max_build_seconds").Number(r.max_build_seconds, 4);
  j.Key("cpu_seconds").Number(r.cpu_seconds, 3);
  j.Key("server_cpu_seconds").Number(r.server_cpu, 3);
  j.EndObject();
}

void WriteTasksPoint(JsonWriter& j, const TasksSummary& s) {
  j.BeginObject();
  j.Key("parallel_tasks").Int(s.parallel_tasks).Key("completed").Uint(s.completed);
  WriteSpread(j, "seconds", s.seconds, 4);
  WriteSpread(j, "tasks_per_second", s.tasks_per_second, 4);
  WriteSpread(j, "bytes_per_second", s.bytes_per_second, 0);
  WriteSpread(j, "build_seconds", s.build_seconds, 4);
  j.EndObject();
}

}  // namespace

std::string BenchJson(const BenchRecord& rec) {
  JsonWriter j;
  j.BeginObject();
  j.Key("tool").String("cvat-ingest bench");
  const Environment& e = rec.environment;
  j.Key("environment").BeginObject();
  j.Key("version").String(e.version).Key("cores").Uint(e.cores);
  j.Key("cpu_model").String(e.cpu_model).Key("kernel").String(e.kernel);
  j.Key("libcurl").String(e.libcurl).Key("load_average_1m").Number(e.load_average, 2);
  j.Key("memory_gib").Number(e.memory_gib, 1).Key("started_utc").String(e.started_utc);
  j.EndObject();
  j.Key("options").BeginObject();
  for (const auto& [name, value] : rec.options) j.Key(name).String(value);
  j.EndObject();
  j.Key("corpus").BeginObject();
  j.Key("description").String(rec.corpus);
  j.Key("generated").Bool(rec.generate_seconds > 0 || rec.generated_files > 0);
  j.Key("files").Uint(rec.generated_files).Key("bytes").Uint(rec.generated_bytes);
  j.Key("generate_seconds").Number(rec.generate_seconds, 3);
  j.EndObject();
  j.Key("target").String(rec.target);
  j.Key("interrupted").Bool(rec.interrupted);
  if (!rec.task_runs.empty() || !rec.task_summary.empty()) {
    j.Key("kind").String("tasks");
    j.Key("points").BeginArray();
    for (const TasksSummary& s : rec.task_summary) WriteTasksPoint(j, s);
    j.EndArray();
    j.Key("runs").BeginArray();
    for (size_t i = 0; i < rec.task_runs.size(); ++i) WriteTasksRun(j, i, rec.task_runs[i]);
    j.EndArray();
  } else {
    j.Key("kind").String("transfer");
    j.Key("points").BeginArray();
    for (const PointSummary& s : rec.summary) WritePoint(j, s);
    j.EndArray();
    j.Key("runs").BeginArray();
    for (size_t i = 0; i < rec.runs.size(); ++i) WriteRun(j, i, rec.runs[i]);
    j.EndArray();
  }
  j.EndObject();
  return j.text() + "\n";
}

Status WriteBenchJson(const std::string& path, const BenchRecord& record) {
  return WriteText(path, BenchJson(record));
}

}  // namespace ingest::bench
