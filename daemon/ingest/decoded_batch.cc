#include "daemon/ingest/decoded_batch.h"

#include <limits>

#include "daemon/ingest/wire_decoder.h"

namespace slamon::ingest {

void DecodedBatch::Clear() {
  sequence = 0;
  n_events = 0;
  n_converted = 0;
  n_items = 0;
  records.clear();
  origin.clear();
  failures.clear();
}

engine::EventView& DecodedBatch::NextEvent() {
  if (events.size() == n_converted) events.emplace_back();
  return events[n_converted];
}

void ConvertBatch(v1::EventBatch& batch, DecodedBatch* out) {
  out->Clear();
  out->sequence = batch.sequence();
  for (const v1::ContactEvent& event : batch.events()) {
    engine::EventView& slot = out->NextEvent();
    out->AddEvent(ToEngine(event, &slot));
  }
  for (v1::ContactRecord& record : *batch.mutable_records()) {
    std::optional<ConversionError> error = ToEngine(record, &out->records.emplace_back());
    if (error) out->records.pop_back();
    out->AddItem(std::move(error));
  }
}

bool ReadBatch(absl::string_view wire, DecodedBatch* out) {
  if (DecodeBatch(wire, out)) return true;
  if (wire.size() > static_cast<size_t>(std::numeric_limits<int>::max())) return false;
  if (!out->message.ParseFromArray(wire.data(), static_cast<int>(wire.size()))) return false;
  ConvertBatch(out->message, out);
  return true;
}

}  // namespace slamon::ingest
