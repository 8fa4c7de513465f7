// Wire messages (slamon.v1) -> engine values. Runs on the gRPC threads before
// any engine lock is taken.
#ifndef SLAMON_DAEMON_INGEST_CONVERT_H_
#define SLAMON_DAEMON_INGEST_CONVERT_H_

#include <optional>

#include "daemon/engine/event.h"
#include "daemon/engine/result.h"
#include "slamon/v1/event.pb.h"

namespace slamon::ingest {

// Why a message could not be converted; nullopt when it converted.
struct ConversionError {
  engine::RejectReason reason;
  std::string detail;
};

// Sets every field of `out`, which may hold an earlier event: ingest reuses
// its events from batch to batch, so that their strings keep their capacity
// and copying an id into one allocates nothing (nor does parsing the next
// batch into strings left where they were).
std::optional<ConversionError> ToEngine(const v1::ContactEvent& in, engine::Event* out);
// Strings are moved out of `in`, which is left valid but unspecified.
std::optional<ConversionError> ToEngine(v1::ContactRecord& in, engine::ContactRecord* out);

}  // namespace slamon::ingest

#endif  // SLAMON_DAEMON_INGEST_CONVERT_H_
