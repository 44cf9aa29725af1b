#include "upload/transfer_engine.h"

#include "upload/transfer_hub.h"
#include "upload/transfer_session.h"

namespace ingest::upload {

std::string Base64(std::string_view in) {
  static const char kTable[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  out.reserve((in.size() + 2) / 3 * 4);
  size_t i = 0;
  for (; i + 2 < in.size(); i += 3) {
    uint32_t v = (static_cast<uint8_t>(in[i]) << 16) | (static_cast<uint8_t>(in[i + 1]) << 8) |
                 static_cast<uint8_t>(in[i + 2]);
    out += kTable[v >> 18];
    out += kTable[(v >> 12) & 63];
    out += kTable[(v >> 6) & 63];
    out += kTable[v & 63];
  }
  if (i < in.size()) {
    uint32_t v = static_cast<uint8_t>(in[i]) << 16;
    if (i + 1 < in.size()) v |= static_cast<uint8_t>(in[i + 1]) << 8;
    out += kTable[v >> 18];
    out += kTable[(v >> 12) & 63];
    out += i + 1 < in.size() ? kTable[(v >> 6) & 63] : '=';
    out += '=';
  }
  return out;
}

struct TransferEngine::Impl {
  transfer::TransferSession session;
  TransferHub* hub;
  Impl(TransferOptions o, const UploadPlan& p, FileSource* s, UploadObserver* obs,
       TransferCounters* c)
      : session(o, p, s, obs, c), hub(o.hub) {}
};

TransferEngine::TransferEngine(TransferOptions options, const UploadPlan& plan, FileSource* source,
                               UploadObserver* observer, TransferCounters* counters)
    : impl_(std::make_unique<Impl>(std::move(options), plan, source, observer, counters)) {}
TransferEngine::~TransferEngine() = default;

void TransferEngine::SetStart(std::vector<FileStart> start) {
  impl_->session.SetStart(std::move(start));
}

Status TransferEngine::Run(const std::atomic<bool>* cancel) {
  if (impl_->hub != nullptr) return impl_->hub->Run(impl_->session, cancel);
  TransferHub own(impl_->session.connections());
  return own.Run(impl_->session, cancel);
}

const std::vector<FileFailure>& TransferEngine::failures() const {
  return impl_->session.failures();
}
std::vector<PartlySent> TransferEngine::partly_sent() const {
  return impl_->session.partly_sent();
}

const std::vector<std::string>& TransferEngine::notes() const { return impl_->session.notes(); }

}  // namespace ingest::upload
