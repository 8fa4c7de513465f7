// The simulator against queueing theory: with no abandonment its phone queue
// is M/M/N, whose service level Erlang C gives exactly (sla-semantics §7).
#include "collectors/simulator/simulation.h"

#include "proto/proto_time.h"

#include <cmath>
#include <map>

#include "gtest/gtest.h"

namespace slamon::collectors {
namespace {

// Erlang C, computed here from the textbook formula (independent of slamon).
struct ErlangC {
  double wait_probability;
  double service_level;  // P(wait <= t)
  double asa_seconds;
};
ErlangC ComputeErlangC(double arrivals_per_second, double handle_seconds, int agents, double t) {
  const double a = arrivals_per_second * handle_seconds;  // offered load in Erlangs
  double term = 1, sum = 1;                               // a^k / k!, summed for k < agents
  for (int k = 1; k < agents; ++k) {
    term *= a / k;
    sum += term;
  }
  const double last = term * a / agents * agents / (agents - a);
  const double pw = last / (sum + last);
  return {pw, 1 - pw * std::exp(-(agents - a) * t / handle_seconds), pw * handle_seconds / (agents - a)};
}

TEST(ErlangCTest, MatchesTheSemanticsCheckValues) {
  // 100 calls per 30 min, AHT 180 s, T = 20 s: 10 Erlangs.
  const ErlangC thirteen = ComputeErlangC(100.0 / 1800, 180, 13, 20);
  EXPECT_NEAR(thirteen.service_level, 0.7956, 0.00005);
  EXPECT_NEAR(thirteen.asa_seconds, 17.12, 0.005);
  const ErlangC fourteen = ComputeErlangC(100.0 / 1800, 180, 14, 20);
  EXPECT_NEAR(fourteen.service_level, 0.8884, 0.00005);
  EXPECT_NEAR(fourteen.asa_seconds, 7.84, 0.005);
}

// Waits measured from the simulator's own events, ARRIVED to ANSWERED.
struct Measured {
  int answered = 0;
  int within = 0;
  double wait_sum = 0;
};
Measured Simulate(int agents, absl::Duration horizon) {
  SimulatorConfig config;
  config.queues.push_back({"support", "phone", 200, agents, absl::Seconds(180), absl::ZeroDuration(), 0, 0});
  const absl::Time start = absl::FromUnixSeconds(1'700'000'000);
  Simulation sim(config, start, 42);
  std::map<std::string, absl::Time> arrived;
  Measured m;
  sim.RunUntil(start + horizon, [&](v1::ContactEvent e) {
    const absl::Time at = ToTime(e.occurred_at());
    if (e.kind() == v1::ARRIVED) arrived[e.contact_id()] = at;
    if (e.kind() != v1::ANSWERED) return;
    const double wait = absl::ToDoubleSeconds(at - arrived.at(e.contact_id()));
    arrived.erase(e.contact_id());
    m.answered += 1;
    m.within += wait <= 20 ? 1 : 0;
    m.wait_sum += wait;
  });
  return m;
}

TEST(SimulationTest, MatchesErlangCWithinSamplingError) {
  // 600 simulated hours: ~120,000 calls.
  for (int agents : {13, 14}) {
    const Measured m = Simulate(agents, absl::Hours(600));
    const ErlangC theory = ComputeErlangC(200.0 / 3600, 180, agents, 20);
    ASSERT_GT(m.answered, 110'000);
    std::printf("%d agents: simulated SL %.4f ASA %.2f s; Erlang C SL %.4f ASA %.2f s\n", agents,
                static_cast<double>(m.within) / m.answered, m.wait_sum / m.answered, theory.service_level,
                theory.asa_seconds);
    EXPECT_NEAR(static_cast<double>(m.within) / m.answered, theory.service_level, 0.015) << agents << " agents";
    EXPECT_NEAR(m.wait_sum / m.answered, theory.asa_seconds, 1.5) << agents << " agents";
  }
}

TEST(SimulationTest, SameSeedSameEvents) {
  SimulatorConfig config = DefaultSimulatorConfig();
  const absl::Time start = absl::FromUnixSeconds(1'700'000'000);
  auto run = [&] {
    Simulation sim(config, start, 7);
    std::vector<std::string> out;
    sim.RunUntil(start + absl::Hours(1), [&](v1::ContactEvent e) { out.push_back(e.SerializeAsString()); });
    return out;
  };
  const std::vector<std::string> a = run();
  EXPECT_GT(a.size(), 500u);
  EXPECT_EQ(a, run());
}

TEST(SimulationTest, EveryContactEndsConsistently) {
  // Each contact: ARRIVED first, then ANSWERED or ABANDONED, and an answered
  // one ends with HANDLE_ENDED, WRAPUP_ENDED and CLOSED, in time order.
  Simulation sim(DefaultSimulatorConfig(), absl::FromUnixSeconds(1'700'000'000), 3);
  std::map<std::string, std::vector<v1::EventKind>> kinds;
  absl::Time last = absl::InfinitePast();
  sim.RunUntil(absl::FromUnixSeconds(1'700'000'000) + absl::Hours(4), [&](v1::ContactEvent e) {
    const absl::Time t = ToTime(e.occurred_at());
    EXPECT_GE(t, last);
    last = t;
    kinds[e.contact_id()].push_back(e.kind());
  });
  int abandoned = 0, closed = 0;
  for (const auto& [id, k] : kinds) {
    ASSERT_EQ(k.front(), v1::ARRIVED) << id;
    if (k.size() > 1 && k[1] == v1::ABANDONED) {
      EXPECT_EQ(k.size(), 2u);
      ++abandoned;
    }
    if (k.back() == v1::CLOSED) {
      EXPECT_EQ(k[1], v1::ANSWERED);
      EXPECT_EQ(k[2], v1::HANDLE_ENDED);
      EXPECT_EQ(k[3], v1::WRAPUP_ENDED);
      ++closed;
    }
  }
  EXPECT_GT(abandoned, 0);
  EXPECT_GT(closed, 1000);
}

TEST(SimulationTest, StaffingScheduleTakesEffectAtItsTime) {
  // No agent for the first 10 minutes, then ten: nobody is answered before
  // 10:00; at 10:00 the new agents take the longest-waiting customers at once.
  SimulatorConfig config;
  QueueModel q;
  q.queue = "support";
  q.channel = "phone";
  q.arrivals_per_hour = 120;
  q.agents = 0;
  q.staffing = {{absl::Minutes(10), 10}};
  config.queues = {q};
  const absl::Time start = absl::FromUnixSeconds(1'700'000'000);
  Simulation sim(config, start, 11);
  int arrived_before = 0, answered_before = 0, answered_at_change = 0;
  sim.RunUntil(start + absl::Minutes(20), [&](v1::ContactEvent e) {
    const absl::Time t = ToTime(e.occurred_at());
    if (e.kind() == v1::ARRIVED && t < start + absl::Minutes(10)) ++arrived_before;
    if (e.kind() == v1::ANSWERED && t < start + absl::Minutes(10)) ++answered_before;
    if (e.kind() == v1::ANSWERED && t == start + absl::Minutes(10)) ++answered_at_change;
  });
  EXPECT_EQ(answered_before, 0);
  EXPECT_GT(arrived_before, 5);  // 20 expected at 120/h
  EXPECT_EQ(answered_at_change, std::min(arrived_before, 10));
}

}  // namespace
}  // namespace slamon::collectors
