// absl::Status -> grpc::Status at the gRPC edge of every service: the codes
// are the same numbers in both.
#ifndef SLAMON_PROTO_GRPC_STATUS_H_
#define SLAMON_PROTO_GRPC_STATUS_H_

#include <string>

#include <grpcpp/support/status.h>

#include "absl/status/status.h"

namespace slamon {

inline grpc::Status ToGrpcStatus(const absl::Status& status) {
  return grpc::Status(static_cast<grpc::StatusCode>(status.code()), std::string(status.message()));
}

}  // namespace slamon

#endif  // SLAMON_PROTO_GRPC_STATUS_H_
