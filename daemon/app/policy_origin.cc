#include "daemon/app/policy_origin.h"

#include <map>

#include "absl/strings/str_cat.h"
#include "daemon/engine/state_codec.h"

namespace slamon::app {

std::shared_ptr<const engine::PolicySet> PolicySetOf(const config::Config& config) {
  engine::StateWriter out;
  out.String(config.source);
  out.String(config.yaml);
  out.Varint(config.policies.size());
  for (const engine::Policy& p : config.policies) {
    out.String(p.name);
    out.Varint(p.version);
  }
  // Added after the first release: an origin without it has no files.
  out.Varint(config.included_files.size());
  for (const auto& [path, text] : config.included_files) {
    out.String(path);
    out.String(text);
  }
  return std::make_shared<engine::PolicySet>(config.policies, out.Release());
}

absl::StatusOr<std::shared_ptr<const engine::PolicySet>> DecodePolicyOrigin(absl::string_view origin) {
  engine::StateReader in(origin);
  const std::string source = in.String();
  const std::string yaml = in.String();
  std::vector<std::pair<std::string, uint64_t>> versions(in.Count(2));
  for (auto& [name, version] : versions) {
    name = in.String();
    version = in.Varint();
  }
  std::map<std::string, std::string> files;
  if (in.ok() && !in.done()) {
    const size_t count = in.Count(2);
    for (size_t i = 0; i < count && in.ok(); ++i) {
      std::string path = in.String();
      files[path] = in.String();
    }
  }
  if (!in.ok()) return in.status();
  // Included files come from the saved origin, never from the disk: the
  // state was built with what was read then.
  const config::FileReader saved = [&files, &source](const std::string& path) -> absl::StatusOr<std::string> {
    const auto it = files.find(path);
    if (it == files.end()) return absl::DataLossError(absl::StrCat(path, " was not saved with ", source));
    return it->second;
  };
  absl::StatusOr<config::Config> config = config::ParseConfig(yaml, source, saved);
  if (!config.ok()) return config.status();
  if (config->policies.size() != versions.size()) {
    return absl::DataLossError(absl::StrCat(source, " no longer parses to the ", versions.size(), " saved policies"));
  }
  for (size_t i = 0; i < versions.size(); ++i) {
    if (config->policies[i].name != versions[i].first) {
      return absl::DataLossError(absl::StrCat(source, ": policy ", i + 1, " parses as '", config->policies[i].name,
                                              "', saved as '", versions[i].first, "'"));
    }
    config->policies[i].version = versions[i].second;
  }
  return std::make_shared<engine::PolicySet>(std::move(config->policies), std::string(origin));
}

}  // namespace slamon::app
