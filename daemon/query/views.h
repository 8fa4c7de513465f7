// Engine snapshots and history as Query API messages. The figures are
// computed by the same engine functions as the /metrics exporter, so the
// API and the metrics never disagree.
#ifndef SLAMON_DAEMON_QUERY_VIEWS_H_
#define SLAMON_DAEMON_QUERY_VIEWS_H_

#include <vector>

#include "daemon/engine/engine.h"
#include "daemon/engine/snapshot.h"
#include "slamon/v1/query.pb.h"

namespace slamon::query {

// Whether (queue, channel) passes a request's filters (empty = all).
bool Selected(const google::protobuf::RepeatedPtrField<std::string>& queues,
              const google::protobuf::RepeatedPtrField<std::string>& channels, const engine::QueueKey& key);

// Every objective of every selected (queue, channel, policy).
void FillStatus(const engine::EngineSnapshot& snapshot, const engine::EngineOptions& options,
                const v1::GetStatusRequest& request, v1::GetStatusResponse* response);

// Rows per objective with something completed in the period. `policies`
// gives the answer objective's formula (a policy no longer configured has
// no ratio).
void FillReport(const std::vector<engine::HistoryRow>& history, const engine::PolicySet& policies,
                const v1::GetReportRequest& request, v1::GetReportResponse* response);

v1::BreachEvent ToBreachEvent(const engine::ItemAlert& alert);

}  // namespace slamon::query

#endif  // SLAMON_DAEMON_QUERY_VIEWS_H_
