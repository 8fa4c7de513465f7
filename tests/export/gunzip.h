// zlib's inflate, for tests that read what the daemon sent in gzip.
#ifndef SLAMON_TESTS_EXPORT_GUNZIP_H_
#define SLAMON_TESTS_EXPORT_GUNZIP_H_

#define ZLIB_CONST
#include <zlib.h>

#include <optional>
#include <string>

#include "absl/strings/string_view.h"

namespace slamon::exporter {

// The text of one whole gzip member, or nothing when `gzip` is not exactly
// one (damaged, cut short, or with bytes after its trailer).
inline std::optional<std::string> Gunzip(absl::string_view gzip) {
  z_stream stream{};
  if (inflateInit2(&stream, 15 + 16) != Z_OK) return std::nullopt;  // a gzip header only
  stream.next_in = reinterpret_cast<const Bytef*>(gzip.data());
  stream.avail_in = static_cast<uInt>(gzip.size());
  std::string text;
  int result = Z_OK;
  while (result == Z_OK) {
    char chunk[16384];
    stream.next_out = reinterpret_cast<Bytef*>(chunk);
    stream.avail_out = sizeof chunk;
    result = inflate(&stream, Z_NO_FLUSH);
    text.append(chunk, sizeof chunk - stream.avail_out);
  }
  const bool whole = result == Z_STREAM_END && stream.avail_in == 0;
  inflateEnd(&stream);
  if (!whole) return std::nullopt;
  return text;
}

}  // namespace slamon::exporter

#endif  // SLAMON_TESTS_EXPORT_GUNZIP_H_
