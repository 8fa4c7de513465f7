// A wire batch (slamon.v1.EventBatch) in engine values, read outside any
// engine lock. Its events point into the bytes it was read from (or into
// `message`), which must outlive its Apply. Ingest keeps applied batches
// and reads later ones into them, so that their vectors keep their capacity.
#ifndef SLAMON_DAEMON_INGEST_DECODED_BATCH_H_
#define SLAMON_DAEMON_INGEST_DECODED_BATCH_H_

#include <cstdint>
#include <optional>
#include <span>
#include <utility>
#include <vector>

#include "absl/strings/string_view.h"
#include "daemon/engine/event.h"
#include "daemon/ingest/convert.h"
#include "slamon/v1/event.pb.h"

namespace slamon::ingest {

struct DecodedBatch {
  uint64_t sequence = 0;
  size_t n_items = 0;   // in the wire batch: events, then records
  size_t n_events = 0;  // in the wire batch
  size_t n_converted = 0;
  // The first n_converted are this batch's.
  std::vector<engine::EventView> events;
  std::vector<engine::ContactRecord> records;
  // The item of each converted one, in the order the engine gets them.
  std::vector<size_t> origin;
  // The items that did not convert, in item order.
  struct Failure {
    size_t item;
    ConversionError error;
  };
  std::vector<Failure> failures;
  // What a batch the wire decoder declines is parsed into; reused.
  v1::EventBatch message;

  std::span<const engine::EventView> converted_events() const { return {events.data(), n_converted}; }
  // Empties the batch; its events stay for reuse.
  void Clear();
  // Where the next event is read to: a kept event, overwritten whole.
  engine::EventView& NextEvent();
  // Counts the event last read into NextEvent(): converted, or rejected
  // with `error` (and its slot is read into again).
  void AddEvent(std::optional<ConversionError>&& error) {
    n_events += 1;
    if (!error) n_converted += 1;
    AddItem(std::move(error));
  }
  // Counts the next item, converted or rejected with `error`. Records come
  // after every event.
  void AddItem(std::optional<ConversionError>&& error) {
    const size_t item = n_items++;
    if (error) {
      failures.push_back({item, std::move(*error)});
    } else {
      origin.push_back(item);
    }
  }
};

// Reads `wire` into `out`: by the wire decoder (wire_decoder.h) when it can,
// else by protobuf's parser and ToEngine. False if the bytes do not parse as
// an EventBatch.
bool ReadBatch(absl::string_view wire, DecodedBatch* out);

// Converts a parsed batch into `out` (cleared first). Consumes `batch`:
// records' strings are moved out, events point into it.
void ConvertBatch(v1::EventBatch& batch, DecodedBatch* out);

}  // namespace slamon::ingest

#endif  // SLAMON_DAEMON_INGEST_DECODED_BATCH_H_
