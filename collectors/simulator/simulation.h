// An Erlang-A call center (M/M/N+M): Poisson arrivals, exponential handle
// time and patience, N agents, first come first served; one independent model
// per queue and channel. A pure discrete-event simulation: it emits the
// contact events a real ACD would, stamped with simulated time.
#ifndef SLAMON_COLLECTORS_SIMULATOR_SIMULATION_H_
#define SLAMON_COLLECTORS_SIMULATOR_SIMULATION_H_

#include <cstdint>
#include <deque>
#include <functional>
#include <queue>
#include <random>
#include <string>
#include <unordered_map>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "slamon/v1/event.pb.h"

namespace slamon::collectors {

// From `after` (since the simulation's start) on, `agents` are staffed.
struct StaffingChange {
  absl::Duration after;
  int agents = 0;
};

struct QueueModel {
  std::string queue;
  std::string channel;
  double arrivals_per_hour = 60;
  int agents = 1;
  // Mean handle time; 90 % of it is talk, the rest wrap-up.
  absl::Duration handle = absl::Minutes(3);
  // Mean patience; zero means customers never abandon.
  absl::Duration patience = absl::ZeroDuration();
  double first_contact_resolution = 0.7;
  double survey = 0.2;
  // A schedule: e.g. one agent for the first 10 minutes, then twenty.
  std::vector<StaffingChange> staffing;
  // An automatic ACKNOWLEDGED at arrival (an e-mail system's auto-reply).
  bool auto_acknowledge = false;
  // Of the customers whose patience runs out, the share who ask to be called
  // back (FLOWED_OUT callback_requested) instead of hanging up; the callback
  // (AGENT_REPLIED, then CLOSED) comes after an exponential delay of this mean.
  double callback_share = 0;
  absl::Duration callback_after = absl::Minutes(20);
  // Share of answered contacts escalated (ESCALATED, level 1) as the talk ends.
  double escalation = 0;
  // Of the handled contacts, the share whose case stays open after the
  // wrap-up: the agent asked the customer something (PAUSED: the case waits
  // on the customer), the customer replies after an exponential delay of
  // mean customer_reply_after (RESUMED, CUSTOMER_REPLIED), the agent after
  // one of mean agent_reply_after (AGENT_REPLIED), and the case is resolved,
  // not at first contact (RESOLVED, maybe SURVEYED, CLOSED). The agent is
  // free from the wrap-up on: replies take no simulated agent.
  double follow_up = 0;
  absl::Duration customer_reply_after = absl::Hours(2);
  absl::Duration agent_reply_after = absl::Hours(1);
};

struct SimulatorConfig {
  std::string source = "simulator";
  std::vector<QueueModel> queues;
};

// Four queues, one per channel, staffed to meet the built-in policies.
SimulatorConfig DefaultSimulatorConfig();
absl::StatusOr<SimulatorConfig> LoadSimulatorConfig(const std::string& path);

class Simulation {
 public:
  using Emit = std::function<void(v1::ContactEvent)>;

  Simulation(SimulatorConfig config, absl::Time start, uint64_t seed);

  // Emits, in time order, every event up to and including `until`.
  void RunUntil(absl::Time until, const Emit& emit);
  // Changes a queue's staffing from now on (agents finish their contact).
  void SetAgents(size_t queue, int agents);
  absl::Time now() const { return now_; }

 private:
  // kStaffing carries the new headcount in Pending::customer.
  enum class Step : uint8_t {
    kArrival, kAbandon, kTalkEnd, kWrapEnd, kStaffing, kCallback, kCustomerReply, kAgentReply
  };
  struct Pending {
    absl::Time at;
    uint64_t order;  // ties in time keep the order they were scheduled in
    Step step;
    size_t queue;
    uint64_t customer;
    bool operator>(const Pending& o) const { return at != o.at ? at > o.at : order > o.order; }
  };
  struct QueueState {
    QueueModel model;
    int free_agents = 0;
    int staffed = 0;  // target headcount
    int busy = 0;
    std::deque<uint64_t> waiting;
  };
  struct Customer {
    bool waiting = true;
    absl::Duration handle;
  };

  void Schedule(absl::Time at, Step step, size_t queue, uint64_t customer);
  void Process(const Pending& p, const Emit& emit);
  void Answer(size_t queue, uint64_t customer, const Emit& emit);
  // Ends a handled contact: RESOLVED (at first contact with the model's
  // share, and then with the flag; always after a follow-up), maybe
  // SURVEYED, and CLOSED.
  void Conclude(size_t queue, uint64_t customer, bool first_contact, const Emit& emit);
  v1::ContactEvent MakeEvent(v1::EventKind kind, size_t queue, uint64_t customer);
  absl::Duration Exponential(absl::Duration mean);
  // True with probability `p`; draws nothing when p is 0, so that models
  // without the feature replay the same events for a seed as before it.
  bool Chance(double p);

  std::string source_;
  std::string run_id_;
  std::vector<QueueState> queues_;
  std::unordered_map<uint64_t, Customer> customers_;
  std::priority_queue<Pending, std::vector<Pending>, std::greater<>> agenda_;
  std::mt19937_64 rng_;
  absl::Time now_;
  uint64_t next_customer_ = 1;
  uint64_t next_event_ = 1;
  uint64_t next_order_ = 1;
  // Customers taken by agents added in SetAgents, answered at the next run.
  std::vector<std::pair<size_t, uint64_t>> pending_answers_;
};

}  // namespace slamon::collectors

#endif  // SLAMON_COLLECTORS_SIMULATOR_SIMULATION_H_
