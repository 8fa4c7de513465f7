// Engine::SaveState / LoadState: a header (format, shard count, histogram
// bounds), the policy generations by origin, the counters kept outside the
// shards, then every shard (shard_state.cc).
#include "absl/strings/str_cat.h"
#include "common/check.h"
#include "daemon/engine/engine.h"
#include "daemon/engine/shard.h"

namespace slamon::engine {
namespace {

constexpr uint64_t kMagic = 0x5453'4e4f'4d41'4c53;  // "SLAMONST", little-endian
// 2: item objectives (clocks, item counters, window tallies), the
// not_paused reason, elapsed-time bounds. 3: the given_up volume counter.
// Formats 1 and 2 are still read.
constexpr uint64_t kFormatVersion = 3;
constexpr uint64_t kOldestReadableFormat = 1;

void SaveBounds(StateWriter& out, const std::vector<double>& bounds) {
  out.Varint(bounds.size());
  for (double b : bounds) out.Double(b);
}

std::vector<double> LoadBounds(StateReader& in) {
  std::vector<double> bounds(in.Count(8));
  for (double& b : bounds) b = in.Double();
  return bounds;
}

}  // namespace

std::string Engine::SaveState() const {
  StateWriter out;
  out.U64(kMagic);
  out.U64(kFormatVersion);
  out.Varint(slots_.size());
  SaveBounds(out, options_.wait_buckets);
  SaveBounds(out, options_.handle_buckets);
  SaveBounds(out, options_.elapsed_buckets);

  std::vector<std::shared_ptr<const PolicySet>> generations;
  std::shared_ptr<const PolicySet> current;
  {
    std::lock_guard lock(policies_mu_);
    generations = generations_;
    current = policies_;
  }
  PolicyIds ids;
  uint64_t current_index = 0;
  out.Varint(generations.size());
  for (size_t g = 0; g < generations.size(); ++g) {
    if (generations[g] == current) current_index = g;
    out.String(generations[g]->origin());
    out.Varint(generations[g]->policies().size());
    for (const Policy& p : generations[g]->policies()) {
      ids[&p] = ids.size() + 1;
      out.String(p.name);
      out.Varint(p.version);
    }
  }
  out.Varint(current_index);
  for (const auto& n : rejected_at_edge_) out.Varint(n.load(std::memory_order_relaxed));
  for (const auto& slot : slots_) {
    std::lock_guard lock(slot->mu);
    slot->shard.Save(out, ids);
  }
  return out.Release();
}

absl::Status Engine::LoadState(absl::string_view data, const PolicyDecoder& decode) {
  StateReader in(data);
  if (in.U64() != kMagic) return absl::DataLossError("not slamon engine state (bad magic)");
  const uint64_t format = in.U64();
  if (format < kOldestReadableFormat || format > kFormatVersion) {
    return absl::FailedPreconditionError(absl::StrCat("engine state format ", format,
                                                      " is not supported (this build reads ", kOldestReadableFormat,
                                                      " to ", kFormatVersion, ")"));
  }
  in.set_format(format);
  const size_t shard_count = in.Count(1);
  const std::vector<double> saved_wait = LoadBounds(in);
  const std::vector<double> saved_handle = LoadBounds(in);
  const std::vector<double> saved_elapsed = format >= 2 ? LoadBounds(in) : options_.elapsed_buckets;
  if (!in.ok()) return in.status();
  if (shard_count == 0 || shard_count > 4096) return absl::DataLossError("shard count out of range");

  std::vector<std::shared_ptr<const PolicySet>> generations(in.Count(2));
  std::vector<const Policy*> by_id = {nullptr};
  for (size_t g = 0; g < generations.size() && in.ok(); ++g) {
    const std::string origin = in.String();
    const size_t count = in.Count(2);
    if (!in.ok()) break;
    absl::StatusOr<std::shared_ptr<const PolicySet>> set = decode(origin);
    if (!set.ok()) {
      return absl::Status(set.status().code(),
                          absl::StrCat("policy generation ", g + 1, " of the saved state: ", set.status().message()));
    }
    generations[g] = *std::move(set);
    const std::vector<Policy>& policies = generations[g]->policies();
    for (size_t i = 0; i < count && in.ok(); ++i) {
      const std::string name = in.String();
      const uint64_t version = in.Varint();
      if (i >= policies.size() || policies[i].name != name || policies[i].version != version) {
        return absl::DataLossError(absl::StrCat("policy generation ", g + 1, " does not rebuild as saved: expected ",
                                                name, " v", version, " at position ", i + 1));
      }
      by_id.push_back(&policies[i]);
    }
    if (count != policies.size()) {
      return absl::DataLossError(absl::StrCat("policy generation ", g + 1, " rebuilds with ", policies.size(),
                                              " policies, saved with ", count));
    }
  }
  const uint64_t current_index = in.Varint();
  if (in.ok() && current_index >= generations.size()) return absl::DataLossError("current policy generation out of range");
  std::array<uint64_t, kRejectReasonCount> rejected_at_edge{};
  const int reasons = format >= 2 ? kRejectReasonCount : kRejectReasonCount - 1;
  for (int r = 0; r < reasons; ++r) rejected_at_edge[r] = in.Varint();

  EngineOptions options = options_;
  options.shards = static_cast<int>(shard_count);
  const BoundsChange bounds{saved_wait,   options.wait_buckets,   saved_handle,
                            options.handle_buckets, saved_elapsed, options.elapsed_buckets};
  std::vector<std::unique_ptr<Slot>> slots;
  for (size_t s = 0; s < shard_count && in.ok(); ++s) {
    slots.push_back(std::make_unique<Slot>(options_, options.shards));
    slots.back()->shard.Load(in, by_id, bounds);
  }
  if (!in.ok()) return in.status();
  if (!in.done()) return absl::DataLossError(absl::StrCat(in.remaining(), " unexpected bytes after the state"));

  // Committed: nothing below can fail.
  options_.shards = options.shards;
  slots_ = std::move(slots);
  for (size_t i = 0; i < rejected_at_edge.size(); ++i) rejected_at_edge_[i] = rejected_at_edge[i];
  std::lock_guard lock(policies_mu_);
  policies_ = generations[current_index];
  generations_ = std::move(generations);
  return absl::OkStatus();
}

}  // namespace slamon::engine
