#include "manifest/manifest_writer.h"

#include "manifest/jsonl_encoder.h"

namespace ingest::manifest {

void AppendImageLine(const ImageLine& line, std::string* out) {
  out->append("{\"name\":");
  AppendJsonString(line.name, out);
  out->append(",\"extension\":");
  AppendJsonString(line.extension, out);
  out->append(",\"width\":");
  AppendJsonInt(line.width, out);
  out->append(",\"height\":");
  AppendJsonInt(line.height, out);
  if (line.related_images.has_value()) {
    out->append(",\"meta\":{\"related_images\":[");
    bool first = true;
    for (std::string_view related : *line.related_images) {
      if (!first) out->push_back(',');
      first = false;
      AppendJsonString(related, out);
    }
    out->append("]}");
  }
  if (!line.checksum.empty()) {
    out->append(",\"checksum\":");
    AppendJsonString(line.checksum, out);
  }
  out->append("}\n");
}

Result<std::unique_ptr<ImageManifestWriter>> ImageManifestWriter::Open(std::string path) {
  INGEST_ASSIGN_OR_RETURN(std::unique_ptr<AtomicFileWriter> file,
                          AtomicFileWriter::Open(std::move(path)));
  INGEST_RETURN_IF_ERROR(file->Append("{\"version\":\"1.1\"}\n{\"type\":\"images\"}\n"));
  return std::unique_ptr<ImageManifestWriter>(new ImageManifestWriter(std::move(file)));
}

Status ImageManifestWriter::Append(const ImageLine& line) {
  AppendImageLine(line, file_->buffer());
  ++lines_;
  return file_->Flush();
}

Result<std::unique_ptr<VideoManifestWriter>> VideoManifestWriter::Open(
    std::string path, const VideoProperties& props) {
  INGEST_ASSIGN_OR_RETURN(std::unique_ptr<AtomicFileWriter> file,
                          AtomicFileWriter::Open(std::move(path)));
  std::string* out = file->buffer();
  out->append("{\"version\":\"1.1\"}\n{\"type\":\"video\"}\n{\"properties\":{\"name\":");
  AppendJsonString(props.name, out);
  out->append(",\"resolution\":[");
  AppendJsonInt(props.width, out);
  out->push_back(',');
  AppendJsonInt(props.height, out);
  out->append("],\"length\":");
  AppendJsonInt(props.length, out);
  out->append("}}\n");
  INGEST_RETURN_IF_ERROR(file->Flush());
  return std::unique_ptr<VideoManifestWriter>(new VideoManifestWriter(std::move(file)));
}

Status VideoManifestWriter::Append(const KeyFrameLine& frame) {
  std::string* out = file_->buffer();
  out->append("{\"number\":");
  AppendJsonInt(frame.number, out);
  out->append(",\"pts\":");
  AppendJsonInt(frame.pts, out);
  out->append(",\"checksum\":");
  AppendJsonString(frame.checksum, out);
  out->append("}\n");
  return file_->Flush();
}

}  // namespace ingest::manifest
