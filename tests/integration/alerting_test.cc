// End to end, with the real tools: slamond fed by the simulator with an
// unstaffed queue, a real Prometheus scraping it with the shipped rules, a real
// Alertmanager with the shipped routing, and a webhook receiver here. The
// breach pages with the right labels, and resolves once agents arrive. Every
// expression of every shipped rule file is also run against that Prometheus.
// And an alert that depends on a series being exported before it counts.
//
// It takes about eight minutes of real time (the page waits `for: 2m`, and the
// 5-minute burn window must recover), so it runs once, in the release stage.
#include <algorithm>
#include <atomic>
#include <cctype>
#include <memory>
#include <optional>
#include <utility>
#include <mutex>
#include <thread>

#include <boost/asio.hpp>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/integration/harness.h"
#include "yaml-cpp/yaml.h"

namespace slamon {
namespace {

using ::testing::HasSubstr;
using testing::Daemon;
using testing::Process;
using testing::TempDir;

// Collects the bodies Alertmanager posts; answers 200 to each.
class WebhookReceiver {
 public:
  explicit WebhookReceiver(int port)
      : acceptor_(io_, {boost::asio::ip::make_address("127.0.0.1"), static_cast<unsigned short>(port)}) {
    thread_ = std::thread([this] { Serve(); });
  }
  ~WebhookReceiver() {
    stopping_ = true;
    // A blocking accept() does not return when the socket is closed from
    // another thread: connect once to wake it.
    boost::system::error_code ec;
    boost::asio::ip::tcp::socket wake(io_);
    wake.connect(acceptor_.local_endpoint(ec), ec);
    thread_.join();
  }
  std::vector<std::string> bodies() const {
    std::lock_guard lock(mu_);
    return bodies_;
  }
  // Waits until some body contains every one of `parts`.
  std::optional<std::string> WaitFor(const std::vector<std::string>& parts, absl::Duration timeout) const {
    const absl::Time deadline = absl::Now() + timeout;
    while (absl::Now() < deadline) {
      for (const std::string& body : bodies()) {
        if (std::all_of(parts.begin(), parts.end(), [&](const std::string& p) { return absl::StrContains(body, p); })) {
          return body;
        }
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(500));
    }
    return std::nullopt;
  }

 private:
  void Serve() {
    while (!stopping_) {
      boost::asio::ip::tcp::socket socket(io_);
      boost::system::error_code ec;
      acceptor_.accept(socket, ec);
      if (ec || stopping_) continue;
      std::string request;
      // Headers, then Content-Length bytes of body.
      size_t header_end = std::string::npos;
      while ((header_end = request.find("\r\n\r\n")) == std::string::npos && !ec) {
        char buf[4096];
        const size_t n = socket.read_some(boost::asio::buffer(buf), ec);
        request.append(buf, n);
      }
      if (ec) continue;
      size_t length = 0;
      const size_t cl = request.find("Content-Length: ");
      if (cl != std::string::npos) length = std::stoul(request.substr(cl + 16));
      while (request.size() < header_end + 4 + length && !ec) {
        char buf[4096];
        const size_t n = socket.read_some(boost::asio::buffer(buf), ec);
        request.append(buf, n);
      }
      {
        std::lock_guard lock(mu_);
        bodies_.push_back(request.substr(header_end + 4));
      }
      const std::string response = "HTTP/1.1 200 OK\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";
      boost::asio::write(socket, boost::asio::buffer(response), ec);
    }
  }

  boost::asio::io_context io_;
  boost::asio::ip::tcp::acceptor acceptor_;
  std::atomic<bool> stopping_{false};
  mutable std::mutex mu_;
  std::vector<std::string> bodies_;
  std::thread thread_;
};

std::string UrlEncode(absl::string_view s) {
  std::string out;
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out.push_back(static_cast<char>(c));
    } else {
      out += absl::StrCat("%", absl::Hex(c, absl::kZeroPad2));
    }
  }
  return out;
}

// Every "expr" string of a dashboard file, unescaped, with Grafana's
// variables replaced by what "All" and a 1-minute rate interval mean.
std::vector<std::string> DashboardExpressions(const std::string& json) {
  std::vector<std::string> out;
  const std::string key = "\"expr\": \"";
  for (size_t at = json.find(key); at != std::string::npos; at = json.find(key, at)) {
    std::string expr;
    size_t i = at + key.size();
    for (; i < json.size() && json[i] != '"'; ++i) {
      if (json[i] == '\\' && i + 1 < json.size()) ++i;  // \" and \\ in JSON
      expr.push_back(json[i]);
    }
    at = i;
    out.push_back(absl::StrReplaceAll(expr, {{"$queue", ".*"}, {"$channel", ".*"}, {"$__rate_interval", "1m"}}));
  }
  return out;
}

// A real Prometheus with the shipped rules, scraping `daemon` and evaluating
// every `interval` (short, to keep the tests short); alerts go to
// `alertmanager_address` when one is given.
std::unique_ptr<Process> StartPrometheus(const TempDir& dir, const Daemon& daemon, const std::string& address,
                                         const std::string& interval, const std::string& alertmanager_address = "") {
  const std::string rules = testing::SourcePath("deploy/prometheus/rules");
  std::string config = absl::StrCat(R"(
global: { scrape_interval: )", interval, ", evaluation_interval: ", interval, R"( }
rule_files: [")", rules, R"(/slamon-recording.yml", ")", rules, R"(/slamon-alerts.yml"]
scrape_configs:
  - job_name: slamon
    static_configs: [{ targets: [")", daemon.metrics_address(), R"("] }]
)");
  if (!alertmanager_address.empty()) {
    absl::StrAppend(&config, R"(alerting:
  alertmanagers: [{ static_configs: [{ targets: [")", alertmanager_address, R"("] }] }]
)");
  }
  return std::make_unique<Process>(
      std::vector<std::string>{"prometheus", "--config.file=" + dir.Write("prometheus.yml", config),
                               "--storage.tsdb.path=" + dir.path() + "/tsdb", "--web.listen-address=" + address},
      dir.path() + "/prometheus.log");
}

// Runs `expr` against Prometheus until it returns a sample; its answer then,
// or nullopt after `timeout`.
std::optional<std::string> QueryUntilResult(const std::string& prometheus_address, const std::string& expr,
                                            absl::Duration timeout) {
  const absl::Time deadline = absl::Now() + timeout;
  while (absl::Now() < deadline) {
    const std::string result = testing::HttpGet(prometheus_address, "/api/v1/query?query=" + UrlEncode(expr));
    if (absl::StrContains(result, R"("result":[{)")) return result;
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
  }
  return std::nullopt;
}

constexpr char kDaemonConfig[] = R"(
policies:
  - name: phone
    match: { channel: phone }
    objectives: { answer: { threshold: 10s, goal: 0.8, formula: abandons_in } }
  - name: email
    match: { channel: email }
    objectives:
      acknowledge: { threshold: 30s, warn_at: 0.5 }
      resolution: { threshold: 2m, warn_at: 0.5 }
)";

// One call every 2 s and nobody to answer for four minutes: callers give up
// after 20 s on average, every one a miss. Then 60 agents answer everyone.
// E-mails every 6 s wait unacknowledged for the same four minutes (items
// breach while open), then are answered and closed within a minute.
constexpr char kSimulatorConfig[] = R"(
source: e2e
queues:
  - queue: support
    channel: phone
    arrivals_per_hour: 1800
    agents: 0
    handle: 20s
    patience: 20s
    survey: 0.3
    escalation: 0.1
    staffing: [{ after: 4m, agents: 60 }]
  - queue: inbox
    channel: email
    arrivals_per_hour: 600
    agents: 0
    handle: 40s
    first_contact_resolution: 0.5
    staffing: [{ after: 4m, agents: 30 }]
)";

TEST(AlertingTest, UnstaffedQueuePagesThroughAlertmanagerAndResolvesWhenStaffed) {
  TempDir dir;
  const int prometheus_port = testing::FreePort();
  const int alertmanager_port = testing::FreePort();
  const int webhook_port = testing::FreePort();
  WebhookReceiver receiver(webhook_port);
  Daemon daemon(kDaemonConfig);
  ASSERT_FALSE(daemon.metrics_address().empty());

  // The shipped routing, with its webhooks pointed here.
  std::string routing = testing::ReadFile(testing::SourcePath("deploy/alertmanager/alertmanager.yml"));
  routing = absl::StrReplaceAll(routing, {{"http://127.0.0.1:9095", absl::StrCat("http://127.0.0.1:", webhook_port)}});
  const std::string alertmanager_address = absl::StrCat("127.0.0.1:", alertmanager_port);
  Process alertmanager({"prometheus-alertmanager", "--config.file=" + dir.Write("alertmanager.yml", routing),
                        "--storage.path=" + dir.path() + "/am", "--web.listen-address=" + alertmanager_address,
                        "--cluster.listen-address="},
                       dir.path() + "/alertmanager.log");

  // Scrape and evaluation every 5 s.
  const std::string rules = testing::SourcePath("deploy/prometheus/rules");
  const std::string prometheus_address = absl::StrCat("127.0.0.1:", prometheus_port);
  const std::unique_ptr<Process> prometheus =
      StartPrometheus(dir, daemon, prometheus_address, "5s", alertmanager_address);

  Process simulator({testing::BinaryPath("collectors/simulator/slamon-simulator"), "--daemon", daemon.grpc_address(),
                     "--config", dir.Write("simulator.yaml", kSimulatorConfig), "--speed", "1", "--duration", "12m",
                     "--seed", "5"},
                    dir.path() + "/simulator.log");

  const std::optional<std::string> page = receiver.WaitFor(
      {R"("status":"firing")", R"("alertname":"SlamonAnswerBudgetBurningFast")"}, absl::Minutes(6));
  ASSERT_TRUE(page.has_value()) << "no page; prometheus alerts: "
                                << testing::HttpGet(prometheus_address, "/api/v1/alerts");
  EXPECT_THAT(*page, HasSubstr(R"("receiver":"on-call")"));
  EXPECT_THAT(*page, HasSubstr(R"("queue":"support")"));
  EXPECT_THAT(*page, HasSubstr(R"("channel":"phone")"));
  EXPECT_THAT(*page, HasSubstr(R"("policy":"phone")"));
  EXPECT_THAT(*page, HasSubstr(R"("severity":"page")"));
  EXPECT_THAT(*page, HasSubstr(R"("formula":"abandons_in")"));
  EXPECT_THAT(*page, HasSubstr("docs/runbooks.md#slamonanswerbudgetburningfast"));

  const std::optional<std::string> resolved = receiver.WaitFor(
      {R"("status":"resolved")", R"("alertname":"SlamonAnswerBudgetBurningFast")", R"("queue":"support")"},
      absl::Minutes(7));
  EXPECT_TRUE(resolved.has_value()) << "the page did not resolve; prometheus alerts: "
                                    << testing::HttpGet(prometheus_address, "/api/v1/alerts");
  // The e-mails left unacknowledged breached while open: Prometheus saw it.
  const std::string breached = testing::HttpGet(
      prometheus_address,
      "/api/v1/query?query=" + UrlEncode(R"(max_over_time(slamon_objective_open_items{queue="inbox",)"
                                         R"(objective="acknowledge",state="breached"}[15m]) > 0)"));
  EXPECT_THAT(breached, HasSubstr(R"("result":[{)")) << breached;
  // Every expression of every shipped rule file runs against this
  // Prometheus; recording rules return data (now that there are answers as
  // well as abandons, every formula has a denominator).
  for (const char* file : {"slamon-recording.yml", "slamon-alerts.yml"}) {
    const YAML::Node doc = YAML::LoadFile(absl::StrCat(rules, "/", file));
    for (const YAML::Node& group : doc["groups"]) {
      for (const YAML::Node& rule : group["rules"]) {
        const std::string expr = rule["expr"].as<std::string>();
        const std::string result =
            testing::HttpGet(prometheus_address, "/api/v1/query?query=" + UrlEncode(expr));
        EXPECT_THAT(result, HasSubstr(R"("status":"success")")) << file << ": " << expr;
        if (rule["record"]) {
          EXPECT_THAT(result, HasSubstr(R"("result":[{)")) << file << ": " << rule["record"].as<std::string>();
        }
      }
    }
  }

  // Every query of every shipped dashboard: panels return data; the breach
  // annotation (ALERTS, empty once resolved) must run.
  int dashboard_queries = 0;
  for (const char* file :
       {"slamon-wallboard.json", "slamon-queue-detail.json", "slamon-backlog.json", "slamon-health.json"}) {
    for (const std::string& expr : DashboardExpressions(testing::ReadFile(testing::SourcePath("dashboards/") + file))) {
      ++dashboard_queries;
      const std::string result = testing::HttpGet(prometheus_address, "/api/v1/query?query=" + UrlEncode(expr));
      EXPECT_THAT(result, HasSubstr(R"("status":"success")")) << file << ": " << expr;
      if (!absl::StrContains(expr, "ALERTS{")) {
        EXPECT_THAT(result, HasSubstr(R"("result":[{)")) << file << ": " << expr;
      }
    }
  }
  EXPECT_GE(dashboard_queries, 40);

  simulator.Signal(SIGTERM);
  prometheus->Signal(SIGTERM);
  alertmanager.Signal(SIGTERM);
  simulator.Wait(10);
  prometheus->Wait(20);
  alertmanager.Wait(20);
}

// A queue whose policy never gives up on waits: an operator ends a stuck
// wait there (slamonctl end-waits), and SlamonWaitsGivenUp fires, which it
// can only if the given_up series was on the page, at 0, before the end.
TEST(AlertingTest, WaitsAnOperatorEndsAlertInAQueueWithoutGiveUpAfter) {
  TempDir dir;
  Daemon daemon(kDaemonConfig);
  const absl::Time now = absl::Now();
  v1::BatchAck ack;
  ASSERT_TRUE(daemon.PublishBatch({testing::PhoneEvent(v1::ARRIVED, "c1", now - absl::Hours(1), "support")}, &ack)
                  .ok());
  ASSERT_EQ(ack.accepted(), 1u);
  const std::string prometheus_address = absl::StrCat("127.0.0.1:", testing::FreePort());
  const std::unique_ptr<Process> prometheus = StartPrometheus(dir, daemon, prometheus_address, "1s");
  ASSERT_TRUE(QueryUntilResult(prometheus_address,
                               R"(slamon_contacts_total{queue="support",channel="phone",event="given_up"} == 0)",
                               absl::Seconds(60))
                  .has_value())
      << testing::ReadFile(dir.path() + "/prometheus.log");

  const testing::RunResult r = testing::Run({testing::BinaryPath("ctl/slamonctl"), "end-waits", "--daemon",
                                             daemon.grpc_address(), "--queue", "support", "--longer-than", "30m"});
  ASSERT_EQ(r.exit_code, 0) << r.output;
  const std::optional<std::string> alert = QueryUntilResult(
      prometheus_address, R"(ALERTS{alertname="SlamonWaitsGivenUp",alertstate="firing"})", absl::Seconds(60));
  ASSERT_TRUE(alert.has_value()) << testing::HttpGet(prometheus_address, "/api/v1/alerts");
  EXPECT_THAT(*alert, HasSubstr(R"("queue":"support")"));
  EXPECT_THAT(*alert, HasSubstr(R"("channel":"phone")"));
  EXPECT_THAT(*alert, HasSubstr(R"("severity":"warning")"));
  prometheus->Signal(SIGTERM);
  prometheus->Wait(20);
}

}  // namespace
}  // namespace slamon
