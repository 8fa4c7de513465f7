#include "collectors/simulator/simulation.h"

#include "absl/strings/str_cat.h"
#include "proto/proto_time.h"
#include "common/duration.h"
#include "yaml-cpp/yaml.h"

namespace slamon::collectors {

SimulatorConfig DefaultSimulatorConfig() {
  SimulatorConfig c;
  // 200 calls/h at 180 s is 10 Erlangs: 14 agents answer ~89 % within 20 s
  // (Erlang C), above the 80 % goal even before patience helps. The others
  // run at 50-70 % occupancy.
  c.queues.push_back({"support", "phone", 200, 14, absl::Seconds(180), absl::Seconds(120), 0.7, 0.2});
  // A third of those who run out of patience ask for a callback, due within
  // the built-in 30 minutes: most are met, some miss.
  c.queues.back().callback_share = 0.3;
  c.queues.back().callback_after = absl::Minutes(20);
  c.queues.back().escalation = 0.05;
  c.queues.push_back({"inbox", "email", 30, 7, absl::Minutes(10), absl::ZeroDuration(), 0.6, 0.1});
  c.queues.back().auto_acknowledge = true;
  c.queues.back().escalation = 0.1;
  // A quarter of e-mails need the customer's answer: their cases pause, and
  // CUSTOMER_REPLIED / AGENT_REPLIED follow hours later.
  c.queues.back().follow_up = 0.25;
  c.queues.push_back({"web", "chat", 60, 7, absl::Minutes(5), absl::Minutes(3), 0.8, 0.3});
  c.queues.push_back({"branch", "in_person", 20, 6, absl::Minutes(10), absl::Minutes(15), 0.9, 0.2});
  return c;
}

absl::StatusOr<SimulatorConfig> LoadSimulatorConfig(const std::string& path) {
  SimulatorConfig c;
  try {
    const YAML::Node root = YAML::LoadFile(path);
    if (root["source"]) c.source = root["source"].as<std::string>();
    const YAML::Node queues = root["queues"];
    if (!queues.IsSequence() || queues.size() == 0) {
      return absl::InvalidArgumentError(absl::StrCat(path, ": queues: expected a non-empty list"));
    }
    for (size_t i = 0; i < queues.size(); ++i) {
      const YAML::Node q = queues[i];
      const std::string where = absl::StrCat(path, ":", q.Mark().line + 1, ": queues[", i, "]");
      // An error in one key names that key's own line.
      const auto key_at = [&](const char* key) {
        return absl::StrCat(path, ":", q[key].Mark().line + 1, ": queues[", i, "].", key);
      };
      QueueModel m;
      m.queue = q["queue"].as<std::string>("");
      m.channel = q["channel"].as<std::string>("");
      if (m.queue.empty() || m.channel.empty()) {
        return absl::InvalidArgumentError(absl::StrCat(where, ": queue and channel are required"));
      }
      m.arrivals_per_hour = q["arrivals_per_hour"].as<double>(m.arrivals_per_hour);
      m.agents = q["agents"].as<int>(m.agents);
      m.auto_acknowledge = q["auto_acknowledge"].as<bool>(m.auto_acknowledge);
      for (auto [key, share] : {std::pair{"first_contact_resolution", &m.first_contact_resolution},
                                std::pair{"survey", &m.survey}, std::pair{"callback_share", &m.callback_share},
                                std::pair{"escalation", &m.escalation}, std::pair{"follow_up", &m.follow_up}}) {
        *share = q[key].as<double>(*share);
        if (*share < 0 || *share > 1) {
          return absl::InvalidArgumentError(absl::StrCat(key_at(key), ": a share between 0 and 1"));
        }
      }
      for (auto [key, slot] : {std::pair{"handle", &m.handle}, std::pair{"patience", &m.patience},
                               std::pair{"callback_after", &m.callback_after},
                               std::pair{"customer_reply_after", &m.customer_reply_after},
                               std::pair{"agent_reply_after", &m.agent_reply_after}}) {
        if (!q[key]) continue;
        absl::StatusOr<absl::Duration> d = ParseHumanDuration(q[key].as<std::string>());
        if (!d.ok()) return absl::InvalidArgumentError(absl::StrCat(key_at(key), ": ", d.status().message()));
        *slot = *d;
      }
      if (const YAML::Node staffing = q["staffing"]) {
        for (size_t k = 0; k < staffing.size(); ++k) {
          const std::string at = absl::StrCat(where, ".staffing[", k, "]");
          absl::StatusOr<absl::Duration> after = ParseHumanDuration(staffing[k]["after"].as<std::string>(""));
          const int agents = staffing[k]["agents"].as<int>(-1);
          if (!after.ok() || agents < 0) {
            return absl::InvalidArgumentError(absl::StrCat(at, ": needs after (a duration) and agents (0 or more)"));
          }
          m.staffing.push_back({*after, agents});
        }
      }
      if (m.arrivals_per_hour <= 0 || m.agents < 0 || m.handle <= absl::ZeroDuration()) {
        return absl::InvalidArgumentError(
            absl::StrCat(where, ": arrivals_per_hour and handle must be positive, agents at least 0"));
      }
      c.queues.push_back(m);
    }
  } catch (const YAML::Exception& e) {
    return absl::InvalidArgumentError(absl::StrCat(path, ":", e.mark.line + 1, ": ", e.msg));
  }
  return c;
}

Simulation::Simulation(SimulatorConfig config, absl::Time start, uint64_t seed)
    : source_(config.source),
      run_id_(absl::StrCat(absl::ToUnixMillis(start), "-", seed)),
      rng_(seed),
      now_(start) {
  for (size_t i = 0; i < config.queues.size(); ++i) {
    QueueState q;
    q.model = config.queues[i];
    q.free_agents = q.staffed = q.model.agents;
    queues_.push_back(std::move(q));
    Schedule(start + Exponential(absl::Hours(1) / queues_[i].model.arrivals_per_hour), Step::kArrival, i, 0);
    for (const StaffingChange& change : queues_[i].model.staffing) {
      Schedule(start + change.after, Step::kStaffing, i, static_cast<uint64_t>(change.agents));
    }
  }
}

absl::Duration Simulation::Exponential(absl::Duration mean) {
  std::exponential_distribution<double> d(1.0);
  return d(rng_) * mean;
}

bool Simulation::Chance(double p) {
  if (p <= 0) return false;
  std::uniform_real_distribution<double> u(0, 1);
  return u(rng_) < p;
}

void Simulation::Schedule(absl::Time at, Step step, size_t queue, uint64_t customer) {
  agenda_.push({at, next_order_++, step, queue, customer});
}

v1::ContactEvent Simulation::MakeEvent(v1::EventKind kind, size_t queue, uint64_t customer) {
  v1::ContactEvent e;
  e.set_kind(kind);
  e.set_source(source_);
  e.set_event_id(absl::StrCat(run_id_, "-", next_event_++));
  e.set_contact_id(absl::StrCat(queues_[queue].model.queue, "-", run_id_, "-", customer));
  SetTimestamp(now_, e.mutable_occurred_at());
  return e;
}

void Simulation::SetAgents(size_t queue, int agents) {
  QueueState& q = queues_[queue];
  const int added = agents - q.staffed;
  q.staffed = agents;
  if (added > 0) {
    q.free_agents += added;
    // New agents take waiting customers at once.
    while (q.free_agents > 0 && !q.waiting.empty()) {
      const uint64_t next = q.waiting.front();
      q.waiting.pop_front();
      if (!customers_[next].waiting) continue;
      q.free_agents -= 1;
      pending_answers_.push_back({queue, next});
    }
  } else {
    // Free agents leave now; busy ones when their contact ends.
    q.free_agents = std::max(0, q.free_agents + added);
  }
}

void Simulation::Answer(size_t queue, uint64_t customer, const Emit& emit) {
  Customer& c = customers_[customer];
  c.waiting = false;
  queues_[queue].busy += 1;
  v1::ContactEvent e = MakeEvent(v1::ANSWERED, queue, customer);
  e.set_agent(absl::StrCat(queues_[queue].model.queue, "-agent"));
  emit(std::move(e));
  Schedule(now_ + c.handle * 0.9, Step::kTalkEnd, queue, customer);
}

void Simulation::Conclude(size_t queue, uint64_t customer, bool first_contact, const Emit& emit) {
  const QueueModel& model = queues_[queue].model;
  std::uniform_real_distribution<double> u(0, 1);
  // Drawn at first contact only, as before follow-ups existed, so that a
  // seed replays the same events for models without them.
  if (!first_contact || u(rng_) < model.first_contact_resolution) {
    v1::ContactEvent e = MakeEvent(v1::RESOLVED, queue, customer);
    e.set_first_contact_resolution(first_contact);
    emit(std::move(e));
  }
  if (u(rng_) < model.survey) {
    v1::ContactEvent e = MakeEvent(v1::SURVEYED, queue, customer);
    e.set_csat_score(1 + std::floor(u(rng_) * 5));
    e.set_csat_scale(5);
    emit(std::move(e));
  }
  emit(MakeEvent(v1::CLOSED, queue, customer));
}

void Simulation::Process(const Pending& p, const Emit& emit) {
  QueueState& q = queues_[p.queue];
  switch (p.step) {
    case Step::kArrival: {
      const uint64_t id = next_customer_++;
      customers_[id] = Customer{true, Exponential(q.model.handle)};
      v1::ContactEvent e = MakeEvent(v1::ARRIVED, p.queue, id);
      e.set_queue(q.model.queue);
      e.set_channel(q.model.channel);
      emit(std::move(e));
      if (q.model.auto_acknowledge) emit(MakeEvent(v1::ACKNOWLEDGED, p.queue, id));
      Schedule(now_ + Exponential(absl::Hours(1) / q.model.arrivals_per_hour), Step::kArrival, p.queue, 0);
      if (q.free_agents > 0) {
        q.free_agents -= 1;
        Answer(p.queue, id, emit);
      } else {
        q.waiting.push_back(id);
        if (q.model.patience > absl::ZeroDuration()) {
          Schedule(now_ + Exponential(q.model.patience), Step::kAbandon, p.queue, id);
        }
      }
      break;
    }
    case Step::kAbandon: {
      auto it = customers_.find(p.customer);
      if (it == customers_.end() || !it->second.waiting) break;  // answered meanwhile
      if (Chance(q.model.callback_share)) {
        v1::ContactEvent e = MakeEvent(v1::FLOWED_OUT, p.queue, p.customer);
        e.set_flow_out_reason(v1::CALLBACK_REQUESTED);
        emit(std::move(e));
        Schedule(now_ + Exponential(q.model.callback_after), Step::kCallback, p.queue, p.customer);
      } else {
        emit(MakeEvent(v1::ABANDONED, p.queue, p.customer));
      }
      customers_.erase(it);  // its id stays in q.waiting and is skipped there
      break;
    }
    case Step::kCallback: {
      v1::ContactEvent e = MakeEvent(v1::AGENT_REPLIED, p.queue, p.customer);
      e.set_agent(absl::StrCat(q.model.queue, "-agent"));
      emit(std::move(e));
      emit(MakeEvent(v1::CLOSED, p.queue, p.customer));
      break;
    }
    case Step::kStaffing:
      SetAgents(p.queue, static_cast<int>(p.customer));
      for (const auto& [queue, customer] : pending_answers_) Answer(queue, customer, emit);
      pending_answers_.clear();
      break;
    case Step::kTalkEnd:
      if (Chance(q.model.escalation)) {
        v1::ContactEvent e = MakeEvent(v1::ESCALATED, p.queue, p.customer);
        e.set_escalation_level(1);
        emit(std::move(e));
      }
      emit(MakeEvent(v1::HANDLE_ENDED, p.queue, p.customer));
      Schedule(now_ + customers_[p.customer].handle * 0.1, Step::kWrapEnd, p.queue, p.customer);
      break;
    case Step::kCustomerReply:
      emit(MakeEvent(v1::RESUMED, p.queue, p.customer));
      emit(MakeEvent(v1::CUSTOMER_REPLIED, p.queue, p.customer));
      Schedule(now_ + Exponential(q.model.agent_reply_after), Step::kAgentReply, p.queue, p.customer);
      break;
    case Step::kAgentReply: {
      v1::ContactEvent e = MakeEvent(v1::AGENT_REPLIED, p.queue, p.customer);
      e.set_agent(absl::StrCat(q.model.queue, "-agent"));
      emit(std::move(e));
      Conclude(p.queue, p.customer, /*first_contact=*/false, emit);
      break;
    }
    case Step::kWrapEnd: {
      emit(MakeEvent(v1::WRAPUP_ENDED, p.queue, p.customer));
      if (Chance(q.model.follow_up)) {
        emit(MakeEvent(v1::PAUSED, p.queue, p.customer));
        Schedule(now_ + Exponential(q.model.customer_reply_after), Step::kCustomerReply, p.queue, p.customer);
      } else {
        Conclude(p.queue, p.customer, /*first_contact=*/true, emit);
      }
      customers_.erase(p.customer);
      q.busy -= 1;
      if (q.busy + q.free_agents >= q.staffed) break;  // staffing was cut: this agent leaves
      // The agent takes the longest-waiting customer, or becomes free.
      while (!q.waiting.empty()) {
        const uint64_t next = q.waiting.front();
        q.waiting.pop_front();
        auto it = customers_.find(next);
        if (it != customers_.end() && it->second.waiting) {
          Answer(p.queue, next, emit);
          return;
        }
      }
      q.free_agents += 1;
      break;
    }
  }
}

void Simulation::RunUntil(absl::Time until, const Emit& emit) {
  for (const auto& [queue, customer] : pending_answers_) Answer(queue, customer, emit);
  pending_answers_.clear();
  while (!agenda_.empty() && agenda_.top().at <= until) {
    const Pending p = agenda_.top();
    agenda_.pop();
    now_ = p.at;
    Process(p, emit);
  }
  now_ = std::max(now_, until);
}

}  // namespace slamon::collectors
