// libFuzzer target: bytes as a contact-record export (CSV and JSON Lines,
// sla-semantics §9), read as slamon-replay reads them: every row becomes a
// record or an error naming its line.
#include <cstddef>
#include <cstdint>
#include <sstream>
#include <string>

#include "collectors/replay/record_reader.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using slamon::collectors::RecordReader;
  for (const RecordReader::Format format : {RecordReader::Format::kCsv, RecordReader::Format::kJsonLines}) {
    std::istringstream in(std::string(reinterpret_cast<const char*>(data), size));
    RecordReader reader(in, format, "fuzz");
    while (reader.Next().has_value()) {
    }
  }
  return 0;
}
