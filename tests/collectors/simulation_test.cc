// The simulator against queueing theory: with no abandonment its phone queue
// is M/M/N, whose service level Erlang C gives exactly (sla-semantics §7).
#include "collectors/simulator/simulation.h"

#include "proto/proto_time.h"
#include "tests/temp_dir.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <regex>

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

// A phone queue with nobody to answer (tests add staffing or patience).
QueueModel UnstaffedPhoneQueue(double arrivals_per_hour) {
  QueueModel q;
  q.queue = "support";
  q.channel = "phone";
  q.arrivals_per_hour = arrivals_per_hour;
  q.agents = 0;
  return q;
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
  // In time order, each contact is one of these sequences (the default
  // config: e-mails acknowledged at once, phone callbacks, escalations,
  // e-mail follow-ups):
  //   ARRIVED [ACKNOWLEDGED] ABANDONED
  //   ARRIVED FLOWED_OUT(callback_requested) AGENT_REPLIED CLOSED
  //   ARRIVED [ACKNOWLEDGED] ANSWERED [ESCALATED] HANDLE_ENDED WRAPUP_ENDED [RESOLVED] [SURVEYED] CLOSED
  //   ARRIVED ACKNOWLEDGED ANSWERED [ESCALATED] HANDLE_ENDED WRAPUP_ENDED PAUSED RESUMED CUSTOMER_REPLIED
  //     AGENT_REPLIED RESOLVED [SURVEYED] CLOSED
  // Contacts still open when the run ends are left out.
  Simulation sim(DefaultSimulatorConfig(), absl::FromUnixSeconds(1'700'000'000), 3);
  std::map<std::string, std::string> shapes;  // one letter per event kind
  std::map<std::string, std::string> channel_of;
  absl::Time last = absl::InfinitePast();
  // A day: the default phone queue meets its goal, so few callers abandon.
  sim.RunUntil(absl::FromUnixSeconds(1'700'000'000) + absl::Hours(24), [&](v1::ContactEvent e) {
    const absl::Time t = ToTime(e.occurred_at());
    EXPECT_GE(t, last);
    last = t;
    if (e.kind() == v1::ARRIVED) channel_of[e.contact_id()] = e.channel();
    if (e.kind() == v1::FLOWED_OUT) {
      EXPECT_EQ(e.flow_out_reason(), v1::CALLBACK_REQUESTED);
    }
    if (e.kind() == v1::ESCALATED) {
      EXPECT_EQ(e.escalation_level(), 1);
    }
    constexpr std::pair<v1::EventKind, char> kLetters[] = {
        {v1::ARRIVED, 'A'},       {v1::ACKNOWLEDGED, 'K'},  {v1::ABANDONED, 'X'},    {v1::FLOWED_OUT, 'F'},
        {v1::AGENT_REPLIED, 'R'}, {v1::CLOSED, 'C'},        {v1::ANSWERED, 'N'},     {v1::ESCALATED, 'E'},
        {v1::HANDLE_ENDED, 'H'},  {v1::WRAPUP_ENDED, 'W'},  {v1::RESOLVED, 'V'},     {v1::SURVEYED, 'S'},
        {v1::PAUSED, 'P'},        {v1::RESUMED, 'U'},       {v1::CUSTOMER_REPLIED, 'Q'}};
    char letter = '?';
    for (const auto& [kind, l] : kLetters) {
      if (kind == e.kind()) letter = l;
    }
    shapes[e.contact_id()] += letter;
  });
  const std::regex done("AK?X|AFRC|AK?NE?HWV?S?C|AKNE?HWPUQRVS?C");
  std::map<std::string, int> counts;  // closed shapes, by what they show
  for (const auto& [id, shape] : shapes) {
    const std::string& channel = channel_of[id];
    ASSERT_FALSE(channel.empty()) << id << " " << shape;
    // Acknowledged if and only if e-mail.
    EXPECT_EQ(shape.size() > 1 && shape[1] == 'K', channel == "email") << id << " " << shape;
    if (shape.back() != 'C' && shape.back() != 'X') continue;  // still open at the end
    EXPECT_TRUE(std::regex_match(shape, done)) << id << " " << shape;
    if (shape == "AFRC") {
      EXPECT_EQ(channel, "phone") << id;
      counts["callback"] += 1;
    }
    if (shape.find('X') != std::string::npos) counts["abandoned"] += 1;
    if (shape.find('E') != std::string::npos) counts["escalated"] += 1;
    if (shape.find('W') != std::string::npos) counts["handled"] += 1;
    if (shape.find('P') != std::string::npos) counts["followed up"] += 1;
  }
  EXPECT_GT(counts["abandoned"], 0);
  EXPECT_GT(counts["callback"], 0);
  EXPECT_GT(counts["escalated"], 0);
  EXPECT_GT(counts["handled"], 1000);
  EXPECT_GT(counts["followed up"], 100);  // a quarter of ~700 e-mails, most closed within the day
}

TEST(SimulationTest, FollowUpsPauseUntilTheCustomerReplies) {
  // Agents to spare (33 Erlangs, 60 agents): every e-mail is answered. 40 %
  // of the handled ones pause for the customer (binomial over ~3,000:
  // sigma 0.9 %); the customer replies after 30 min on average, the agent
  // 15 min after that (exponential: over ~1,000 samples, sigma 1 and 0.5
  // min). Delays are measured only for steps that began 6 h before the end,
  // so that the end of the run cuts off none of them (e^-12).
  QueueModel q;
  q.queue = "inbox";
  q.channel = "email";
  q.arrivals_per_hour = 200;
  q.agents = 60;
  q.handle = absl::Minutes(10);
  q.survey = 0;
  q.follow_up = 0.4;
  q.customer_reply_after = absl::Minutes(30);
  q.agent_reply_after = absl::Minutes(15);
  const SimulatorConfig config{.queues = {q}};
  const absl::Time start = absl::FromUnixSeconds(1'700'000'000);
  const absl::Time end = start + absl::Hours(21);
  const absl::Time measured_until = end - absl::Hours(6);
  Simulation sim(config, start, 23);
  std::map<std::string, std::vector<std::pair<v1::EventKind, absl::Time>>> contacts;
  std::map<std::string, bool> resolved_first_contact;
  sim.RunUntil(end, [&](v1::ContactEvent e) {
    contacts[e.contact_id()].emplace_back(e.kind(), ToTime(e.occurred_at()));
    if (e.kind() == v1::RESOLVED) resolved_first_contact[e.contact_id()] = e.first_contact_resolution();
  });
  int handled = 0, followed_up = 0, customer_replies = 0, agent_replies = 0;
  double customer_delay_sum = 0, agent_delay_sum = 0;
  const std::vector<v1::EventKind> kFollowUp = {v1::ARRIVED,     v1::ANSWERED, v1::HANDLE_ENDED,     v1::WRAPUP_ENDED,
                                                v1::PAUSED,      v1::RESUMED,  v1::CUSTOMER_REPLIED, v1::AGENT_REPLIED,
                                                v1::RESOLVED,    v1::CLOSED};
  for (const auto& [id, events] : contacts) {
    std::vector<v1::EventKind> kinds;
    for (const auto& [kind, at] : events) kinds.push_back(kind);
    const auto wrapped = std::find(kinds.begin(), kinds.end(), v1::WRAPUP_ENDED);
    if (wrapped == kinds.end() || events[wrapped - kinds.begin()].second >= measured_until) continue;
    ++handled;
    if (wrapped + 1 == kinds.end() || *(wrapped + 1) != v1::PAUSED) {
      // Resolved or not at first contact, never paused.
      EXPECT_EQ(kinds.back(), v1::CLOSED) << id;
      if (resolved_first_contact.contains(id)) {
        EXPECT_TRUE(resolved_first_contact[id]) << id;
      }
      continue;
    }
    ++followed_up;
    // The whole sequence, RESUMED with the customer's reply, and the
    // agent's reply resolving (without the first-contact flag) and closing.
    EXPECT_EQ(kinds, kFollowUp) << id;
    if (kinds != kFollowUp) continue;
    const absl::Time paused = events[4].second, resumed = events[5].second, customer_replied = events[6].second,
                     agent_replied = events[7].second, closed = events[9].second;
    EXPECT_EQ(resumed, customer_replied) << id;
    EXPECT_EQ(agent_replied, closed) << id;
    EXPECT_FALSE(resolved_first_contact[id]) << id;
    ++customer_replies;
    customer_delay_sum += absl::ToDoubleMinutes(customer_replied - paused);
    if (customer_replied < measured_until) {
      ++agent_replies;
      agent_delay_sum += absl::ToDoubleMinutes(agent_replied - customer_replied);
    }
  }
  ASSERT_GT(handled, 2800);  // 200/h over 15 h
  EXPECT_NEAR(static_cast<double>(followed_up) / handled, 0.4, 0.03);
  EXPECT_NEAR(customer_delay_sum / customer_replies, 30, 3);
  EXPECT_NEAR(agent_delay_sum / agent_replies, 15, 1.5);
}

TEST(SimulationTest, CallbacksTakeTheShareOfAbandonsTheyAreGiven) {
  // No agents: every caller runs out of patience. With callback_share 0.3,
  // 30 % of them ask for a callback (binomial over 2,000: sigma 1 %), and
  // each callback comes callback_after (mean, exponential) after that.
  QueueModel q = UnstaffedPhoneQueue(500);
  q.patience = absl::Seconds(30);
  q.callback_share = 0.3;
  q.callback_after = absl::Minutes(10);
  const SimulatorConfig config{.queues = {q}};
  const absl::Time start = absl::FromUnixSeconds(1'700'000'000);
  Simulation sim(config, start, 19);
  std::map<std::string, absl::Time> flowed_out_at;
  int abandoned = 0, flowed_out = 0, called_back = 0;
  double delay_sum = 0;
  sim.RunUntil(start + absl::Hours(4), [&](v1::ContactEvent e) {
    const absl::Time t = ToTime(e.occurred_at());
    if (e.kind() == v1::ABANDONED) ++abandoned;
    if (e.kind() == v1::FLOWED_OUT) {
      ++flowed_out;
      flowed_out_at[e.contact_id()] = t;
    }
    if (e.kind() == v1::AGENT_REPLIED) {
      ASSERT_TRUE(flowed_out_at.contains(e.contact_id()));
      ++called_back;
      delay_sum += absl::ToDoubleMinutes(t - flowed_out_at[e.contact_id()]);
    }
  });
  const int gave_up = abandoned + flowed_out;
  ASSERT_GT(gave_up, 1900);  // 2,000 expected in 4 h at 500/h
  EXPECT_NEAR(static_cast<double>(flowed_out) / gave_up, 0.3, 0.03);
  // Callbacks still pending at the end (Little's law): 150 flow-outs/h x 10
  // min = 25 on average, Poisson sigma 5.
  EXPECT_NEAR(flowed_out - called_back, 25, 20);
  EXPECT_NEAR(delay_sum / called_back, 10, 1.5);  // exponential, mean 10 min, ~600 samples: sigma 0.4
}

TEST(SimulationTest, StaffingScheduleTakesEffectAtItsTime) {
  // No agent for the first 10 minutes, then ten: nobody is answered before
  // 10:00; at 10:00 the new agents take the longest-waiting customers at once.
  QueueModel q = UnstaffedPhoneQueue(120);
  q.staffing = {{absl::Minutes(10), 10}};
  const SimulatorConfig config{.queues = {q}};
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

TEST(SimulatorConfigTest, ReadsEveryKey) {
  testing::TempDir dir;
  const std::string path = dir.Write("sim.yaml", R"(source: pbx-sim
queues:
  - queue: support
    channel: phone
    arrivals_per_hour: 120
    agents: 9
    handle: 4m
    patience: 90s
    first_contact_resolution: 0.5
    survey: 0.25
    callback_share: 0.4
    callback_after: 15m
    escalation: 0.02
    follow_up: 0.1
    customer_reply_after: 3h
    agent_reply_after: 45m
  - queue: inbox
    channel: email
    auto_acknowledge: true
)");
  const absl::StatusOr<SimulatorConfig> config = LoadSimulatorConfig(path);
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ(config->source, "pbx-sim");
  ASSERT_EQ(config->queues.size(), 2u);
  const QueueModel& phone = config->queues[0];
  EXPECT_EQ(phone.arrivals_per_hour, 120);
  EXPECT_EQ(phone.agents, 9);
  EXPECT_EQ(phone.handle, absl::Minutes(4));
  EXPECT_EQ(phone.patience, absl::Seconds(90));
  EXPECT_EQ(phone.first_contact_resolution, 0.5);
  EXPECT_EQ(phone.survey, 0.25);
  EXPECT_EQ(phone.callback_share, 0.4);
  EXPECT_EQ(phone.callback_after, absl::Minutes(15));
  EXPECT_EQ(phone.escalation, 0.02);
  EXPECT_EQ(phone.follow_up, 0.1);
  EXPECT_EQ(phone.customer_reply_after, absl::Hours(3));
  EXPECT_EQ(phone.agent_reply_after, absl::Minutes(45));
  EXPECT_FALSE(phone.auto_acknowledge);
  const QueueModel& email = config->queues[1];
  EXPECT_TRUE(email.auto_acknowledge);
  EXPECT_EQ(email.callback_share, 0);
  EXPECT_EQ(email.escalation, 0);
  EXPECT_EQ(email.follow_up, 0);
}

TEST(SimulatorConfigTest, AShareOutsideZeroToOneNamesFileLineAndKey) {
  testing::TempDir dir;
  const std::string path = dir.Write("sim.yaml", "queues:\n  - queue: q\n    channel: phone\n    callback_share: 1.5\n");
  const absl::StatusOr<SimulatorConfig> config = LoadSimulatorConfig(path);
  ASSERT_FALSE(config.ok());
  EXPECT_EQ(config.status().message(), path + ":4: queues[0].callback_share: a share between 0 and 1");
}

}  // namespace
}  // namespace slamon::collectors
