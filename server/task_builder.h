// BuildTaskData: what CVAT's task creation job (task.py) decides from the uploaded files, as
// a pure function of the registered names, the raw/ directory and the data request:
//
// 1. Split the files by kind (engine ClassifyName): one .jsonl is the manifest (more is an
//    error), unknown kinds are skipped, and the rest must be any number of images or exactly
//    one video or archive ("media kinds cannot be mixed"). No media: "No media data found".
// 2. Order the frames by sorting_method with engine/file_order.h: lexicographical is
//    code-point order, natural is natsort's os_sorted; predefined takes the manifest's order,
//    else upload_file_order, else registration order; random is shuffled (unseeded, as CVAT). An archive with
//    predefined needs a manifest; a manifest with random is refused.
// 3. With a manifest: predefined requires the uploaded names to equal the manifest names; any
//    order requires line i to end with file i's name+extension. Frame sizes are taken from the
//    manifest, unchecked (as CVAT). Without one, images are probed for their size (swapped
//    for EXIF orientations 5-8, as CVAT's own manifest has them) and a video for its frame
//    count and size. With --discard nothing but the manifest was stored: images get 0x0, a
//    video one frame, and an archive takes its member names from the manifest (none: error).
// 4. Apply start_frame, stop_frame and frame_filter, count jobs by segment_size/overlap and
//    pick the chunk size as task.py does.
// Failures return a Status whose message is the text CVAT puts in the failed request.
#ifndef INGEST_SERVER_TASK_BUILDER_H_
#define INGEST_SERVER_TASK_BUILDER_H_

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "engine/result.h"
#include "server/data_request.h"
#include "server/media_inspector.h"
#include "server/task_store.h"

namespace ingest::server {

struct BuildInput {
  std::vector<std::string> client_files;  // registration order
  std::string raw_dir;
  bool discard = false;  // files other than manifests were not stored
  DataRequest request;
  int64_t segment_size = 0;
  int64_t overlap = 0;
};

struct BuildOutput {
  std::vector<Frame> frames;  // after start/stop/step; one entry for a video
  int64_t size = 0;           // frame count
  std::string mode;           // "annotation" or "interpolation"
  int64_t chunk_size = 0;
  int64_t jobs = 0;
  int64_t start_frame = 0;
  int64_t stop_frame = 0;
};

// `progress(fraction, message)` is called now and then from the calling thread.
Result<BuildOutput> BuildTaskData(const BuildInput& in, MediaInspector& inspector,
                                  const std::function<void(double, std::string_view)>& progress);

}  // namespace ingest::server

#endif  // INGEST_SERVER_TASK_BUILDER_H_
