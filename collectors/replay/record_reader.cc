#include "collectors/replay/record_reader.h"

#include <google/protobuf/struct.pb.h>
#include <google/protobuf/util/json_util.h>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "proto/proto_time.h"
#include "common/duration.h"

namespace slamon::collectors {
namespace {

const std::set<std::string>& KnownFields() {
  static const std::set<std::string> kFields = {
      "contact_id",      "channel",         "queue",           "arrived_at",       "source",
      "priority",        "category",        "agent",           "acknowledged_at",  "answered_at",
      "abandoned_at",    "flowed_out_at",   "flow_out_reason", "handle_ended_at",  "wrapup_ended_at",
      "resolved_at",     "closed_at",       "first_contact_resolution",            "csat",
      "customer_id"};
  return kFields;
}

std::string Get(const Row& row, const std::string& field) {
  auto it = row.find(field);
  return it == row.end() ? "" : std::string(absl::StripAsciiWhitespace(it->second));
}

absl::Status SetTime(const Row& row, const std::string& field, google::protobuf::Timestamp* out,
                     bool required) {
  const std::string text = Get(row, field);
  if (text.empty()) {
    return required ? absl::InvalidArgumentError(absl::StrCat(field, " is required")) : absl::OkStatus();
  }
  absl::StatusOr<absl::Time> t = ParseRfc3339(text);
  if (!t.ok()) return absl::InvalidArgumentError(absl::StrCat(field, ": ", t.status().message()));
  SetTimestamp(*t, out);
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<v1::ContactRecord> RowToRecord(const Row& row, const std::string& default_source) {
  v1::ContactRecord r;
  for (const char* required : {"contact_id", "channel", "queue"}) {
    if (Get(row, required).empty()) return absl::InvalidArgumentError(absl::StrCat(required, " is required"));
  }
  r.set_contact_id(Get(row, "contact_id"));
  r.set_channel(Get(row, "channel"));
  r.set_queue(Get(row, "queue"));
  r.set_source(Get(row, "source").empty() ? default_source : Get(row, "source"));
  r.set_category(Get(row, "category"));
  r.set_agent(Get(row, "agent"));
  r.set_customer_id(Get(row, "customer_id"));
  if (const std::string p = Get(row, "priority"); !p.empty()) {
    int32_t priority = 0;
    if (!absl::SimpleAtoi(p, &priority)) return absl::InvalidArgumentError(absl::StrCat("priority: '", p, "' is not an integer"));
    r.set_priority(priority);
  }
  struct TimeField {
    const char* name;
    google::protobuf::Timestamp* (v1::ContactRecord::*mutable_field)();
  };
  if (absl::Status s = SetTime(row, "arrived_at", r.mutable_arrived_at(), true); !s.ok()) return s;
  for (const TimeField& f : {TimeField{"acknowledged_at", &v1::ContactRecord::mutable_acknowledged_at},
                             TimeField{"answered_at", &v1::ContactRecord::mutable_answered_at},
                             TimeField{"abandoned_at", &v1::ContactRecord::mutable_abandoned_at},
                             TimeField{"flowed_out_at", &v1::ContactRecord::mutable_flowed_out_at},
                             TimeField{"handle_ended_at", &v1::ContactRecord::mutable_handle_ended_at},
                             TimeField{"wrapup_ended_at", &v1::ContactRecord::mutable_wrapup_ended_at},
                             TimeField{"resolved_at", &v1::ContactRecord::mutable_resolved_at},
                             TimeField{"closed_at", &v1::ContactRecord::mutable_closed_at}}) {
    if (Get(row, f.name).empty()) continue;
    if (absl::Status s = SetTime(row, f.name, (r.*f.mutable_field)(), false); !s.ok()) return s;
  }
  if (const std::string reason = absl::AsciiStrToUpper(Get(row, "flow_out_reason")); !reason.empty()) {
    v1::FlowOutReason value;
    if (!v1::FlowOutReason_Parse(reason, &value) || value == v1::FLOW_OUT_REASON_UNSPECIFIED) {
      return absl::InvalidArgumentError(absl::StrCat(
          "flow_out_reason: '", Get(row, "flow_out_reason"),
          "' is not one of timeout, transfer, callback_requested, voicemail, exit_key"));
    }
    r.set_flow_out_reason(value);
  }
  if (const std::string fcr = Get(row, "first_contact_resolution"); !fcr.empty()) {
    bool value = false;
    if (!absl::SimpleAtob(fcr, &value)) return absl::InvalidArgumentError("first_contact_resolution: expected true or false");
    r.set_first_contact_resolution(value);
  }
  if (const std::string csat = Get(row, "csat"); !csat.empty()) {
    double value = 0;
    if (!absl::SimpleAtod(csat, &value)) return absl::InvalidArgumentError(absl::StrCat("csat: '", csat, "' is not a number"));
    r.set_csat(value);
  }
  return r;
}

absl::StatusOr<std::vector<std::string>> SplitCsvLine(const std::string& line) {
  std::vector<std::string> fields(1);
  bool quoted = false;
  for (size_t i = 0; i < line.size(); ++i) {
    const char c = line[i];
    if (quoted) {
      if (c == '"' && i + 1 < line.size() && line[i + 1] == '"') {
        fields.back() += '"';
        ++i;
      } else if (c == '"') {
        quoted = false;
      } else {
        fields.back() += c;
      }
    } else if (c == '"' && fields.back().empty()) {
      quoted = true;
    } else if (c == ',') {
      fields.emplace_back();
    } else if (c != '\r') {
      fields.back() += c;
    }
  }
  if (quoted) return absl::InvalidArgumentError("unterminated quoted field");
  return fields;
}

RecordReader::Format RecordReader::FormatOf(const std::string& path) {
  return absl::EndsWith(path, ".jsonl") || absl::EndsWith(path, ".ndjson") ? Format::kJsonLines
                                                                             : Format::kCsv;
}

absl::StatusOr<Row> RecordReader::ParseLine(const std::string& line) {
  Row row;
  if (format_ == Format::kJsonLines) {
    google::protobuf::Struct object;
    if (!google::protobuf::util::JsonStringToMessage(line, &object).ok()) {
      return absl::InvalidArgumentError("not a JSON object");
    }
    for (const auto& [key, value] : object.fields()) {
      switch (value.kind_case()) {
        case google::protobuf::Value::kStringValue: row[key] = value.string_value(); break;
        case google::protobuf::Value::kBoolValue: row[key] = value.bool_value() ? "true" : "false"; break;
        case google::protobuf::Value::kNumberValue: row[key] = absl::StrCat(value.number_value()); break;
        case google::protobuf::Value::kNullValue: row[key] = ""; break;
        default: return absl::InvalidArgumentError(absl::StrCat(key, ": expected a string, number or boolean"));
      }
    }
    return row;
  }
  absl::StatusOr<std::vector<std::string>> fields = SplitCsvLine(line);
  if (!fields.ok()) return fields.status();
  if (fields->size() != header_.size()) {
    return absl::InvalidArgumentError(
        absl::StrCat("has ", fields->size(), " fields, the header has ", header_.size()));
  }
  for (size_t i = 0; i < header_.size(); ++i) row[header_[i]] = (*fields)[i];
  return row;
}

void RecordReader::NoteUnknown(const Row& row) {
  for (const auto& [key, value] : row) {
    if (!KnownFields().contains(key)) unknown_.insert(key);
  }
}

std::optional<RecordReader::Item> RecordReader::Next() {
  std::string line;
  while (std::getline(in_, line)) {
    ++line_number_;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (absl::StripAsciiWhitespace(line).empty()) continue;
    if (format_ == Format::kCsv && !header_read_) {
      header_read_ = true;
      absl::StatusOr<std::vector<std::string>> header = SplitCsvLine(line);
      if (!header.ok()) {
        header_status_ = header.status();
        return std::nullopt;
      }
      for (std::string& h : *header) h = std::string(absl::StripAsciiWhitespace(h));
      header_ = *std::move(header);
      Row names;
      for (const std::string& h : header_) names[h] = "";
      NoteUnknown(names);
      continue;
    }
    absl::StatusOr<Row> row = ParseLine(line);
    if (!row.ok()) return Item{line_number_, row.status()};
    if (format_ == Format::kJsonLines) NoteUnknown(*row);
    return Item{line_number_, RowToRecord(*row, default_source_)};
  }
  return std::nullopt;
}

}  // namespace slamon::collectors
