// Checksummed, numbered records in append-only files: the daemon's write-ahead
// log and the collectors' spool use the same frame,
//
//   crc32c (4) | payload length (4) | sequence number (8) | type (1) | payload
//
// with the checksum over everything after it, so that a torn write or a
// flipped bit is found when the file is read back.
#ifndef SLAMON_COMMON_FRAMING_H_
#define SLAMON_COMMON_FRAMING_H_

#include <cstdint>
#include <string>

#include "absl/strings/string_view.h"

namespace slamon {

inline constexpr size_t kFrameHeaderBytes = 17;

// Appends one record whose payload is head + body.
void AppendFrame(std::string& out, uint64_t sequence, uint8_t type, absl::string_view head,
                 absl::string_view body = {});

struct Frame {
  uint64_t sequence = 0;
  uint8_t type = 0;
  absl::string_view payload;  // points into the input
  size_t size = 0;            // of the whole record, header included
};

enum class FrameResult : uint8_t {
  kOk,
  kTornHeader,  // fewer bytes than a header
  kTorn,        // fewer bytes than the header's length says
  kChecksum,    // the bytes are there but do not match their checksum
};

// Reads the record at the start of `in` into `frame`.
FrameResult ReadFrame(absl::string_view in, Frame* frame);

}  // namespace slamon

#endif  // SLAMON_COMMON_FRAMING_H_
