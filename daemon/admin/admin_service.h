// The gRPC edge of operator changes: slamon.v1.Admin over the callback API.
// It checks requests and answers them; the daemon makes the change (logged
// first when durable) through the function it is given, so that the
// change takes its place in one order with ingest and ticks.
#ifndef SLAMON_DAEMON_ADMIN_ADMIN_SERVICE_H_
#define SLAMON_DAEMON_ADMIN_ADMIN_SERVICE_H_

#include <functional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "daemon/engine/engine.h"
#include "slamon/v1/admin.grpc.pb.h"

namespace slamon::admin {

// What ending waits did: the waits, oldest first, and the daemon time
// they were given up on.
struct EndedWaits {
  std::vector<engine::EndedWait> waits;
  absl::Time at;
};
using EndWaitsDone = std::function<void(absl::StatusOr<EndedWaits>)>;
// Ends the waits of `selection`, logging `logged` (the request's bytes)
// first when durable, and calls `done` once the change is durable (or
// with why it is not), on any thread.
using EndWaitsFn =
    std::function<void(const engine::WaitSelection& selection, const std::string& logged, EndWaitsDone done)>;

// The selection a request names, or INVALID_ARGUMENT naming the field. The
// daemon's log replays requests through it too.
absl::StatusOr<engine::WaitSelection> SelectionOf(const v1::EndWaitsRequest& request);

class AdminService final : public v1::Admin::CallbackService {
 public:
  // A response lists at most this many waits (the oldest); its count is
  // of all of them.
  static constexpr size_t kWaitsListed = 1000;
  // At most this many queues, channels or contact ids per request: each
  // is looked for in every open contact while its shard is locked.
  static constexpr int kMaxNames = 1000;

  // A dry run reads `engine`; a change goes through `end_waits`.
  AdminService(const engine::Engine* engine, EndWaitsFn end_waits);

  grpc::ServerUnaryReactor* EndWaits(grpc::CallbackServerContext* context, const v1::EndWaitsRequest* request,
                                     v1::EndWaitsResponse* response) override;

 private:
  const engine::Engine* engine_;
  EndWaitsFn end_waits_;
};

}  // namespace slamon::admin

#endif  // SLAMON_DAEMON_ADMIN_ADMIN_SERVICE_H_
