// absl::Status -> grpc::Status at the gRPC edge of every service: the codes
// are the same numbers in both. And a code as the `code` label of the
// daemon's metrics.
#ifndef SLAMON_PROTO_GRPC_STATUS_H_
#define SLAMON_PROTO_GRPC_STATUS_H_

#include <string>

#include <grpcpp/support/status.h>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"

namespace slamon {

inline grpc::Status ToGrpcStatus(const absl::Status& status) {
  return grpc::Status(static_cast<grpc::StatusCode>(status.code()), std::string(status.message()));
}

// "ok", "invalid_argument", "resource_exhausted", ...
inline std::string CodeLabel(absl::StatusCode code) { return absl::AsciiStrToLower(absl::StatusCodeToString(code)); }

}  // namespace slamon

#endif  // SLAMON_PROTO_GRPC_STATUS_H_
