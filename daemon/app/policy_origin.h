// Policy sets as saved state records them: the config text they were parsed
// from and each policy's version. A restart rebuilds exactly the sets that
// open contacts matched, even if the file has changed since.
#ifndef SLAMON_DAEMON_APP_POLICY_ORIGIN_H_
#define SLAMON_DAEMON_APP_POLICY_ORIGIN_H_

#include <memory>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "daemon/config/config.h"
#include "daemon/engine/policy.h"

namespace slamon::app {

// The config's policies as a set whose origin rebuilds it.
std::shared_ptr<const engine::PolicySet> PolicySetOf(const config::Config& config);

// An engine::PolicyDecoder: parses the saved text again and restores the
// saved versions.
absl::StatusOr<std::shared_ptr<const engine::PolicySet>> DecodePolicyOrigin(absl::string_view origin);

}  // namespace slamon::app

#endif  // SLAMON_DAEMON_APP_POLICY_ORIGIN_H_
