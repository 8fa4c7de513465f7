// Contact-record files (sla-semantics §9): CSV with a header, or JSON Lines
// with the same field names. Each row becomes a slamon.v1.ContactRecord.
#ifndef SLAMON_COLLECTORS_REPLAY_RECORD_READER_H_
#define SLAMON_COLLECTORS_REPLAY_RECORD_READER_H_

#include <istream>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>

#include "absl/status/statusor.h"
#include "slamon/v1/event.pb.h"

namespace slamon::collectors {

// One row as field name -> text ("" when empty).
using Row = std::map<std::string, std::string>;

// Maps a row to a record. `default_source` fills an empty `source`.
absl::StatusOr<v1::ContactRecord> RowToRecord(const Row& row, const std::string& default_source);

// Splits one CSV line (RFC 4180 quoting) into fields.
absl::StatusOr<std::vector<std::string>> SplitCsvLine(const std::string& line);

class RecordReader {
 public:
  enum class Format { kCsv, kJsonLines };
  // The format is taken from the extension (.csv, .jsonl/.ndjson), else CSV.
  static Format FormatOf(const std::string& path);

  RecordReader(std::istream& in, Format format, std::string default_source)
      : in_(in), format_(format), default_source_(std::move(default_source)) {}

  struct Item {
    int line = 0;
    absl::StatusOr<v1::ContactRecord> record;
  };
  // The next data row, or nullopt at the end of the input.
  std::optional<Item> Next();
  // Columns not in §9, seen so far (warned about once).
  const std::set<std::string>& unknown_fields() const { return unknown_; }
  // An error in the header itself (CSV), if any.
  const absl::Status& header_status() const { return header_status_; }

 private:
  absl::StatusOr<Row> ParseLine(const std::string& line);
  void NoteUnknown(const Row& row);

  std::istream& in_;
  Format format_;
  std::string default_source_;
  int line_number_ = 0;
  bool header_read_ = false;
  std::vector<std::string> header_;
  absl::Status header_status_;
  std::set<std::string> unknown_;
};

}  // namespace slamon::collectors

#endif  // SLAMON_COLLECTORS_REPLAY_RECORD_READER_H_
