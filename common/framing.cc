#include "common/framing.h"

#include "common/check.h"
#include "common/coding.h"
#include "common/crc32c.h"

namespace slamon {

void AppendFrame(std::string& out, uint64_t sequence, uint8_t type, absl::string_view head,
                 absl::string_view body) {
  const size_t size = head.size() + body.size();
  SLAMON_CHECK(size < (uint64_t{1} << 32));
  const size_t start = out.size();
  out.reserve(start + kFrameHeaderBytes + size);
  out.append(4, '\0');  // the checksum, filled below
  PutFixed(out, size, 4);
  PutFixed(out, sequence, 8);
  out.push_back(static_cast<char>(type));
  out.append(head.data(), head.size());
  out.append(body.data(), body.size());
  const uint32_t crc = Crc32c(absl::string_view(out).substr(start + 4));
  for (int i = 0; i < 4; ++i) out[start + static_cast<size_t>(i)] = static_cast<char>(crc >> (8 * i));
}

FrameResult ReadFrame(absl::string_view in, Frame* frame) {
  if (in.size() < kFrameHeaderBytes) return FrameResult::kTornHeader;
  const uint64_t length = GetFixed(in.substr(4), 4);
  if (in.size() - kFrameHeaderBytes < length) return FrameResult::kTorn;
  if (Crc32c(in.substr(4, kFrameHeaderBytes - 4 + length)) != static_cast<uint32_t>(GetFixed(in, 4))) {
    return FrameResult::kChecksum;
  }
  frame->sequence = GetFixed(in.substr(8), 8);
  frame->type = static_cast<uint8_t>(in[16]);
  frame->payload = in.substr(kFrameHeaderBytes, length);
  frame->size = kFrameHeaderBytes + length;
  return FrameResult::kOk;
}

}  // namespace slamon
