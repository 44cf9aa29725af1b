#include "manifest/video_manifest.h"

#include <memory>
#include <optional>

#include "manifest/manifest_reader.h"
#include "manifest/manifest_writer.h"

namespace ingest::manifest {

Status WriteVideoManifest(const std::string& path, std::string_view video_name,
                          const VideoKeyFrames& frames) {
  VideoProperties props{video_name, frames.width, frames.height, frames.length};
  INGEST_ASSIGN_OR_RETURN(std::unique_ptr<VideoManifestWriter> writer,
                          VideoManifestWriter::Open(path, props));
  for (const VideoKeyFrame& key : frames.key_frames) {
    Status s = writer->Append({key.number, key.pts, Md5View(key.md5)});
    if (!s.ok()) {
      writer->Abandon();
      return s;
    }
  }
  return writer->Close();
}

Result<VideoCheckReport> CheckVideoManifest(const std::string& manifest_path,
                                            const std::string& video_path, size_t max_reported) {
  VideoCheckReport report;
  auto structure = [&](const Status& s) -> Result<VideoCheckReport> {
    if (s.code() != Status::Code::kCorruption) return s;
    report.structure_error = s.message();
    return report;
  };
  Result<std::unique_ptr<ManifestReader>> opened = ManifestReader::Open(manifest_path);
  if (!opened) return structure(opened.error());
  ManifestReader& reader = **opened;
  if (reader.header().type != ManifestType::kVideo) {
    report.structure_error = manifest_path + ": not a video manifest";
    return report;
  }
  if (reader.header().length == 0) {
    report.structure_error = manifest_path + ": properties.length is 0";
    return report;
  }
  auto mismatch = [&](size_t line, const std::string& what) {
    ++report.mismatch_count;
    if (report.mismatches.size() < max_reported) {
      report.mismatches.push_back(manifest_path + ":" + std::to_string(line) + ": " + what);
    }
  };

  INGEST_ASSIGN_OR_RETURN(std::unique_ptr<VideoSeeker> seeker, VideoSeeker::Open(video_path));
  std::optional<int64_t> last_number;
  KeyFrame frame;
  for (;;) {
    Result<bool> more = reader.Next(&frame);
    if (!more) return structure(more.error());
    if (!*more) break;
    ++report.key_frames;
    if (last_number && *last_number >= frame.number) {
      mismatch(frame.line, "number " + std::to_string(frame.number) +
                               " does not follow " + std::to_string(*last_number) +
                               ": Invalid saved key frames sequence in manifest file");
    }
    last_number = frame.number;
    INGEST_ASSIGN_OR_RETURN(SeekLanding landing, seeker->SeekAndDecode(frame.pts, true));
    if (!landing.found || landing.pts != frame.pts) {
      std::string landed = !landing.found ? "no frame"
                           : landing.pts  ? "pts " + std::to_string(*landing.pts)
                                          : "a frame without pts";
      mismatch(frame.line, "a seek to pts " + std::to_string(frame.pts) + " lands on " + landed +
                               ": The uploaded manifest does not match the video");
      continue;
    }
    if (!frame.checksum.empty() && frame.checksum != Md5View(landing.md5)) {
      ++report.checksum_mismatch_count;
      if (report.checksum_warnings.size() < max_reported) {
        report.checksum_warnings.push_back(manifest_path + ":" + std::to_string(frame.line) +
                                           ": frame " + std::to_string(frame.number) +
                                           " has checksum " + std::string(Md5View(landing.md5)));
      }
    }
  }
  if (report.key_frames == 0) report.structure_error = manifest_path + ": no key frames";
  return report;
}

}  // namespace ingest::manifest
