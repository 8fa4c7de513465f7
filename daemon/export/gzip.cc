#define ZLIB_CONST  // zlib's input pointer is const: the page is not ours to write
#include "daemon/export/gzip.h"

#include <zlib.h>

#include <algorithm>
#include <optional>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_split.h"
#include "common/check.h"

namespace slamon::exporter {
namespace {

constexpr int kLevel = 1;
constexpr int kGzipWindowBits = 15 + 16;  // the largest window, with a gzip header and trailer
constexpr int kMemLevel = 8;              // zlib's default
constexpr size_t kRoom = 64 << 10;        // output room offered per deflate call
constexpr size_t kMaxInput = 1 << 30;     // avail_in is 32 bits wide

// zlib's deflate stream, ended however GzipPage leaves.
class Deflater {
 public:
  Deflater() {
    SLAMON_CHECK(deflateInit2(&stream_, kLevel, Z_DEFLATED, kGzipWindowBits, kMemLevel, Z_DEFAULT_STRATEGY) == Z_OK);
  }
  ~Deflater() { deflateEnd(&stream_); }
  Deflater(const Deflater&) = delete;
  Deflater& operator=(const Deflater&) = delete;

  // Compresses all of `in` into `out`; Z_FINISH ends the member after it.
  void Write(absl::string_view in, int flush, TextBuffer& out) {
    do {
      const size_t take = std::min(in.size(), kMaxInput);
      stream_.next_in = reinterpret_cast<const Bytef*>(in.data());
      stream_.avail_in = static_cast<uInt>(take);
      in.remove_prefix(take);
      const int mode = in.empty() ? flush : Z_NO_FLUSH;
      int result;
      do {
        stream_.next_out = reinterpret_cast<Bytef*>(out.Extend(kRoom));
        stream_.avail_out = static_cast<uInt>(kRoom);
        result = deflate(&stream_, mode);
        // Z_BUF_ERROR only says that no progress was possible: all input
        // was taken and the output room was exactly filled last time.
        SLAMON_CHECK(result == Z_OK || result == Z_STREAM_END || result == Z_BUF_ERROR);
        out.TrimTo(reinterpret_cast<const char*>(stream_.next_out));
      } while (stream_.avail_out == 0 || (mode == Z_FINISH && result != Z_STREAM_END));
    } while (!in.empty());
  }

 private:
  z_stream stream_{};
};

}  // namespace

bool AcceptsGzip(absl::string_view accept_encoding) {
  // Whether each was named, and if so whether with a weight above 0.
  std::optional<bool> gzip;
  std::optional<bool> any;
  for (const absl::string_view element : absl::StrSplit(accept_encoding, ',')) {
    const std::vector<absl::string_view> parts = absl::StrSplit(element, ';');
    const absl::string_view coding = absl::StripAsciiWhitespace(parts[0]);
    bool accepted = true;
    for (size_t i = 1; i < parts.size(); ++i) {
      const absl::string_view parameter = absl::StripAsciiWhitespace(parts[i]);
      if (parameter.size() >= 2 && absl::ascii_tolower(parameter[0]) == 'q' && parameter[1] == '=') {
        double weight = 0;
        accepted = absl::SimpleAtod(parameter.substr(2), &weight) && weight > 0;
      }
    }
    if (absl::EqualsIgnoreCase(coding, "gzip") || absl::EqualsIgnoreCase(coding, "x-gzip")) {
      gzip = gzip.value_or(false) || accepted;
    } else if (coding == "*") {
      any = any.value_or(false) || accepted;
    }
  }
  return gzip.has_value() ? *gzip : any.value_or(false);
}

void GzipPage(const Page& page, TextBuffer& out) {
  out.Clear();
  Deflater deflater;
  for (const TextBuffer& piece : page) deflater.Write(piece.view(), Z_NO_FLUSH, out);
  deflater.Write({}, Z_FINISH, out);
}

}  // namespace slamon::exporter
