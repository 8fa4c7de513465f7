#include "daemon/admin/admin_service.h"

#include <algorithm>
#include <memory>
#include <utility>

#include "absl/strings/str_cat.h"
#include "proto/grpc_status.h"
#include "proto/proto_time.h"

namespace slamon::admin {
namespace {

void ListWaits(const std::vector<engine::EndedWait>& waits, v1::EndWaitsResponse* response) {
  response->set_count(waits.size());
  const size_t listed = std::min(waits.size(), AdminService::kWaitsListed);
  for (size_t i = 0; i < listed; ++i) {
    const engine::EndedWait& w = waits[i];
    v1::EndedWait* out = response->add_waits();
    out->set_queue(w.key.queue);
    out->set_channel(w.key.channel);
    out->set_policy(w.key.policy);
    out->set_source(w.source);
    out->set_contact_id(w.contact_id);
    SetTimestamp(w.waiting_since, out->mutable_waiting_since());
  }
}

}  // namespace

absl::StatusOr<engine::WaitSelection> SelectionOf(const v1::EndWaitsRequest& request) {
  if (!request.has_started_before()) {
    return absl::InvalidArgumentError("started_before is required: the waits that began before it are ended");
  }
  const int32_t nanos = request.started_before().nanos();
  if (nanos < 0 || nanos > 999'999'999) {
    return absl::InvalidArgumentError(absl::StrCat("started_before.nanos is ", nanos, ", not 0 to 999999999"));
  }
  for (const auto& [field, count] : {std::pair<const char*, int>{"queues", request.queues_size()},
                                     {"channels", request.channels_size()},
                                     {"contact_ids", request.contact_ids_size()}}) {
    if (count > AdminService::kMaxNames) {
      return absl::InvalidArgumentError(
          absl::StrCat(field, " names ", count, ": at most ", AdminService::kMaxNames, " per request"));
    }
  }
  engine::WaitSelection selection;
  selection.started_before = ToTime(request.started_before());
  selection.queues.assign(request.queues().begin(), request.queues().end());
  selection.channels.assign(request.channels().begin(), request.channels().end());
  selection.contact_ids.assign(request.contact_ids().begin(), request.contact_ids().end());
  return selection;
}

AdminService::AdminService(const engine::Engine* engine, EndWaitsFn end_waits)
    : engine_(engine), end_waits_(std::move(end_waits)) {}

grpc::ServerUnaryReactor* AdminService::EndWaits(grpc::CallbackServerContext* context,
                                                 const v1::EndWaitsRequest* request,
                                                 v1::EndWaitsResponse* response) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  absl::StatusOr<engine::WaitSelection> selection = SelectionOf(*request);
  if (!selection.ok()) {
    reactor->Finish(ToGrpcStatus(selection.status()));
    return reactor;
  }
  if (request->dry_run()) {
    ListWaits(engine_->FindWaits(*selection), response);
    reactor->Finish(grpc::Status::OK);
    return reactor;
  }
  // The log holds the request as the daemon acts on it: never a dry run.
  v1::EndWaitsRequest logged = *request;
  logged.clear_dry_run();
  end_waits_(*selection, logged.SerializeAsString(), [reactor, response](absl::StatusOr<EndedWaits> ended) {
    if (!ended.ok()) {
      reactor->Finish(ToGrpcStatus(ended.status()));
      return;
    }
    ListWaits(ended->waits, response);
    SetTimestamp(ended->at, response->mutable_ended_at());
    reactor->Finish(grpc::Status::OK);
  });
  return reactor;
}

}  // namespace slamon::admin
