// Reads slamon.v1.EventBatch's wire format straight into engine events: what
// protobuf's parser and ToEngine do together, without the message between
// them (protobuf's parse was ~30 % of slamond's instructions per event).
//
// It reads the batches collectors send: events only, fields it knows with
// the wire types protobuf writes, each event's occurred_at once. For
// anything else (records, unknown fields, a malformed or non-UTF-8 string,
// a repeated Timestamp, which protobuf would merge) it declines, and the
// caller parses the batch with protobuf instead. So every batch is read as
// protobuf reads it: tests/ingest/wire_decoder_test.cc holds the two to the
// same results.
#ifndef SLAMON_DAEMON_INGEST_WIRE_DECODER_H_
#define SLAMON_DAEMON_INGEST_WIRE_DECODER_H_

#include "absl/strings/string_view.h"
#include "daemon/ingest/decoded_batch.h"

namespace slamon::ingest {

// Reads `wire` into `out` (cleared first); false if it declines, leaving
// `out` to be read again.
bool DecodeBatch(absl::string_view wire, DecodedBatch* out);

}  // namespace slamon::ingest

#endif  // SLAMON_DAEMON_INGEST_WIRE_DECODER_H_
